"""What an answer is made of, as typed events: the api turns each stream chunk (or a whole
non-streamed message) into these, and the renderers and jobs consume them, never chunk dicts.

`AnswerSummary` folds the events of one answer; `unusable()` says when it holds no usable answer
(a refusal, a tool call, a content filter, or a finish with no content at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from lowrouter_cli import jsontext
from lowrouter_cli.errors import GatewayError, LowRouterError, NoUsableAnswer


class Content(NamedTuple):  # tuples: cheap to make, and a stream makes one per token
    text: str


class Reasoning(NamedTuple):
    text: str


class Refusal(NamedTuple):
    text: str


class ToolCallFragment(NamedTuple):
    index: int
    id: str | None
    name: str | None
    arguments: str


class Finish(NamedTuple):
    reason: str


class Failure(NamedTuple):
    """An error reported inside the answer; the stream raises it right after."""

    error: LowRouterError


class Received(NamedTuple):
    """A chunk exactly as decoded, for `stream --json` only (made only when asked for)."""

    payload: Any


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cost: float | None = None
    reasoning_tokens: int | None = None

    @classmethod
    def parse(cls, value: Any) -> "Usage | None":
        if not isinstance(value, dict):
            return None
        details = value.get("completion_tokens_details")
        return cls(
            prompt_tokens=jsontext.count(value.get("prompt_tokens")),
            completion_tokens=jsontext.count(value.get("completion_tokens")),
            total_tokens=jsontext.count(value.get("total_tokens")),
            cost=jsontext.finite(value.get("cost")),
            reasoning_tokens=jsontext.count(details.get("reasoning_tokens")) if isinstance(details, dict) else None,
        )


def malformed(what: str, generation_id: str | None) -> GatewayError:
    return GatewayError(f"malformed response: {what}", generation_id=generation_id)


def part_events(part: dict[str, Any], generation_id: str | None, clean: Callable[[str], str]) -> list[Any]:
    """The events in one `delta` (a stream) or `message` (a whole answer), in reading order;
    `clean` makes the content's text safe to write (lone surrogates)."""
    events: list[Any] = []
    reasoning = part.get("reasoning")
    if not isinstance(reasoning, str):
        reasoning = part.get("reasoning_content")  # DeepSeek, vLLM and LiteLLM's name
    if isinstance(reasoning, str) and reasoning:
        events.append(Reasoning(jsontext.clean_text(reasoning)))
    refusal = part.get("refusal")
    if isinstance(refusal, str) and refusal:
        events.append(Refusal(jsontext.clean_text(refusal)))
    calls = part.get("tool_calls")
    if isinstance(calls, list):
        events.extend(_tool_call(call, position) for position, call in enumerate(calls) if isinstance(call, dict))
    content = part.get("content")
    if content is not None and not isinstance(content, str):
        raise malformed(f"content is a JSON {type(content).__name__}, not a string", generation_id)
    if content:
        content = clean(content)
        if content:
            events.append(Content(content))
    return events


def _tool_call(call: dict[str, Any], position: int) -> ToolCallFragment:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    index = jsontext.count(call.get("index"))
    arguments = function.get("arguments")
    return ToolCallFragment(position if index is None else index, _str(call.get("id")), _str(function.get("name")),
                            jsontext.clean_text(arguments) if isinstance(arguments, str) else "")


@dataclass
class ToolCall:
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass
class AnswerSummary:
    """What an answer held so far; the content itself is not kept (a stream may be huge)."""

    content_seen: bool = False
    reasoning_fragments: int = 0
    refusal: str = ""
    tool_calls: dict[int, ToolCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None

    def add(self, event: Any) -> None:
        kind = type(event)
        if kind is Content:
            self.content_seen = True
        elif kind is Reasoning:
            self.reasoning_fragments += 1
        elif kind is Refusal:
            self.refusal += event.text
        elif kind is ToolCallFragment:
            call = self.tool_calls.setdefault(event.index, ToolCall())
            call.id = call.id or event.id
            call.name = call.name or event.name
            call.arguments += event.arguments
        elif kind is Finish:
            self.finish_reason = event.reason
        elif kind is Usage:
            self.usage = event

    @property
    def reasoning_tokens(self) -> int | None:
        """The gateway's count when it gives one, else the fragments seen (about a token each)."""
        if self.usage is not None and self.usage.reasoning_tokens is not None:
            return self.usage.reasoning_tokens
        return self.reasoning_fragments or None

    @property
    def cut_off(self) -> bool:
        return self.finish_reason == "length" and self.content_seen


def unusable(summary: AnswerSummary, generation_id: str | None) -> NoUsableAnswer | None:
    """The failure to report when the answer, though complete, is not one a script can use."""
    reason = summary.finish_reason
    kind = "no content"
    if summary.refusal.strip():
        message, kind = "the model refused: " + summary.refusal.strip(), "refusal"
    elif summary.tool_calls:
        kind = "tool call"
        calls = ", ".join(f"{c.name or '?'}({c.arguments})" for c in summary.tool_calls.values())
        message = f"the model asked to run a tool, and lowrouter runs no tools: {calls}"
    elif reason == "content_filter":
        kind = "content filter"
        message = "the answer was stopped by the gateway's content filter" + \
            (" (the text so far was kept)" if summary.content_seen else "")
    elif summary.content_seen:
        return None
    elif reason == "length" and summary.reasoning_tokens:
        message = f"no answer: the model spent its whole budget on {summary.reasoning_tokens} reasoning " \
            "tokens (finish_reason length); try a larger --max-tokens"
    elif summary.reasoning_tokens:
        message = f"no answer: the model only reasoned (finish_reason {reason})"
    else:
        message = f"the model gave an empty answer (finish_reason {reason})"
    return NoUsableAnswer(message, generation_id=generation_id, error_type=kind)


def _str(value: Any) -> str | None:
    return jsontext.clean_text(value) if isinstance(value, str) and value else None

