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
    LowRouterError,
    TruncatedAnswer,
    error_code_of,
    error_for_code,
    parse_error_envelope,
)
from lowrouter_cli.events import (
    AnswerSummary,
    Content,
    Failure,
    Finish,
    Received,
    Usage,
    malformed,
    part_events,
)
from lowrouter_cli import jsontext
from lowrouter_cli.sse import EventTooLarge, SSEDecoder
from lowrouter_cli.byte_stream import ByteStream

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
    extra: dict[str, Any] = field(default_factory=dict)  # -o KEY VALUE: top_p, stop, seed, response_format…

    def messages(self) -> list[dict[str, Any]]:
        """The messages as sent: the system prompt, a conversation's earlier turns, the prompt."""
        messages = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        messages.extend(self.prior_messages)
        messages.append({"role": "user", "content": self.prompt})
        return messages

    def body(self, *, stream: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": self.messages()}
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
        body.update({key: value for key, value in self.extra.items() if key not in body})
        return body


@dataclass
class Routed:
    model: str | None = None
    provider: str | None = None
    region: str | None = None


class _Summarised:
    """The finish reason and usage of an answer, read from its summary (`answer`)."""

    answer: AnswerSummary

    @property
    def finish_reason(self) -> str | None:
        return self.answer.finish_reason

    @property
    def usage(self) -> Usage | None:
        return self.answer.usage


@dataclass
class ChatResult(_Summarised):
    """A whole answer: its events (the same types a stream yields), folded into `answer`."""

    text: str
    events: list[Any] = field(default_factory=list)
    answer: AnswerSummary = field(default_factory=AnswerSummary)
    routed: Routed = field(default_factory=Routed)
    generation_id: str | None = None
    raw: Any = None


def parse_completion(body: Any) -> ChatResult:
    """A non-streaming answer; an error inside a 200 body is raised as the failure it is."""
    generation_id = _generation_id(body)
    _raise_embedded_error(body, generation_id)
    if not isinstance(body, dict):
        raise GatewayError("the gateway's answer is not a JSON object", generation_id=generation_id)
    choice = _first_choice(body, generation_id)
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
    events = part_events(message, generation_id, jsontext.clean_text)
    usage = Usage.parse(body.get("usage"))
    if usage is not None:
        events.append(usage)
    if isinstance(finish_reason, str) and finish_reason:
        events.append(Finish(finish_reason))
    result = ChatResult(text="".join(e.text for e in events if type(e) is Content), events=events,
                        routed=_routed(body), generation_id=generation_id, raw=body)
    for event in events:
        result.answer.add(event)
    return result


class ChatStream(_Summarised):
    """Iterate for the answer's events (lowrouter_cli.events) in arrival order. The answer is
    complete only if iteration ends without raising: an error in the stream is yielded as a
    Failure and then raised; malformed data is such an error; an end without any finish_reason
    raises TruncatedAnswer. `answer` and the routing fields fill in as events come."""

    def __init__(self, byte_stream: ByteStream, *, keep_raw: bool = False) -> None:
        self.byte_stream = byte_stream
        self.generation_id: str | None = byte_stream.headers.get("X-LowRouter-Generation-Id")
        self.answer = AnswerSummary()
        self.routed = Routed()
        self.keep_raw = keep_raw  # yield each chunk as received too (stream --json)
        self._decoder = SSEDecoder()
        self._high_surrogate = ""  # an emoji's first half, sent in one event, its second in the next
        self._content_slot: jsontext.StringSlot | None = None  # the last content chunk, as a template
        self._slot_tries = 8  # chunks that change every time (a nonce) are parsed whole, soon untried

    def __iter__(self) -> Iterator[Any]:
        add = self.answer.add
        for events in self._event_blocks():
            for event in events:
                add(event)
                yield event
                if type(event) is Failure:
                    raise event.error

    def blocks(self) -> Iterator[list[Any]]:
        """The same events, a list per network read (a writer then writes a read at once), folded
        into `answer` a list at a time; a list that ends in a Failure is followed by its error."""
        add = self.answer.add
        for events in self._event_blocks():
            for event in events:
                add(event)
            yield events
            if type(events[-1]) is Failure:
                raise events[-1].error

    def _event_blocks(self) -> Iterator[list[Any]]:
        """The events of each read that has any, up to a Failure, an error (after the events before
        it) or [DONE]."""
        for data in self.byte_stream:
            try:
                payloads = self._decoder.feed_data(data)
            except EventTooLarge as error:
                raise jsontext.TooLarge(f"{error} (the cap on one stream line or event)",
                                        generation_id=self.generation_id) from None
            events: list[Any] = []
            for payload in payloads:
                slot = self._content_slot
                text = None if slot is None else slot.value(payload)
                if text is not None:  # the last plain content chunk again, another token: nearly all
                    if text and (not text.isascii() or self._high_surrogate):
                        text = self._whole_text(text)
                    if text:
                        events.append(Content(text))
                    continue
                if payload == "[DONE]":
                    if events:
                        yield events
                    self._check_complete()
                    return
                try:
                    more = self._events(payload)
                except LowRouterError:
                    if events:
                        yield events
                    raise
                events += more
                if more and type(more[-1]) is Failure:
                    break
            if events:
                yield events
        self._decoder.end()
        self._check_complete()

    def close(self) -> None:
        self.byte_stream.close()

    def _events(self, data: str) -> list[Any]:
        """The events of one chunk, parsed whole; a plain content chunk becomes the template the
        next ones are read by (jsontext.StringSlot, in _event_blocks)."""
        known = self.generation_id, self.routed
        events = self._parsed_events(data)
        if self.generation_id is not known[0] or self.routed is not known[1]:
            self._content_slot = None  # the template's meaning depended on what just changed
        elif self._slot_tries and events and all(type(event) is Content for event in events):  # never Received
            self._slot_tries -= 1
            self._content_slot = jsontext.string_slot(data, ("choices", 0, "delta", "content")) \
                or self._content_slot
        return events

    def _parsed_events(self, data: str) -> list[Any]:
        try:
            payload = jsontext.loads(data)
        except ValueError:
            return self._malformed(data, "a data line that is not JSON")
        if not isinstance(payload, dict):
            return self._malformed(payload, f"a chunk that is a JSON {type(payload).__name__}, not an object")
        # Most chunks carry one token: look only at the keys a chunk actually has (hot path).
        extras = payload.get("lowrouter")
        if isinstance(extras, dict) and extras.get("generation_id") != self.generation_id:
            self.generation_id = _generation_id(payload) or self.generation_id
        # A chunk repeating the model already known (OpenAI sends it on every chunk) changes nothing.
        if "provider" in payload or (isinstance(extras, dict) and "routed" in extras) or (
                "model" in payload and payload["model"] != self.routed.model):
            routed = _routed(payload)
            self.routed = Routed(
                routed.model or self.routed.model,
                routed.provider or self.routed.provider,
                routed.region or self.routed.region,
            )
        events: list[Any] = [Received(payload)] if self.keep_raw else []
        try:
            choice = _first_choice(payload, self.generation_id)
            if choice is not None:
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    events += part_events(delta, self.generation_id, self._whole_text)
                finish_reason = choice.get("finish_reason")
                if isinstance(finish_reason, str) and finish_reason:
                    if self._high_surrogate:  # its other half never came
                        events.append(Content("\ufffd"))
                        self._high_surrogate = ""
                    events.append(Finish(finish_reason))
            if "usage" in payload:
                usage = Usage.parse(payload["usage"])
                if usage is not None:
                    events.append(usage)
            error = _embedded_error(payload, self.generation_id)
            if error is None and choice is not None and choice.get("finish_reason") == "error":
                error = _choice_error(choice, self.generation_id)
        except GatewayError as bad:
            error = bad
        if error is not None:
            events.append(Failure(error))
        return events

    def _whole_text(self, text: str) -> str:
        """The text with a surrogate pair split across two events joined, and lone ones as U+FFFD."""
        if text.isascii() and not self._high_surrogate:
            return text
        text, self._high_surrogate = self._high_surrogate + text, ""
        if jsontext.ends_with_high_surrogate(text):
            text, self._high_surrogate = text[:-1], text[-1]
        return jsontext.clean_text(text)

    def _malformed(self, received: Any, what: str) -> list[Any]:
        failure = Failure(malformed(what, self.generation_id))
        return [Received(received), failure] if self.keep_raw else [failure]

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
    error = _embedded_error(body, generation_id)
    if error is not None:
        raise error


def _embedded_error(body: Any, generation_id: str | None) -> LowRouterError | None:
    if not isinstance(body, dict) or body.get("error") in (None, False):
        return None
    message, details = parse_error_envelope(body)
    details["generation_id"] = details.get("generation_id") or generation_id
    code = error_code_of(body)
    return error_for_code(code, message or f"the gateway reported an error (code {code})", **details)


def _raise_choice_error(choice: dict[str, Any], generation_id: str | None) -> None:
    raise _choice_error(choice, generation_id)


def _choice_error(choice: dict[str, Any], generation_id: str | None) -> LowRouterError:
    message, details = parse_error_envelope({"error": choice.get("error")})
    details["generation_id"] = generation_id
    code = error_code_of({"error": choice.get("error")})
    return error_for_code(code, message or "the provider failed while answering", **details)


def _first_choice(body: dict[str, Any], generation_id: str | None) -> dict[str, Any] | None:
    """The first choice; `choices` that is there but not a list is malformed, not missing."""
    choices = body.get("choices")
    if isinstance(choices, list):
        return choices[0] if choices and isinstance(choices[0], dict) else None
    if choices is not None:
        raise malformed(f"choices is a JSON {type(choices).__name__}, not a list", generation_id)
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


def left_out_metadata(body: Any) -> list[str]:
    """Optional fields of an answer that were sent with the wrong type, and so left out (for a
    warning under -v): usage counts and cost, the routed model, provider and region, the id."""
    if not isinstance(body, dict):
        return []
    names = []
    usage = body.get("usage")
    if usage is not None and not isinstance(usage, dict):
        names.append("usage")
    for key in ("prompt_tokens", "completion_tokens", "total_tokens", "cost") if isinstance(usage, dict) else ():
        parse = jsontext.finite if key == "cost" else jsontext.count
        if usage.get(key) is not None and (parse(usage[key]) is None or isinstance(usage[key], str)):
            names.append(f"usage.{key}")
    extras = body.get("lowrouter") if isinstance(body.get("lowrouter"), dict) else {}
    routed = extras.get("routed") if isinstance(extras.get("routed"), dict) else {}
    for name, value in (("model", body.get("model")), ("lowrouter.generation_id", extras.get("generation_id")),
                        *((f"lowrouter.routed.{k}", routed.get(k)) for k in ("model", "provider", "region"))):
        if value is not None and not isinstance(value, str):
            names.append(name)
    return names


def _str(value: Any) -> str | None:
    return jsontext.clean_text(value) if isinstance(value, str) and value else None
