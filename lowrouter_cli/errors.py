"""One error hierarchy for everything that can go wrong, keyed on HTTP status and failure class.

Each error knows its exit code and carries what the gateway told us (message, error type,
availability, generation id). `cli.py` is the only place that turns these into exits.
"""

from __future__ import annotations

import enum
from typing import Any


class ExitCode(enum.IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    AUTH = 3
    REJECTED = 4
    RATE_LIMITED = 5
    ROUTE_UNAVAILABLE = 6
    GATEWAY = 7
    NETWORK = 8
    OVER_SPEND_CAP = 9
    NO_ANSWER = 10
    INTERRUPTED = 130
    OUTPUT_CLOSED = 141  # 128 + SIGPIPE, as a shell reports a pipeline member killed by it
    TERMINATED = 143


class LowRouterError(Exception):
    """Base of every failure the user can meet; `str()` is the one-line message."""

    exit_code = ExitCode.UNEXPECTED

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        availability: dict[str, Any] | None = None,
        generation_id: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.availability = availability
        self.generation_id = generation_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def one_line(self) -> str:
        """The message as printed: a single line, with the generation id when one is known."""
        text = " ".join(self.message.split())
        if self.generation_id and self.generation_id not in text:
            text += f" (generation {self.generation_id})"
        return text


class UsageError(LowRouterError):
    """Wrong arguments, options, config values or input: nothing was sent (exit 2)."""

    exit_code = ExitCode.USAGE


class AuthError(LowRouterError):
    """No key, a key file we won't read, or a key the gateway refused (401, 403) (exit 3)."""

    exit_code = ExitCode.AUTH


class RequestRejected(LowRouterError):
    """The gateway read the request and said no (400, 402, 404, other 4xx); sending it again
    would get the same answer, so it never is (exit 4)."""

    exit_code = ExitCode.REJECTED


class RateLimited(LowRouterError):
    """429, or a rate-limit error inside the body: wait and retry (exit 5)."""

    exit_code = ExitCode.RATE_LIMITED


class RouteUnavailable(LowRouterError):
    """A 503 to a request pinned with --region/--provider, or one naming `availability`: carries
    it, so the message can say where the model is up (exit 6; a plain 503 is a GatewayError)."""

    exit_code = ExitCode.ROUTE_UNAVAILABLE


class GatewayError(LowRouterError):
    """The gateway or a provider failed (408, 5xx), or what came back is not the protocol:
    malformed JSON, a redirected POST, a body past its size cap (exit 7)."""

    exit_code = ExitCode.GATEWAY


class NetworkError(LowRouterError):
    """No answer came: refused, reset, DNS, TLS, a timeout, or a body cut short (exit 8)."""

    exit_code = ExitCode.NETWORK


class OverSpendCap(LowRouterError):
    """Refused before sending: the estimate would pass --max-cost or a budget (--force sends)."""

    exit_code = ExitCode.OVER_SPEND_CAP


class TruncatedAnswer(NetworkError):
    """The stream ended (or dropped) before any finish_reason: what was shown is partial."""


class StoppedAfter(NetworkError):
    """--max-time ran out mid-stream: what was shown stays, the connection is closed."""


class NoUsableAnswer(LowRouterError):
    """The exchange worked but holds no answer to use: a refusal, a tool call, a content filter,
    or a finish with no content at all."""

    exit_code = ExitCode.NO_ANSWER


class Interrupted(LowRouterError):
    """Ctrl-C: what was shown stays (exit 130)."""

    exit_code = ExitCode.INTERRUPTED


class Terminated(LowRouterError):
    """SIGTERM: what was shown stays, the connection is closed (exit 143)."""

    exit_code = ExitCode.TERMINATED


class OutputClosed(Exception):
    """The reader of stdout went away (`| head`): stop quietly (exit 141, like SIGPIPE)."""


def translated(error: BaseException) -> BaseException:
    """The one translation of Ctrl-C and a closed stdout into our exceptions (Typer would turn
    them into a silent 130 and an exit 1); anything else comes back as it is."""
    if isinstance(error, KeyboardInterrupt):
        return Interrupted("interrupted")
    if isinstance(error, BrokenPipeError):
        return OutputClosed()
    return error


def error_class_for_status(status: int) -> type[LowRouterError]:
    """The error class an HTTP status maps to (the exit-code table in the README)."""
    if status in (401, 403):
        return AuthError
    if status == 429:
        return RateLimited
    if status == 503:
        return RouteUnavailable
    if status == 408 or status >= 500:
        return GatewayError
    if 400 <= status < 500:
        return RequestRejected
    return GatewayError


def error_for_status(status: int, message: str, **details: Any) -> LowRouterError:
    return error_class_for_status(status)(message, status=status, **details)


def error_for_code(code: Any, message: str, **details: Any) -> LowRouterError:
    """An error chunk inside a 200 body or stream: 429 means rate limited, all else is a
    gateway or provider failure (exit 7), whatever the code says."""
    if _as_int(code) == 429 or code == "rate_limit_exceeded":
        return RateLimited(message, status=429, **details)
    return GatewayError(message, status=_as_int(code), **details)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():  # "²" is a digit to isdigit()
        return int(value)
    return None


def parse_error_envelope(body: Any) -> tuple[str | None, dict[str, Any]]:
    """Read the gateway's error envelope, in our shape or OpenAI's, from a decoded JSON body.

    Returns the gateway's message (None when there is none) and the details an error carries.
    Any shape is accepted: fields of the wrong type are ignored, never raised on.
    """
    details: dict[str, Any] = {}
    if not isinstance(body, dict):
        return None, details
    lowrouter = body.get("lowrouter")
    if isinstance(lowrouter, dict) and isinstance(lowrouter.get("generation_id"), str):
        details["generation_id"] = _printable(lowrouter["generation_id"])
    error = body.get("error")
    if isinstance(error, str):
        return _printable(error), details
    if not isinstance(error, dict):
        return None, details
    message = error.get("message")
    metadata = error.get("metadata")
    error_type = metadata.get("error_type") if isinstance(metadata, dict) else None
    if error_type is None:
        error_type = error.get("type")
    if isinstance(error_type, str):
        details["error_type"] = _printable(error_type)
    availability = error.get("availability")
    if isinstance(availability, dict):
        details["availability"] = availability
    return (_printable(message) if isinstance(message, str) and message.strip() else None), details


def _printable(text: str) -> str:
    """A lone surrogate (a "\\ud800" escape) can't be written to stderr or the ledger: U+FFFD instead."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def error_code_of(body: Any) -> Any:
    error = body.get("error") if isinstance(body, dict) else None
    return error.get("code") if isinstance(error, dict) else None
