"""Python's cycle collector while a command starts: importing Typer and requests makes a few
hundred thousand objects that live until exit, and the collector, run every 700 allocations,
walks them again and again (about 10 ms of a `chat`). It runs 70 times less often until the
command has its client (the last heavy import); then what start-up made is frozen (never walked
again: it lives until exit anyway) and the collector runs as Python set it. A command that never
makes a client keeps the quiet setting to its end, which still collects, only later. Only a
process started by entry.main is quieted: in-process runs (the tests) keep Python's setting."""

from __future__ import annotations

import gc

QUIET_THRESHOLD = 50_000  # allocations between two young-generation collections while starting

_usual: tuple[int, ...] | None = None


def quiet() -> None:
    global _usual
    if _usual is None:
        _usual = gc.get_threshold()
        gc.set_threshold(QUIET_THRESHOLD, *_usual[1:])


def usual() -> None:
    global _usual
    if _usual is not None:
        gc.freeze()
        gc.set_threshold(*_usual)
        _usual = None
