"""Wall-clock bounds on blocking work, however slowly the bytes come.

A socket timeout only bounds the silence between two bytes: a gateway that drips one byte a
second never trips it. A Deadline arms SIGALRM instead, and when the time is up its error is
raised wherever the main thread is (inside a read, usually), as SIGTERM already is. Deadlines
nest, the earliest fires, and one Deadline may guard several blocks (its time runs from when it
was made). Outside the main thread (no signals there) a deadline does nothing.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any, Callable

_active: list["Deadline"] = []
_previous_handler: Any = None


class Deadline:
    def __init__(self, seconds: float | None, make_error: Callable[[], BaseException]) -> None:
        self.due = None if seconds is None else time.monotonic() + seconds
        self._make_error: Callable[[], BaseException] | None = make_error

    def __enter__(self) -> "Deadline":
        global _previous_handler
        if (self.due is None or not hasattr(signal, "setitimer")
                or threading.current_thread() is not threading.main_thread()):
            return self
        if not _active:
            _previous_handler = signal.signal(signal.SIGALRM, _expired)
        _active.append(self)
        _arm()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self not in _active:
            return
        _active.remove(self)
        if _active:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler or signal.SIG_DFL)


def limit(seconds: float | None, make_error: Callable[[], BaseException]) -> Deadline:
    """`with limit(5, make_error):` the block may take at most 5 s."""
    return Deadline(seconds, make_error)


def _arm() -> None:
    pending = [d.due for d in _active if d._make_error is not None]
    if not pending:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(pending) - time.monotonic(), 0.001))


def _expired(signum: int, frame: Any) -> None:
    now = time.monotonic()
    for deadline in sorted(_active, key=lambda d: d.due):
        if deadline._make_error is not None and deadline.due <= now + 0.001:
            make_error, deadline._make_error = deadline._make_error, None  # fires once
            _arm()
            raise make_error()
    _arm()
