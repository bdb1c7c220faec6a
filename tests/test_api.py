import json

import pytest
from hypothesis import given, settings, strategies as st

from lowrouter_cli import api
from lowrouter_cli.errors import GatewayError, LowRouterError, RateLimited, TruncatedAnswer
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
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["choices", "delta", "content", "error", "code", "message", "usage", "lowrouter",
                         "generation_id", "finish_reason", "cost", "routed", "metadata", "availability"]),
        children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(json_values, max_size=6))
def test_random_json_chunks_end_in_text_or_our_error(payloads):
    stream = api.ChatStream(FakeBytes(sse(*[json.dumps(p) for p in payloads])))
    try:
        for item in stream:
            assert type(item) in EVENT_TYPES and (type(item) is not Content or isinstance(item.text, str))
    except LowRouterError:
        pass


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_random_json_answers_end_in_a_result_or_our_error(body):
    try:
        assert isinstance(api.parse_completion(body).text, str)
    except LowRouterError:
        pass


def test_complete_against_the_emulator(emulator):
    with Client(Transport(emulator.base_url, TEST_KEY)) as client:
        result = client.complete(api.ChatRequest(model="lowrouter/auto", prompt="hi"))
        assert "LowRouter emulator" in result.text and result.generation_id.startswith("gen-")
        with client.stream(api.ChatRequest(model="lowrouter/auto", prompt="hi")) as stream:
            assert "".join(c.text for c in stream if type(c) is Content) == result.text
