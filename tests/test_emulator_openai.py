"""The emulator as other clients see it: openai-python in strict validation mode, content parts,
chunked request bodies, ids unique per process, and every answer kind streamed and not."""

import json

import pytest
import requests

from lowrouter_cli.emulator.answers import REFUSAL, TOOL_ARGUMENTS, TOOL_NAME
from lowrouter_cli.emulator.scenarios import answer_for
from lowrouter_cli.emulator.server import Emulator

from conftest import TEST_KEY

KINDS = ["text", "reasoning", "reasoning_only", "refusal", "tool_call", "content_filter", "length"]
PARTS = [{"type": "text", "text": "hi there"},
         {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]


@pytest.fixture
def client(emulator):
    # Imported here, not at collection: openai's types take 0.4 s to import, in every worker.
    openai = pytest.importorskip("openai")
    # Strict: every response is validated against openai-python's own types (no lenient construct).
    return openai.OpenAI(base_url=emulator.base_url, api_key=TEST_KEY, max_retries=0,
                         _strict_response_validation=True)


def prompt_for(kind):
    return "hi" if kind == "text" else f"hi [[answer:{kind}]]"


@pytest.mark.parametrize("kind", KINDS)
def test_strict_client_accepts_every_completion(client, kind):
    completion = client.chat.completions.create(model="lowrouter/auto",
                                                messages=[{"role": "user", "content": prompt_for(kind)}])
    choice = completion.choices[0]
    expected = {"text": "stop", "reasoning": "stop", "reasoning_only": "length", "refusal": "stop",
                "tool_call": "tool_calls", "content_filter": "content_filter", "length": "length"}[kind]
    assert choice.finish_reason == expected
    assert completion.object == "chat.completion" and isinstance(completion.created, int)
    if kind == "refusal":
        assert choice.message.content is None and choice.message.refusal == REFUSAL
    if kind == "tool_call":
        call = choice.message.tool_calls[0]
        assert (call.function.name, call.function.arguments, choice.message.content) == \
            (TOOL_NAME, TOOL_ARGUMENTS, None)
    if kind == "reasoning_only":
        assert choice.message.content == "" and completion.usage.completion_tokens_details.reasoning_tokens == 40


@pytest.mark.parametrize("kind", KINDS)
def test_strict_client_accepts_every_stream(client, kind):
    stream = client.chat.completions.create(model="openai/gpt-4o-mini", stream=True,
                                            stream_options={"include_usage": True},
                                            messages=[{"role": "user", "content": prompt_for(kind)}])
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" and c.model == "openai/gpt-4o-mini"
               and isinstance(c.created, int) for c in chunks)
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finish) == 1 and chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    if kind == "tool_call":
        arguments = "".join(c.choices[0].delta.tool_calls[0].function.arguments
                            for c in chunks if c.choices and c.choices[0].delta.tool_calls)
        assert arguments == TOOL_ARGUMENTS and finish == ["tool_calls"]
    if kind == "text":
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == answer_for("hi", None)


def test_usage_only_when_asked(client):
    chunks = list(client.chat.completions.create(model="lowrouter/auto", stream=True,
                                                 messages=[{"role": "user", "content": "hi"}]))
    assert all(c.usage is None for c in chunks) and chunks[-1].choices[0].finish_reason == "stop"


def test_strict_client_accepts_the_model_list(client):
    models = list(client.models.list())
    assert models and all(m.object == "model" and isinstance(m.created, int) and m.owned_by for m in models)
    assert {m.owned_by for m in models} >= {"openai", "anthropic", "lowrouter"}


def test_model_list_says_it_is_a_list(emulator):
    body = requests.get(emulator.base_url + "/models", headers={"Authorization": f"Bearer {TEST_KEY}"}).json()
    assert body["object"] == "list"


def test_content_parts_are_read_and_counted_by_characters(client):
    with_parts = client.chat.completions.create(
        model="lowrouter/auto", messages=[{"role": "user", "content": PARTS + [{"type": "text", "text": "[[answer:echo]]"}]}])
    assert with_parts.choices[0].message.content == "hi there\n[[answer:echo]]"
    plain = client.chat.completions.create(model="lowrouter/auto",
                                           messages=[{"role": "user", "content": "x" * 400}])
    assert plain.usage.prompt_tokens == 100  # four characters a token, not one token a part
    assert with_parts.usage.prompt_tokens == 6 + 85  # 24 characters of text, and one image


def test_content_of_another_type_is_a_400_not_a_dropped_connection(emulator):
    response = requests.post(emulator.base_url + "/chat/completions", headers={"Authorization": f"Bearer {TEST_KEY}"},
                             json={"model": "lowrouter/auto", "messages": [{"role": "user", "content": 5}]})
    assert response.status_code == 400 and "list of parts" in response.json()["error"]["message"]


def test_chunked_request_body_is_read(emulator):
    body = json.dumps({"model": "lowrouter/auto",
                       "messages": [{"role": "user", "content": "[[answer:echo]] chunked"}]}).encode()
    pieces = (body[i:i + 7] for i in range(0, len(body), 7))  # a generator: requests sends it chunked
    response = requests.post(emulator.base_url + "/chat/completions", data=pieces,
                             headers={"Authorization": f"Bearer {TEST_KEY}", "Content-Type": "application/json"})
    assert emulator.chat_requests()[-1]["headers"].get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "[[answer:echo]] chunked"


def test_chunked_body_over_the_limit_is_413():
    with Emulator(api_key=TEST_KEY, max_body=100) as small:
        pieces = (b"x" * 60 for _ in range(3))
        response = requests.post(small.base_url + "/chat/completions", data=pieces,
                                 headers={"Authorization": f"Bearer {TEST_KEY}"})
    assert response.status_code == 413


def test_generation_ids_differ_between_emulators():
    # Each process builds its own state: two of them must not hand out the same sequence.
    with Emulator(api_key=TEST_KEY) as one, Emulator(api_key=TEST_KEY) as two:
        ids = [e.state.next_generation_id() for e in (one, two) for _ in range(3)]
    assert len(set(ids)) == 6 and all(i.startswith("gen-") and len(i) == 28 for i in ids)


def test_reasoning_content_field_and_budget(client):
    completion = client.chat.completions.create(
        model="lowrouter/auto", max_tokens=10,
        messages=[{"role": "user", "content": "hi [[answer:reasoning field=reasoning_content]]"}])
    message = completion.choices[0].message.model_dump()
    assert len(message["reasoning_content"].split()) == 10 and message["content"] == ""
    assert completion.choices[0].finish_reason == "length"


@pytest.mark.parametrize("prompt", ["[[answer:long words=40]]", "[[answer:unicode]]", "[[answer:echo]] x",
                                    "hi [[fault:crlf]]", "hi [[fault:multiline]]", "hi [[fault:onebyte]]"])
def test_strict_client_accepts_the_other_answers_and_framings(client, prompt):
    completion = client.chat.completions.create(model="lowrouter/auto", messages=[{"role": "user", "content": prompt}])
    chunks = list(client.chat.completions.create(model="lowrouter/auto", stream=True,
                                                 stream_options={"include_usage": True},
                                                 messages=[{"role": "user", "content": prompt}]))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == completion.choices[0].message.content and chunks[-1].usage.total_tokens > 0
