"""The kinds of answer the emulator gives, and how each looks on the wire, streamed or not.

`[[answer:KIND]]` in a prompt picks one: plain text (the default), `reasoning` (thinking, then the
answer), `reasoning_only` (thinking until the token budget runs out), `refusal`, `tool_call`,
`content_filter` (part of the answer, then the filter) and `length` (cut at the token limit).
Chunks and bodies carry OpenAI's fields, so openai-python's strict validation accepts them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from lowrouter_cli.emulator.scenarios import Fault, Route, answer_for, cost_of, tokenize

KINDS = ("reasoning", "reasoning_only", "refusal", "tool_call", "content_filter", "length")
REFUSAL = "I'm sorry, but I can't help with that request."
TOOL_NAME = "get_weather"
TOOL_ARGUMENTS = '{"city": "Paris", "unit": "celsius"}'


def reasoning_text(words: int) -> str:
    steps = ("The user asks a question. Let me think about what they need. "
             "I should check the facts, weigh the options, and answer briefly. ").split()
    return " ".join(steps[i % len(steps)] for i in range(max(1, words)))


@dataclass
class Answer:
    """What the model 'said', as stream deltas: each list holds one token per chunk."""

    content: list[str] | None = None  # None: the message's content is null (refusal, tool call)
    reasoning: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    tool_arguments: list[str] = field(default_factory=list)  # fragments of one call's arguments
    finish_reason: str = "stop"
    reasoning_field: str = "reasoning"  # or "reasoning_content", as DeepSeek and vLLM name it

    @property
    def completion_tokens(self) -> int:
        return len(self.content or []) + len(self.reasoning) + len(self.refusal) + len(self.tool_arguments)


def shape_answer(prompt: str, spec: str | None, max_tokens: Any) -> Answer:
    """The answer a prompt asks for, cut at `max_tokens` (reasoning spends the budget first)."""
    kind = Fault.parse(spec) if spec else Fault("text")
    budget = max_tokens if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0 \
        else None
    text = tokenize(answer_for(prompt, None if kind.name in KINDS else spec))
    answer = Answer(content=text, reasoning_field=kind.params.get("field", "reasoning"))
    if kind.name in ("reasoning", "reasoning_only"):
        answer.reasoning = tokenize(reasoning_text(int(kind.number("words", 40))))
        if kind.name == "reasoning_only":
            answer.content, answer.finish_reason = [], "length"
    elif kind.name == "refusal":
        answer.content, answer.refusal = None, tokenize(REFUSAL)
    elif kind.name == "tool_call":
        answer.content, answer.finish_reason = None, "tool_calls"
        answer.tool_arguments = [TOOL_ARGUMENTS[i:i + 8] for i in range(0, len(TOOL_ARGUMENTS), 8)]
    elif kind.name == "content_filter":
        answer.content, answer.finish_reason = text[: int(kind.number("after", len(text) // 2))], "content_filter"
    elif kind.name == "length":
        answer.content, answer.finish_reason = text[: int(kind.number("after", len(text) // 2))], "length"
    if budget is not None and answer.completion_tokens > budget:
        answer.reasoning = answer.reasoning[:budget]
        if answer.content is not None:
            answer.content = answer.content[: budget - len(answer.reasoning)]
        answer.finish_reason = "length"
    return answer


class Generation:
    """One generation: its id, route and answer, as a completion body or as stream chunks."""

    def __init__(self, generation_id: str, model_id: str, route: Route, route_pin: Any, prompt_tokens: int,
                 answer: Answer) -> None:
        self.generation_id = generation_id
        self.model_id = model_id
        self.route = route
        self.route_pin = route_pin
        self.answer = answer
        self.finish_reason = answer.finish_reason
        self.chat_id = "chatcmpl-" + generation_id[4:12]
        self.created = int(time.time())
        completion = answer.completion_tokens
        self.usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "completion_tokens_details": {"reasoning_tokens": len(answer.reasoning)},
            "cost": cost_of(route.model, prompt_tokens, completion),
        }

    def _lowrouter(self) -> dict[str, Any]:
        return {"generation_id": self.generation_id,
                "routed": {"provider": self.route.provider, "region": self.route.region,
                           "model": self.route.model["id"]}}

    def _tool_call(self, arguments: str, *, first: bool) -> dict[str, Any]:
        call: dict[str, Any] = {"index": 0, "function": {"arguments": arguments}}
        if first:
            call.update(id="call_" + self.generation_id[4:16], type="function")
            call["function"]["name"] = TOOL_NAME
        return call

    def completion(self) -> dict[str, Any]:
        answer = self.answer
        message: dict[str, Any] = {"role": "assistant",
                                   "content": None if answer.content is None else "".join(answer.content)}
        if answer.reasoning:
            message[answer.reasoning_field] = "".join(answer.reasoning)
        if answer.refusal:
            message["refusal"] = "".join(answer.refusal)
        if answer.tool_arguments:
            message["tool_calls"] = [self._tool_call("".join(answer.tool_arguments), first=True)]
        return {
            "id": self.chat_id, "object": "chat.completion", "created": self.created,
            "model": self.route.model["id"], "provider": self.route.provider,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self.usage,
            "lowrouter": self._lowrouter(),
        }

    def chunks(self, *, with_finish: bool, with_usage: bool) -> Iterator[dict[str, Any]]:
        base = {"id": self.chat_id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.route.model["id"]}
        short = {"generation_id": self.generation_id}
        answer = self.answer

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                    "lowrouter": short}

        first = {"role": "assistant", "content": None if answer.content is None else ""}
        yield {**chunk(first), "provider": self.route.provider, "lowrouter": self._lowrouter()}
        for token in answer.reasoning:
            yield chunk({answer.reasoning_field: token})
        for token in answer.refusal:
            yield chunk({"refusal": token})
        for index, fragment in enumerate(answer.tool_arguments):
            yield chunk({"tool_calls": [self._tool_call(fragment, first=index == 0)]})
        for token in answer.content or ():
            yield chunk({"content": token})
        if with_finish:
            yield chunk({}, self.finish_reason)
        if with_usage:
            yield {**base, "choices": [], "usage": self.usage, "lowrouter": short}


def message_text(content: Any) -> str | None:
    """A request message's text: a string, or the text parts of a list (None: not a valid shape)."""
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        return "\n".join(part["text"] for part in content
                         if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str))
    return None


IMAGE_TOKENS = 85  # what OpenAI bills a low-detail image


def count_prompt_tokens(messages: list[Any]) -> int:
    """About four characters a token, over the text of every message; images at a flat rate."""
    chars = images = 0
    for message in messages:
        if not isinstance(message, dict):
            continue
        chars += len(message_text(message.get("content")) or "")
        if isinstance(message.get("content"), list):
            images += sum(1 for part in message["content"] if isinstance(part, dict) and part.get("type") == "image_url")
    return max(1, -(-chars // 4)) + IMAGE_TOKENS * images

