"""Wall-clock bounds on blocking work, however slowly the bytes come.

A socket timeout only bounds the silence between two bytes: a gateway that drips one byte a
second never trips it. `limit()` arms SIGALRM instead, and when the time is up the error is
raised wherever the main thread is (inside a read, usually), as SIGTERM already is. Limits nest;
the earliest one fires. Outside the main thread (no signals there) a limit does nothing.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_active: list[list[Any]] = []  # [due (monotonic), make_error], in arming order
_previous_handler: Any = None


@contextmanager
def limit(seconds: float | None, make_error: Callable[[], BaseException]) -> Iterator[None]:
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    global _previous_handler
    entry = [time.monotonic() + seconds, make_error]
    if not _active:
        _previous_handler = signal.signal(signal.SIGALRM, _expired)
    _active.append(entry)
    _arm()
    try:
        yield
    finally:
        _active.remove(entry)
        if _active:
            _arm()
        else:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, _previous_handler or signal.SIG_DFL)


def _arm() -> None:
    pending = [entry[0] for entry in _active if entry[1] is not None]
    if not pending:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(pending) - time.monotonic(), 0.001))


def _expired(signum: int, frame: Any) -> None:
    now = time.monotonic()
    for entry in sorted(_active, key=lambda e: e[0]):
        if entry[1] is not None and entry[0] <= now + 0.001:
            make_error, entry[1] = entry[1], None  # fires once
            _arm()
            raise make_error()
    _arm()
