"""api.py to the word: every error it raises names what was wrong and the generation (whether the
id came in the body or only in the header), and the route fills in from whichever chunk says it
(found by mutmut: each test fails for a changed line)."""

import json

import pytest

from lowrouter_cli import api, jsontext
from lowrouter_cli.errors import GatewayError, TruncatedAnswer
from lowrouter_cli.events import Content, Failure, Received

GEN = {"lowrouter": {"generation_id": "gen-1"}}


@pytest.mark.parametrize("body, message, generation_id", [
    ([], "the gateway's answer is not a JSON object", None),
    (dict(GEN), "the gateway's answer has no choices", "gen-1"),
    (dict(GEN, choices=[]), "the gateway's answer has no choices", "gen-1"),
    (dict(GEN, choices=5), "malformed response: choices is a JSON int, not a list", "gen-1"),
    (dict(GEN, choices=[{"finish_reason": "error"}]), "the provider failed while answering", "gen-1"),
    (dict(GEN, choices=[{"message": {"role": "assistant"}}]),
     "malformed response: the answer's message has no text content", "gen-1"),
])
def test_whole_answer_errors(body, message, generation_id):
    with pytest.raises(GatewayError) as info:
        api.parse_completion(body)
    assert (info.value.message, info.value.generation_id) == (message, generation_id)


def test_model_list_check():
    api.check_model_list(304, None)
    api.check_model_list(200, {"data": [{"id": "a"}]})
    with pytest.raises(GatewayError) as info:
        api.check_model_list(200, {"data": [{"id": 5}]})
    assert info.value.status == 200 and info.value.message == (
        'malformed response: GET /models did not return a list of models ({"data": [{"id": "..."}, ...]})')


class Bytes:
    def __init__(self, chunks, headers=None):
        self.chunks, self.headers = chunks, headers or {"X-LowRouter-Generation-Id": "gen-h"}

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        pass


def data(*lines):
    return [f"data: {line if isinstance(line, str) else json.dumps(line)}\n\n".encode() for line in lines]


def failure_of(chunks, keep_raw=False):
    stream = api.ChatStream(Bytes(chunks), keep_raw=keep_raw)
    seen = []
    with pytest.raises(GatewayError) as info:
        for event in stream:
            seen.append(event)
    return info.value, seen


@pytest.mark.parametrize("line, message", [
    ("not json", "malformed response: a data line that is not JSON"),
    ([1, 2], "malformed response: a chunk that is a JSON list, not an object"),
    ({"choices": 5}, "malformed response: choices is a JSON int, not a list"),
    ({"choices": [{"delta": {"content": 5}}]}, "malformed response: content is a JSON int, not a string"),
    ({"error": {"message": "went away"}}, "went away"),
    ({"choices": [{"delta": {}, "finish_reason": "error"}]}, "the provider failed while answering"),
])
def test_stream_errors_name_the_generation_from_the_header(line, message):
    error, seen = failure_of(data(line))
    assert (error.message, error.generation_id) == (message, "gen-h")
    assert type(seen[-1]) is Failure and seen[-1].error is error


def test_malformed_chunks_are_passed_on_as_received_for_json_lines():
    error, seen = failure_of(data([1, 2]), keep_raw=True)
    assert seen == [Received([1, 2]), Failure(error)]
    error, seen = failure_of(data("not json"), keep_raw=True)
    assert seen == [Received("not json"), Failure(error)]


def test_a_line_over_the_cap_is_too_large_and_names_the_generation(monkeypatch):
    from lowrouter_cli import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 10)
    error, _ = failure_of([b"data: " + b"x" * 20])
    assert type(error) is jsontext.TooLarge and error.generation_id == "gen-h"
    assert error.message == "a stream line is longer than 0 MiB (the cap on one stream line or event)"


def test_an_unfinished_stream_is_truncated_and_names_the_generation():
    stream = api.ChatStream(Bytes(data({"choices": [{"delta": {"content": "a"}}]})))
    with pytest.raises(TruncatedAnswer) as info:
        list(stream)
    assert info.value.generation_id == "gen-h"


def test_the_route_fills_in_from_whichever_chunk_names_it():
    stream = api.ChatStream(Bytes(data(
        {"model": "m1", "choices": []},
        {"provider": "p1", "choices": []},
        {"lowrouter": {"routed": {"region": "r1"}}, "choices": []},
        {"model": "m1", "choices": [{"delta": {"content": "x"}, "finish_reason": "stop"}]},
        "[DONE]")))
    assert [e for e in stream if type(e) is Content] == [Content("x")]
    assert (stream.routed.model, stream.routed.provider, stream.routed.region) == ("m1", "p1", "r1")
    later = api.ChatStream(Bytes(data(
        {"model": "m1", "provider": "p1", "lowrouter": {"routed": {"region": "r1"}}, "choices": []},
        {"model": "m2", "choices": [{"delta": {}, "finish_reason": "stop"}]})))
    list(later)
    assert (later.routed.model, later.routed.provider, later.routed.region) == ("m2", "p1", "r1")


def test_a_split_surrogate_pair_is_joined_and_a_lone_half_replaced():
    high, low = "\ud83d", "\ude00"
    stream = api.ChatStream(Bytes(data(
        '{"choices": [{"delta": {"content": "a\\ud83d"}}]}',
        '{"choices": [{"delta": {"content": "\\ude00b"}}]}',
        '{"choices": [{"delta": {"content": "c\\ud83d"}, "finish_reason": "stop"}]}',
        '{"choices": [{"delta": {"content": "d"}}]}')))
    texts = [e.text for e in stream if type(e) is Content]
    assert "".join(texts) == "a" + (high + low).encode("utf-16", "surrogatepass").decode("utf-16") + "bc\ufffdd"


def test_whole_answer_route_and_finish():
    from lowrouter_cli.events import Finish

    body = {"model": "asked/model", "provider": "p0",
            "lowrouter": {"routed": {"model": "routed/model", "provider": "p1", "region": "r1"}},
            "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    result = api.parse_completion(body)
    assert (result.routed.model, result.routed.provider, result.routed.region) == ("routed/model", "p1", "r1")
    assert result.text == "hi" and Finish("stop") in result.events
    for odd in ("", 5, None):
        body["choices"][0]["finish_reason"] = odd
        assert not [e for e in api.parse_completion(body).events if type(e) is Finish], odd


def test_request_body_sends_every_option_given():
    body = api.ChatRequest(model="m", prompt="p", max_tokens=5, temperature=0.5, provider="openai").body()
    assert body == {"model": "m", "messages": [{"role": "user", "content": "p"}], "max_tokens": 5,
                    "temperature": 0.5, "route": {"provider": "openai"}}
