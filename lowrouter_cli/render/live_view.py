"""The parts of the live Markdown view that are about the screen, not the Markdown.

- `visible_source`: the last screenful of an unfinished block, as Markdown that renders to what a
  person sees at the bottom of it (a code block's last lines re-opened as a fence, a table's
  header with its last rows, a paragraph's end), so a frame costs what the screen shows.
- `Frame`: one write that erases the live area, prints finished blocks above it and draws the
  tail again. Every line of the area ends in a newline, so the cursor rests at the start of an
  empty line: a `^C` echoed by the terminal lands there instead of wrapping a full line and
  scrolling the screen under the area (which left a duplicate line behind).
- `FrameTimer`: one thread that calls back when a frame falls due, so a token that arrives just
  after a redraw is drawn when the interval ends, not when the next token comes.
- `signals_held`: Ctrl-C and SIGTERM wait while a frame is written and recorded, so no interrupt
  can lose a block or print it twice.
"""

from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.segment import Segment

TABLE_ROWS = 16  # rows of an unfinished table drawn live (all of it is printed once it is done)
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_DELIMITER_ROW = re.compile(r" {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def fence_opener(line: str) -> str | None:
    """The fence (``` or ~~~, however long) that `line` opens or closes, else None."""
    match = _FENCE.match(line)
    return match.group(1) if match else None


def closes_fence(line: str, opener: str) -> bool:
    fence = fence_opener(line)
    return bool(fence and fence[0] == opener[0] and len(fence) >= len(opener)
                and not line.strip().lstrip(fence[0]).strip())


def visible_source(tail: str, rows: int, width: int) -> str:
    """Markdown for the bottom `rows` lines of the unfinished block `tail`."""
    lines = tail.split("\n")
    if len(lines) > 2 + TABLE_ROWS and lines[0].lstrip().startswith("|") and _DELIMITER_ROW.match(lines[1]):
        # rich lays a table out from every cell it holds (~0.4 ms a row): its last rows only.
        return "\n".join(lines[:2] + lines[2:][-max(1, min(rows - 4, TABLE_ROWS)):])
    if len(lines) <= rows and len(tail) <= rows * width:
        return tail
    opener = fence_opener(lines[0])
    if opener is not None:
        # Only the last lines, as a code block of their own (plain: the colours come once it's done).
        return opener + "\n" + "\n".join(lines[1:][-rows:])
    suffix = "\n".join(lines[-rows:])[-rows * width:]
    start = suffix.find(" ") + 1 if len(suffix) == rows * width else 0
    return suffix[start:] if start < len(suffix) else suffix


def last_lines(console: "Console", document: object, blank_line_first: bool, room: int) -> "list[list[Segment]]":
    """`document` rendered, cut to its last `room` lines (with a blank line first if asked)."""
    lines = console.render_lines(document, console.options.update(height=None), pad=False)
    if blank_line_first:
        lines.insert(0, [])
    return lines[-max(1, room):]


class Frame:
    """Erase the live area (`erase` lines), print `above` (finished blocks, ending in a newline),
    then draw `tail` (each line followed by a newline). The cursor is hidden while there is a
    tail on screen."""

    def __init__(self, erase: int, above: "list[Segment] | None", tail: "list[list[Segment]]") -> None:
        self.erase = erase
        self.above = above
        self.tail = tail

    def __rich_console__(self, console: "Console", options: "ConsoleOptions") -> "RenderResult":
        from rich.control import Control, ControlType
        from rich.segment import Segment

        if bool(self.erase) != bool(self.tail):
            yield Control.show_cursor(not self.tail)
        if self.erase:
            yield Control((ControlType.CARRIAGE_RETURN,), (ControlType.ERASE_IN_LINE, 2),
                          *(((ControlType.CURSOR_UP, 1), (ControlType.ERASE_IN_LINE, 2)) * self.erase))
        if self.above:
            yield from self.above
        newline = Segment.line()
        for line in self.tail:
            yield from line
            yield newline


class FrameTimer:
    """Calls `callback` once, `delay` seconds after `wake_in(delay)` (the earliest asked wins)."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._condition = threading.Condition()
        self._due: float | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    def wake_in(self, delay: float) -> None:
        import time

        with self._condition:
            due = time.monotonic() + delay
            if self._due is None or due < self._due:
                self._due = due
                self._condition.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lowrouter-frames", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def _run(self) -> None:
        import time

        if hasattr(signal, "pthread_sigmask"):  # signals go to the main thread, which handles them
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        while True:
            with self._condition:
                while not self._stopped and (self._due is None or self._due > time.monotonic()):
                    self._condition.wait(None if self._due is None else self._due - time.monotonic())
                if self._stopped:
                    return
                self._due = None
            self._callback()  # outside the condition: the callback takes the renderer's lock


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (they are handled just after) while a frame is written."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
