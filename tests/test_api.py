import json

import pytest
from hypothesis import given, settings, strategies as st

from lowrouter_cli import api
from lowrouter_cli.errors import GatewayError, RateLimited, TruncatedAnswer
from lowrouter_cli.client import Client
from lowrouter_cli import events
from lowrouter_cli.events import Content

EVENT_TYPES = {events.Content, events.Reasoning, events.Refusal, events.ToolCallFragment, events.Usage,
               events.Finish, events.Failure}
from lowrouter_cli.transport import Transport

from conftest import TEST_KEY

ANSWER = {"id": "chatcmpl-1", "model": "openai/gpt-4o-mini", "provider": "openai",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4, "cost": 0.000001},
          "lowrouter": {"generation_id": "gen-1", "routed": {"provider": "openai", "region": "eu-west",
                                                             "model": "openai/gpt-4o-mini"}}}


def test_request_body_sends_route_only_with_the_keys_given():
    body = api.ChatRequest(model="m", prompt="p", system="s", region="eu-west").body(stream=True)
    assert body == {"model": "m", "stream": True, "stream_options": {"include_usage": True},
                    "route": {"region": "eu-west"},
                    "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "p"}]}
    assert "route" not in api.ChatRequest(model="m", prompt="p").body()


def test_parse_completion_reads_our_extras():
    result = api.parse_completion(ANSWER)
    assert (result.text, result.finish_reason, result.generation_id) == ("Hi", "stop", "gen-1")
    assert (result.routed.provider, result.routed.region) == ("openai", "eu-west")
    assert result.usage.cost == 0.000001


def test_parse_completion_without_lowrouter_extras():
    plain = {"choices": [{"message": {"content": "Hi"}, "finish_reason": "stop"}], "model": "x"}
    result = api.parse_completion(plain)
    assert result.text == "Hi" and result.generation_id is None and result.usage is None


def test_errors_inside_a_200_body():
    with pytest.raises(RateLimited):
        api.parse_completion({"error": {"code": 429, "message": "slow down"}})
    with pytest.raises(GatewayError, match="upstream died") as info:
        api.parse_completion({"choices": [{"finish_reason": "error", "error": {"message": "upstream died"}}],
                              "lowrouter": {"generation_id": "gen-2"}})
    assert info.value.generation_id == "gen-2"


class FakeBytes:
    def __init__(self, chunks, headers=None):
        self.chunks, self.headers, self.closed = chunks, headers or {}, False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def sse(*payloads):
    return [f"data: {json.dumps(p) if not isinstance(p, str) else p}\n\n".encode() for p in payloads]


def chunk(content=None, finish=None, **extra):
    delta = {} if content is None else {"content": content}
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


def test_stream_collects_text_usage_and_id():
    stream = api.ChatStream(FakeBytes(sse(
        {"choices": [], "lowrouter": {"generation_id": "gen-3"}},
        chunk("Hel"), {"choices": [{"index": 0}]}, chunk(None), chunk("lo", "stop"),
        {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2}}, "[DONE]")))
    assert "".join(c.text for c in stream if type(c) is Content) == "Hello"
    assert stream.generation_id == "gen-3" and stream.finish_reason == "stop"
    assert stream.usage.completion_tokens == 2


def test_stream_without_finish_is_truncated():
    stream = api.ChatStream(FakeBytes(sse(chunk("Hel"), "[DONE]")))
    with pytest.raises(TruncatedAnswer):
        list(stream)
    with pytest.raises(TruncatedAnswer):
        list(api.ChatStream(FakeBytes(sse(chunk("Hel")))))


def test_stream_error_chunk_is_yielded_then_raised():
    seen = []
    stream = api.ChatStream(FakeBytes(sse(chunk("a"), {"error": {"code": "429", "message": "slow"}})))
    with pytest.raises(RateLimited, match="slow"):
        for item in stream:
            seen.append(item)
    assert len(seen) == 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False)
    | st.text(max_size=8) | st.sampled_from([429, "429", "rate_limit_exceeded", "error", "stop"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["choices", "delta", "content", "error", "code", "message", "usage", "lowrouter",
                         "generation_id", "finish_reason", "cost", "routed", "metadata", "availability"]),
        children, max_size=4),
    max_leaves=20)
# Chunks shaped like the real thing, so that text, finishes and errors all occur often.
errors = st.sampled_from([None, False, True, {"code": 429, "message": "slow"}, {"code": "429"}, {"code": "²"},
                          {"code": "rate_limit_exceeded"}, {"code": 502, "message": "upstream"}, "boom"])
contents = st.one_of(st.text(max_size=5), st.none(), st.integers())
chunks = st.fixed_dictionaries(
    {"choices": st.lists(st.fixed_dictionaries({
        "delta": st.fixed_dictionaries({"content": contents}),
        "finish_reason": st.sampled_from([None, "", "stop", "length", "error"]),
        "error": errors}), max_size=1)},
    optional={"error": errors})
answers = st.fixed_dictionaries(
    {"choices": st.lists(st.fixed_dictionaries({
        "message": st.one_of(st.fixed_dictionaries({"content": contents}), st.just({})),
        "finish_reason": st.sampled_from([None, "stop", "error"]),
        "error": errors}), max_size=2)},
    optional={"error": errors})


class Malformed(Exception):
    """The oracle's word for data the api must report as malformed (a GatewayError)."""


def first_choice(payload):
    choices = payload.get("choices")
    if choices is not None and not isinstance(choices, list):
        raise Malformed
    return choices[0] if choices and isinstance(choices[0], dict) else None


def failure_for(error):
    """The class an error object in a 200 body must raise: 429 (however spelt) or exit 7."""
    code = error.get("code") if isinstance(error, dict) else None
    as_int = code if type(code) is int else int(code) if isinstance(code, str) and code.isascii() \
        and code.isdigit() else None
    return RateLimited if as_int == 429 or code == "rate_limit_exceeded" else GatewayError


def chunk_outcome(payload):
    """The oracle for one chunk: (its text, whether it finishes the answer, the error it raises)."""
    if not isinstance(payload, dict):
        return "", False, GatewayError
    try:
        choice = first_choice(payload)
        delta = choice.get("delta") if choice else None
        content = delta.get("content") if isinstance(delta, dict) else None
        if content is not None and not isinstance(content, str):
            raise Malformed
    except Malformed:
        return "", False, GatewayError
    finish = choice.get("finish_reason") if choice else None
    error = None
    if payload.get("error") not in (None, False):
        error = failure_for(payload["error"])
    elif finish == "error":
        error = failure_for(choice.get("error"))
    return content or "", isinstance(finish, str) and finish != "", error


def expected_stream(payloads):
    """The oracle: the texts yielded, and the error raised at the end (None for a whole answer)."""
    texts, finished = [], False
    for payload in payloads:
        text, finishes, error = chunk_outcome(payload)
        texts += [text] if text else []
        finished = finished or finishes
        if error:
            return texts, error
    return texts, (None if finished else TruncatedAnswer)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(json_values, chunks), max_size=6))
def test_random_json_chunks_give_their_text_then_the_right_error(payloads):
    stream = api.ChatStream(FakeBytes(sse(*[json.dumps(p) for p in payloads])))
    texts, failure = expected_stream(payloads)
    seen = []
    if failure is None:
        seen = [event.text for event in stream if type(event) is Content]
    else:
        with pytest.raises(failure) as raised:
            for event in stream:
                assert type(event) in EVENT_TYPES
                if type(event) is Content:
                    seen.append(event.text)
        assert type(raised.value) is failure  # not a subclass standing in for it
    assert seen == texts


def expected_answer(body):
    """The oracle: the answer's text, or the error class parse_completion must raise."""
    if isinstance(body, dict) and body.get("error") not in (None, False):
        return failure_for(body["error"])
    try:
        choice = first_choice(body) if isinstance(body, dict) else None
    except Malformed:
        return GatewayError
    if choice is None:
        return GatewayError
    if choice.get("finish_reason") == "error":
        return failure_for(choice.get("error"))
    message = choice.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content", 0), (str, type(None))):
        return GatewayError
    return message["content"] or ""


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, answers))
def test_random_json_answers_give_their_text_or_the_right_error(body):
    expected = expected_answer(body)
    if isinstance(expected, str):
        assert api.parse_completion(body).text == expected
    else:
        with pytest.raises(expected) as raised:
            api.parse_completion(body)
        assert type(raised.value) is expected


def test_complete_against_the_emulator(emulator):
    with Client(Transport(emulator.base_url, TEST_KEY)) as client:
        result = client.complete(api.ChatRequest(model="lowrouter/auto", prompt="hi"))
        assert "LowRouter emulator" in result.text and result.generation_id.startswith("gen-")
        with client.stream(api.ChatRequest(model="lowrouter/auto", prompt="hi")) as stream:
            assert "".join(c.text for c in stream if type(c) is Content) == result.text
