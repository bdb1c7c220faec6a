"""The retry policy, as small pure functions: which failures are retried, how long to wait (the
server's Retry-After or retry-after-ms, else exponential backoff with jitter), and what to say."""

from __future__ import annotations

import email.utils
import random
from typing import Any, Callable, Mapping

from lowrouter_cli.errors import LowRouterError, RateLimited

MAX_RETRY_AFTER = 20.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 504})


def should_retry(status: int, availability: Mapping[str, Any] | None = None, pinned: bool = False) -> bool:
    """408, 429, 500, 502 and 504 are retried; a 503 about a route (the request was pinned, or the
    body names `availability`) only when the gateway says it is retryable, any other 503 (a load
    balancer's) like a 502; everything else never."""
    if status in RETRYABLE_STATUSES:
        return True
    if status == 503:
        if pinned or availability:
            return bool(availability and availability.get("retryable") is True)
        return True
    return False


def parse_retry_after(value: str | None, now: float, cap: float | None = MAX_RETRY_AFTER) -> float | None:
    """Retry-After in seconds or as an HTTP date, capped at `cap`; None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    seconds = max(seconds, 0.0)
    return seconds if cap is None else min(seconds, cap)


def server_wait(headers: Mapping[str, str], now: float) -> float | None:
    """How long the server asks us to wait, uncapped: `retry-after-ms` (OpenAI's) when it is
    usable, else `Retry-After`; None when neither is."""
    try:
        milliseconds = float(headers.get("retry-after-ms") or "nan")
    except ValueError:
        milliseconds = float("nan")
    if milliseconds == milliseconds and 0 <= milliseconds < float("inf"):
        return milliseconds / 1000
    return parse_retry_after(headers.get("Retry-After"), now, cap=None)


def wait_too_long(error: LowRouterError, seconds: float, now: float) -> RateLimited:
    """A wait longer than we allow is not waited out: fail now and say when to retry."""
    import datetime

    when = datetime.datetime.fromtimestamp(now + seconds).astimezone()
    shown = when.strftime("%H:%M:%S %Z" if seconds < 12 * 3600 else "%Y-%m-%d %H:%M:%S %Z").strip()
    return RateLimited(
        f"{error.message}: the gateway asks to wait {seconds:.0f} s, longer than lowrouter waits "
        f"({MAX_RETRY_AFTER:.0f} s); retry after {shown}",
        status=error.status, error_type=error.error_type, generation_id=error.generation_id,
    )


def retry_delay(
    retry_number: int, retry_after: float | None, jitter: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry `retry_number` (1-based): the server's Retry-After when it
    gave one, else exponential backoff (0.5 s, 1 s, 2 s … capped at 8 s) less up to 25% jitter."""
    if retry_after is not None:
        return retry_after
    base = min(0.5 * 2 ** (retry_number - 1), 8.0)
    return base * (1 - 0.25 * jitter())


def format_delay(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"


def retry_reason(status: int) -> str:
    if status == 429:
        return "rate limited"
    if status == 408:
        return "upstream timed out (408)"
    if status == 503:
        return "no endpoint available (503)"
    return f"gateway error {status}"
