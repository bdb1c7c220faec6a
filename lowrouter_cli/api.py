"""What the gateway sends, parsed: JSON in, plain dataclasses out (client.py sends the requests).

Parsing is forgiving in the direction the contract asks for: unknown fields are ignored, and the
LowRouter extras (`lowrouter`, `usage.cost`, pricing) may be missing. Fields of the wrong type are
treated as missing, never raised on, so that any JSON shape ends in a result or one of our errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from lowrouter_cli.errors import (
    GatewayError,
    TruncatedAnswer,
    error_code_of,
    error_for_code,
    parse_error_envelope,
)
from lowrouter_cli import jsontext
from lowrouter_cli.sse import EventTooLarge, SSEDecoder
from lowrouter_cli.transport import ByteStream

DEFAULT_MODEL = "lowrouter/auto"


@dataclass
class ChatRequest:
    model: str
    prompt: str
    system: str | None = None
    region: str | None = None
    provider: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    prior_messages: list[dict[str, Any]] = field(default_factory=list)  # a conversation's earlier turns

    def body(self, *, stream: bool = False) -> dict[str, Any]:
        messages = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        messages.extend(self.prior_messages)
        messages.append({"role": "user", "content": self.prompt})
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if stream:
            # OpenAI, vLLM and LiteLLM send usage in a stream only when asked.
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        # The route pins the request (503 rather than a silent fallback): only what was asked.
        route = {key: value for key, value in (("region", self.region), ("provider", self.provider)) if value}
        if route:
            body["route"] = route
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return body


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cost: float | None = None

    @classmethod
    def parse(cls, value: Any) -> "Usage | None":
        if not isinstance(value, dict):
            return None
        return cls(
            prompt_tokens=jsontext.count(value.get("prompt_tokens")),
            completion_tokens=jsontext.count(value.get("completion_tokens")),
            total_tokens=jsontext.count(value.get("total_tokens")),
            cost=jsontext.finite(value.get("cost")),
        )


@dataclass
class Routed:
    model: str | None = None
    provider: str | None = None
    region: str | None = None


@dataclass
class ChatResult:
    text: str
    finish_reason: str | None = None
    usage: Usage | None = None
    routed: Routed = field(default_factory=Routed)
    generation_id: str | None = None
    raw: Any = None


def parse_completion(body: Any) -> ChatResult:
    """A non-streaming answer; an error inside a 200 body is raised as the failure it is."""
    generation_id = _generation_id(body)
    _raise_embedded_error(body, generation_id)
    if not isinstance(body, dict):
        raise GatewayError("the gateway's answer is not a JSON object", generation_id=generation_id)
    choice = _first_choice(body)
    if choice is None:
        raise GatewayError("the gateway's answer has no choices", generation_id=generation_id)
    finish_reason = choice.get("finish_reason")
    if finish_reason == "error":
        _raise_choice_error(choice, generation_id)
    message = choice.get("message")
    if not isinstance(message, dict) or "content" not in message \
            or not isinstance(message["content"], (str, type(None))):
        raise GatewayError("malformed response: the answer's message has no text content",
                           generation_id=generation_id)
    content = message["content"]
    return ChatResult(
        text=jsontext.clean_text(content) if isinstance(content, str) else "",
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
        usage=Usage.parse(body.get("usage")),
        routed=_routed(body),
        generation_id=generation_id,
        raw=body,
    )


@dataclass
class StreamChunk:
    """One event as received: its data, its JSON (None if not JSON), and the text it adds."""

    data: str
    payload: Any
    text: str = ""
    failed: bool = False  # the chunk reports an error: raised after it is shown


class ChatStream:
    """Iterate for chunks in arrival order. The answer is complete only if iteration ends
    without raising: an error chunk raises (after being yielded, so --json shows it), and an end
    without any finish_reason raises TruncatedAnswer. The summary fields fill in as chunks come."""

    def __init__(self, byte_stream: ByteStream) -> None:
        self.byte_stream = byte_stream
        self.generation_id: str | None = byte_stream.headers.get("X-LowRouter-Generation-Id")
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.routed = Routed()
        self._decoder = SSEDecoder()
        self._high_surrogate = ""  # an emoji's first half, sent in one event, its second in the next

    def __iter__(self) -> Iterator[StreamChunk]:
        for data in self.byte_stream:
            try:
                events = self._decoder.feed(data)
            except EventTooLarge as error:
                raise jsontext.TooLarge(f"{error} (the cap on one stream line or event)",
                                        generation_id=self.generation_id) from None
            for event in events:
                if event.data == "[DONE]":
                    self._check_complete()
                    return
                chunk = self._parse(event.data)
                yield chunk
                if chunk.failed:
                    self._raise_error(chunk.payload)
        self._decoder.end()
        self._check_complete()

    def close(self) -> None:
        self.byte_stream.close()

    def _parse(self, data: str) -> StreamChunk:
        try:
            payload = jsontext.loads(data)
        except ValueError:
            return StreamChunk(data, None)
        if not isinstance(payload, dict):
            return StreamChunk(data, payload)
        # Most chunks carry one token: look only at the keys a chunk actually has (hot path).
        extras = payload.get("lowrouter")
        if isinstance(extras, dict) and extras.get("generation_id") != self.generation_id:
            self.generation_id = _generation_id(payload) or self.generation_id
        if "usage" in payload:
            self.usage = Usage.parse(payload["usage"]) or self.usage
        if "model" in payload or "provider" in payload or (isinstance(extras, dict) and "routed" in extras):
            routed = _routed(payload)
            self.routed = Routed(
                routed.model or self.routed.model,
                routed.provider or self.routed.provider,
                routed.region or self.routed.region,
            )
        text = ""
        failed = payload.get("error") not in (None, False)
        choice = _first_choice(payload)
        if choice is not None:
            delta = choice.get("delta")
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str):
                text = self._whole_text(content)
            finish_reason = choice.get("finish_reason")
            if isinstance(finish_reason, str) and finish_reason:
                self.finish_reason = finish_reason
                failed = failed or finish_reason == "error"
        if self.finish_reason and self._high_surrogate:  # its other half never came
            text, self._high_surrogate = text + "\ufffd", ""
        return StreamChunk(data, payload, text, failed)

    def _whole_text(self, text: str) -> str:
        """The text with a surrogate pair split across two events joined, and lone ones as U+FFFD."""
        if text.isascii() and not self._high_surrogate:
            return text
        text, self._high_surrogate = self._high_surrogate + text, ""
        if jsontext.ends_with_high_surrogate(text):
            text, self._high_surrogate = text[:-1], text[-1]
        return jsontext.clean_text(text)

    def _raise_error(self, payload: Any) -> None:
        _raise_embedded_error(payload, self.generation_id)
        choice = _first_choice(payload) if isinstance(payload, dict) else None
        if choice is not None and choice.get("finish_reason") == "error":
            _raise_choice_error(choice, self.generation_id)

    def _check_complete(self) -> None:
        if self.finish_reason is None:
            raise TruncatedAnswer(
                "answer truncated: the stream ended before the answer was finished",
                generation_id=self.generation_id,
            )


def check_model_list(status: int, body: Any) -> None:
    """GET /models must give a list of models (or a 304): nothing else may reach the cache, which
    every later run and TAB press would read."""
    if status != 304 and not is_model_list(body):
        raise GatewayError("malformed response: GET /models did not return a list of models "
                           '({"data": [{"id": "..."}, ...]})', status=status)


def is_model_list(body: Any) -> bool:
    data = body.get("data") if isinstance(body, dict) else None
    return isinstance(data, list) and all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in data)


# -- helpers ---------------------------------------------------------------------------------------


def _raise_embedded_error(body: Any, generation_id: str | None) -> None:
    if not isinstance(body, dict) or body.get("error") in (None, False):
        return
    message, details = parse_error_envelope(body)
    details["generation_id"] = details.get("generation_id") or generation_id
    code = error_code_of(body)
    raise error_for_code(code, message or f"the gateway reported an error (code {code})", **details)


def _raise_choice_error(choice: dict[str, Any], generation_id: str | None) -> None:
    message, details = parse_error_envelope({"error": choice.get("error")})
    details["generation_id"] = generation_id
    code = error_code_of({"error": choice.get("error")})
    raise error_for_code(code, message or "the provider failed while answering", **details)


def _first_choice(body: dict[str, Any]) -> dict[str, Any] | None:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def _generation_id(body: Any) -> str | None:
    if isinstance(body, dict):
        lowrouter = body.get("lowrouter")
        if isinstance(lowrouter, dict):
            value = lowrouter.get("generation_id")
            if isinstance(value, str) and value:
                return jsontext.clean_text(value)
    return None


def _routed(body: dict[str, Any]) -> Routed:
    lowrouter = body.get("lowrouter")
    routed = lowrouter.get("routed") if isinstance(lowrouter, dict) else None
    routed = routed if isinstance(routed, dict) else {}
    return Routed(
        model=_str(routed.get("model")) or _str(body.get("model")),
        provider=_str(routed.get("provider")) or _str(body.get("provider")),
        region=_str(routed.get("region")),
    )


def _str(value: Any) -> str | None:
    return jsontext.clean_text(value) if isinstance(value, str) and value else None
