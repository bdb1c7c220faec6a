"""The parts of the live Markdown view that are about the screen, not the Markdown.

- `LiveArea`: the rows of the live area on screen, and the one write that changes them (from the
  first row that differs) with finished blocks printed above. Every row of the area ends in a
  newline, so the cursor rests at the start of an empty line: a `^C` echoed by the terminal lands
  there instead of wrapping a full line and scrolling the screen under the area (which left a
  duplicate line behind).
- `signals_held`: Ctrl-C and SIGTERM wait while a frame is written and recorded, so no interrupt
  can lose a block or print it twice.
- `Screen`: what the view needs of the terminal, with rich's Console made only once a block needs
  rich (plain paragraphs never do: render/plain_paragraphs.py).
"""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

if TYPE_CHECKING:
    from rich.console import Console

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def fence_opener(line: str) -> str | None:
    """The fence (``` or ~~~, however long) that `line` opens or closes, else None."""
    match = _FENCE.match(line)
    return match.group(1) if match else None


def closes_fence(line: str, opener: str) -> bool:
    fence = fence_opener(line)
    return bool(fence and fence[0] == opener[0] and len(fence) >= len(opener)
                and not line.strip().lstrip(fence[0]).strip())


class Size(NamedTuple):
    width: int
    height: int


class Screen:
    """The terminal the live view draws on: its file, whether escape codes go there (`live`),
    whether styles and colours show, its size (asked each time), and the rich Console that prints
    there, made on first use. (A plain class: a dataclass costs the live view's start a fraction
    of a millisecond to make.)"""

    def __init__(self, *, file: Any, live: bool, styled: bool, colour: bool, size: Callable[[], Size],
                 make_console: "Callable[[], Console]") -> None:
        self.file = file
        self.live = live
        self.styled = styled
        self.colour = colour
        self.size = size
        self.make_console = make_console
        self._console: "Console | None" = None

    @classmethod
    def of(cls, console: "Console") -> "Screen":
        """The screen of a Console already made."""
        return cls(file=console.file, live=console.is_terminal, styled=console.color_system is not None,
                   colour=not console.no_color, size=lambda: Size(*console.size), make_console=lambda: console)

    def console(self) -> "Console":
        if self._console is None:
            self._console = self.make_console()
        return self._console


class LiveArea:
    """The rows of the live area now on screen, and the text that turns them into other rows: the
    cursor goes up to the first row that changes, the screen is erased from there down, and the
    rows from there on are written (a paragraph growing on its last row rewrites that row only;
    rows already on screen lower down are moved up by deleting the lines above them).
    Every row ends in a newline, so the cursor rests at the start of an empty line below the area.
    Rows are one screen line each (live_tail cuts them at the edge). The cursor is hidden while
    there are rows on screen."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def redraw(self, rows: list[str], above: str = "") -> str:
        """The text that prints `above` (finished blocks, whole lines) and then shows `rows`."""
        shown = self.rows
        keep = 0
        if not above:
            limit = min(len(shown), len(rows))
            if limit and shown[:limit - 1] == rows[:limit - 1]:  # most frames: in one comparison
                keep = limit - 1
            while keep < limit and shown[keep] == rows[keep]:
                keep += 1
            if keep == len(shown) == len(rows):
                return ""
        up = len(shown) - keep
        moved, by = _moved_up(shown, rows, keep) if not above and keep < len(rows) else (0, 0)
        if moved > 10 or moved and sum(map(len, rows[keep:keep + moved])) + moved > 10:  # (fewer bytes than the escapes)
            # The terminal moves them: it deletes the lines above them (the rest moves up with them).
            parts = [f"\r\x1b[{up}A\x1b[{by}M\x1b[{moved}B\x1b[J"]
            keep += moved
        else:
            parts = [("\r\x1b[J" if not up else f"\r\x1b[{up}A\x1b[J") if shown else "", above]
        if bool(shown) != bool(rows):
            parts.insert(0, "\x1b[?25l" if rows else "\x1b[?25h")
        parts.extend(row + "\n" for row in rows[keep:])
        self.rows = rows
        return "".join(parts)

    def lengthen_last_row(self, row: str) -> str:
        """redraw() of the same rows but the last (a paragraph growing on its last row, the
        commonest frame), without comparing the rest."""
        if row == self.rows[-1]:
            return ""
        self.rows = self.rows[:-1] + [row]
        return "\r\x1b[1A\x1b[J" + row + "\n"


def _moved_up(shown: list[str], rows: list[str], first: int) -> tuple[int, int]:
    """How many of `rows` from `first` on are rows on screen further down, and how far down: the
    rows of a long paragraph, code block or table's body move up as the tail grows (a 40-row
    area is then mostly moved, not written: a tenth of the bytes)."""
    if first + 1 >= len(shown):  # the last row changed: nothing below it
        return 0, 0
    try:
        below = shown.index(rows[first], first + 1)
    except ValueError:
        return 0, 0
    moved, most = 0, min(len(rows) - first, len(shown) - below)
    if most > 1 and rows[first:first + most - 1] == shown[below:below + most - 1]:  # (in one comparison)
        moved = most - 1
    while moved < most and rows[first + moved] == shown[below + moved]:
        moved += 1
    return moved, below - first


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
