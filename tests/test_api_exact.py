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
    assert (info.value.message, info.value.generation_id) == (
        "answer truncated: the stream ended before the answer was finished", "gen-h")
    ended_early = api.ChatStream(Bytes(data({"choices": []}, "[DONE]")))
    with pytest.raises(TruncatedAnswer) as info:
        list(ended_early)
    assert info.value.message == "answer truncated: the stream ended before the answer was finished"


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


def test_left_out_metadata_names_each_field_of_the_wrong_type_in_order():
    assert api.left_out_metadata([1]) == [] and api.left_out_metadata(None) == []
    assert api.left_out_metadata({}) == []
    assert api.left_out_metadata({"usage": None, "model": None, "lowrouter": None}) == []
    for usage in (5, "x", [1], True):
        assert api.left_out_metadata({"usage": usage}) == ["usage"], usage
    good = {"model": "m", "usage": {"prompt_tokens": 3, "completion_tokens": 0, "total_tokens": 3, "cost": 0.5},
            "lowrouter": {"generation_id": "g", "routed": {"model": "m", "provider": "p", "region": "r"}}}
    assert api.left_out_metadata(good) == []
    bad = {"model": 5, "usage": {"prompt_tokens": 1.5, "completion_tokens": "3", "total_tokens": -1, "cost": "0.1"},
           "lowrouter": {"generation_id": 7, "routed": {"model": [], "provider": 1, "region": {}}}}
    assert api.left_out_metadata(bad) == [
        "usage.prompt_tokens", "usage.completion_tokens", "usage.total_tokens", "usage.cost", "model",
        "lowrouter.generation_id", "lowrouter.routed.model", "lowrouter.routed.provider", "lowrouter.routed.region"]
    for cost in (True, float("inf"), "1e999", "x"):
        assert api.left_out_metadata({"usage": {"cost": cost}}) == ["usage.cost"], cost
    assert api.left_out_metadata({"usage": {"cost": 2}}) == []
    assert api.left_out_metadata({"usage": {"total_tokens": True}}) == ["usage.total_tokens"]
    assert api.left_out_metadata({"lowrouter": {"routed": 5, "generation_id": None}, "model": ""}) == []
    assert api.left_out_metadata({"lowrouter": 5, "usage": {}}) == []
    assert api.left_out_metadata({"lowrouter": {"routed": {"region": 1}}}) == ["lowrouter.routed.region"]


def test_a_generation_id_must_be_non_empty_text():
    answer = {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    for value in ("", 5, None, ["g"]):
        assert api.parse_completion(dict(answer, lowrouter={"generation_id": value})).generation_id is None, value
    assert api.parse_completion(dict(answer, lowrouter={"generation_id": "g\ud83d"})).generation_id == "g\ufffd"


def test_a_model_list_is_an_object_with_a_data_list_of_ids():
    assert api.is_model_list({"data": []}) is True
    for body in (None, [{"id": "a"}], {"data": {}}, {"data": [{"id": 1}]}, {"data": ["a"]}, {}):
        assert api.is_model_list(body) is False, body


def test_extra_options_never_replace_what_the_request_sets():
    request = api.ChatRequest(model="m", prompt="p", extra={"top_p": 0.5, "model": "other", "stream": False})
    assert request.body() == {"model": "m", "messages": [{"role": "user", "content": "p"}], "top_p": 0.5,
                              "stream": False}
    assert request.body(stream=True) == {"model": "m", "messages": [{"role": "user", "content": "p"}],
                                         "stream": True, "stream_options": {"include_usage": True}, "top_p": 0.5}


def contents(*lines):
    return [e.text for e in api.ChatStream(Bytes(data(*lines))) if type(e) is Content]


def test_a_high_surrogate_half_waits_for_the_next_event_in_place():
    assert contents('{"choices": [{"delta": {"content": "ab\\ud83d"}}]}',
                    '{"choices": [{"delta": {"content": "\\ude00c"}}]}',
                    '{"choices": [{"delta": {}, "finish_reason": "stop"}]}') == ["ab", "\U0001f600c"]
    # ASCII after a lone high half: the half is replaced there, before the ASCII, not at the end
    assert contents('{"choices": [{"delta": {"content": "a\\ud83d"}}]}',
                    '{"choices": [{"delta": {"content": "b"}}]}',
                    '{"choices": [{"delta": {}, "finish_reason": "stop"}]}') == ["a", "\ufffdb"]


def test_text_after_a_finish_that_replaced_a_lone_half_is_kept():
    assert contents('{"choices": [{"delta": {"content": "a\\ud83d"}, "finish_reason": "stop"}]}',
                    '{"choices": [{"delta": {"content": "\\u00e9"}}]}') == ["a", "\ufffd", "\u00e9"]


def test_route_fields_must_be_non_empty_text():
    answer = {"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    for odd in (5, "", ["m"], True):
        body = dict(answer, model=odd, provider=odd, lowrouter={"routed": {"model": odd, "region": odd}})
        routed = api.parse_completion(body).routed
        assert (routed.model, routed.provider, routed.region) == (None, None, None), odd
        stream = api.ChatStream(Bytes(data(dict(answer, choices=[{"delta": {}, "finish_reason": "stop"}],
                                                     model=odd, provider=odd))))
        list(stream)
        assert (stream.routed.model, stream.routed.provider) == (None, None), odd


def test_a_finish_reason_must_be_non_empty_text_in_a_stream():
    for odd in (5, "", True, ["stop"]):
        stream = api.ChatStream(Bytes(data({"choices": [{"delta": {"content": "a"}, "finish_reason": odd}]},
                                           "[DONE]")))
        with pytest.raises(TruncatedAnswer):
            list(stream)
        assert stream.finish_reason is None, odd


# ChatStream.blocks(): a list of events per network read


def chunk_of(content=None, finish=None):
    delta = {} if content is None else {"content": content}
    return {"choices": [{"delta": delta, "finish_reason": finish}]}


def reads(*groups):
    return [b"".join(data(*group)) for group in groups]


def test_blocks_give_the_events_of_each_read_as_one_list():
    from lowrouter_cli.events import Finish

    stream = api.ChatStream(Bytes(reads([chunk_of("a"), chunk_of("b")], [chunk_of("c", "stop")], ["[DONE]"])))
    assert list(stream.blocks()) == [[Content("a"), Content("b")], [Content("c"), Finish("stop")]]
    assert (stream.finish_reason, stream.answer.content_seen) == ("stop", True)


def test_a_read_without_events_gives_no_list():
    from lowrouter_cli.events import Finish

    [whole] = reads([chunk_of("a", "stop")])
    stream = api.ChatStream(Bytes([b": keep-alive\n\n", whole[:10], whole[10:]]))
    assert list(stream.blocks()) == [[Content("a"), Finish("stop")]]


def test_done_ends_the_stream_after_the_events_before_it_in_the_same_read():
    from lowrouter_cli.events import Finish

    stream = api.ChatStream(Bytes(reads([chunk_of("a", "stop"), "[DONE]", chunk_of("late")], [chunk_of("x")])))
    assert list(stream.blocks()) == [[Content("a"), Finish("stop")]]
    unfinished = api.ChatStream(Bytes(reads([chunk_of("a"), "[DONE]"])))
    seen = []
    with pytest.raises(TruncatedAnswer):
        for block in unfinished.blocks():
            seen.append(block)
    assert seen == [[Content("a")]]
    early = api.ChatStream(Bytes(reads(["[DONE]"])))
    with pytest.raises(TruncatedAnswer):
        list(early.blocks())


def test_a_failure_ends_its_read_list_and_is_raised_after_it():
    bad = {"error": {"message": "went away"}}
    stream = api.ChatStream(Bytes(reads([chunk_of("a"), bad, chunk_of("never")], [chunk_of("b", "stop")])))
    seen = []
    with pytest.raises(GatewayError) as info:
        for block in stream.blocks():
            seen.append(block)
    assert info.value.message == "went away"
    assert seen == [[Content("a"), Failure(info.value)]]
    assert stream.answer.content_seen is True and stream.finish_reason is None
    iterated = api.ChatStream(Bytes(reads([chunk_of("a"), bad, chunk_of("never")])))
    events = []
    with pytest.raises(GatewayError):
        for event in iterated:
            events.append(event)
    assert [type(e) for e in events] == [Content, Failure] and events[0] == Content("a")


def test_a_chunk_too_big_to_parse_is_raised_after_the_events_before_it():
    huge = "[" + "[]," * 400_000 + "[]]"  # over 1 MiB and 200,000 arrays: refused before parsing
    stream = api.ChatStream(Bytes(reads([chunk_of("a"), huge, chunk_of("b")])))
    seen = []
    with pytest.raises(jsontext.TooLarge):
        for block in stream.blocks():
            seen.append(block)
    assert seen == [[Content("a")]]
    alone = api.ChatStream(Bytes(reads([huge])))
    with pytest.raises(jsontext.TooLarge):
        list(alone.blocks())


# content chunks read through a template (jsontext.StringSlot)


def test_chunks_read_through_the_template_give_the_same_events():
    from lowrouter_cli.events import Finish

    template = {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": {"content": "x"}}]}
    tokens = ["Hel", "lo", "", " w\u00f6rld", "\\", '"q"', "a\ud83d", "\ude00b", "end"]
    lines = [json.dumps(dict(template, choices=[{"index": 0, "delta": {"content": t}}])) for t in tokens]
    stream = api.ChatStream(Bytes(reads(lines, [chunk_of(None, "stop")])))
    texts = [e.text for e in stream if type(e) is Content]
    assert texts == ["Hel", "lo", " w\u00f6rld", "\\", '"q"', "a", "\U0001f600b", "end"]
    assert stream.routed.model == "m"


def test_a_chunk_that_changes_the_generation_or_route_is_read_whole():
    lines = [json.dumps({"model": "m1", "choices": [{"delta": {"content": "a"}}]}),
             json.dumps({"model": "m1", "choices": [{"delta": {"content": "b"}}]}),
             json.dumps({"model": "m2", "choices": [{"delta": {"content": "c"}}]}),
             json.dumps({"model": "m2", "choices": [{"delta": {"content": "d"}}]}),
             json.dumps({"lowrouter": {"generation_id": "g2"}, "model": "m2", "choices": [{"delta": {"content": "e"}}]}),
             json.dumps({"lowrouter": {"generation_id": "g2"}, "model": "m2", "choices": [{"delta": {"content": "f"}}]}),
             json.dumps({"model": "m2", "choices": [{"delta": {}, "finish_reason": "stop"}]})]
    stream = api.ChatStream(Bytes(reads(lines)))
    assert "".join(e.text for e in stream if type(e) is Content) == "abcdef"
    assert (stream.routed.model, stream.generation_id) == ("m2", "g2")


def test_a_template_never_outlives_a_change_of_route_or_generation():
    from lowrouter_cli.events import Reasoning

    def content(text, **extra):
        return json.dumps(dict(extra, choices=[{"delta": {"content": text}}]))

    def reasoning(**extra):
        return json.dumps(dict(extra, choices=[{"delta": {"reasoning": "hm"}}]))

    route = api.ChatStream(Bytes(reads([content("a", model="m2"), content("b", model="m2"), reasoning(model="m3"),
                                        content("d", model="m2"), chunk_of(None, "stop")])))
    assert [e for e in route if type(e) in (Content, Reasoning)] == [
        Content("a"), Content("b"), Reasoning("hm"), Content("d")]
    assert route.routed.model == "m2"  # the last chunk that named a model
    g1, g2 = {"generation_id": "g1"}, {"generation_id": "g2"}
    generation = api.ChatStream(Bytes(reads([content("a", lowrouter=g1), content("b", lowrouter=g1),
                                             reasoning(lowrouter=g2), content("d", lowrouter=g1),
                                             chunk_of(None, "stop")])))
    assert "".join(e.text for e in generation if type(e) is Content) == "abd"
    assert generation.generation_id == "g1"


def test_every_chunk_is_passed_on_as_received_under_keep_raw():
    from lowrouter_cli.events import Finish

    lines = [json.dumps({"choices": [{"delta": {"content": text}}]}) for text in ("", "a", "b", "c")]
    stream = api.ChatStream(Bytes(reads(lines, [chunk_of(None, "stop")])), keep_raw=True)
    events = list(stream)
    assert [type(e) for e in events] == [Received, Received, Content, Received, Content, Received, Content,
                                         Received, Finish]
    assert [e.text for e in events if type(e) is Content] == ["a", "b", "c"]
    assert events[3] == Received({"choices": [{"delta": {"content": "b"}}]})


def test_a_finish_in_every_chunk_is_never_lost_to_a_template():
    from lowrouter_cli.events import Finish

    lines = [json.dumps({"choices": [{"delta": {"content": text}, "finish_reason": "stop"}]}) for text in "abc"]
    events = list(api.ChatStream(Bytes(reads(lines))))
    assert events == [Content("a"), Finish("stop"), Content("b"), Finish("stop"), Content("c"), Finish("stop")]
    lines = [json.dumps({"choices": [{"delta": {"content": text}, "finish_reason": "stop"}]}) for text in ("", "a")]
    assert list(api.ChatStream(Bytes(reads(lines)))) == [Finish("stop"), Content("a"), Finish("stop")]
