"""Live Markdown for streamed answers, in time linear in the answer's length.

Redrawing Markdown(whole_text) on every token is quadratic. Instead the text is cut at the
boundaries of finished top-level blocks (paragraphs, headings, fenced code once closed, and bullet
list items): the blocks finished since the last frame are rendered once and printed into the
scrollback in one write, and only the unfinished tail is redrawn: as plain rows, without rich
(live_tail.py), only as many as fit on the screen, and on screen only from the first row that
changed (live_view.LiveArea). The printed blocks are joined the way rich joins them inside one
Markdown, so the final output equals rendering the whole answer once.

Frames fall due `1/fps` seconds after the previous one ended (so a slow frame never makes the next
one come sooner); a token that arrives before that is drawn when the frame falls due, by the
reading thread, which calls tick() before each wait for bytes and waits no longer than it says
(byte_stream.py): no timer thread, no lock.
A block leaves the tail only in the write that prints it, with Ctrl-C held back meanwhile, so an
interrupt never loses a block nor prints it twice (a frame that leaves the live area as tall as it
was needs no such care). Most frames of a long paragraph only put text on
the end of its last row: those are drawn by a shortcut that writes the same bytes
(_lengthen_last_row).

rich and markdown-it (about 50 ms to import) are loaded only for an answer that needs them: plain
paragraphs are cut and printed without them (plain_paragraphs.py). The first character that a
plain paragraph can't hold starts loading them on a thread (rich_parts.py), so they are ready by
the time the block it is in is finished, rather than making that frame late.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, NamedTuple

from lowrouter_cli.render.live_tail import TailRows, table_line, wrap
from lowrouter_cli.render.live_view import LiveArea, Screen, Size, closes_fence, fence_opener, signals_held
from lowrouter_cli.render.plain_paragraphs import needs_rich, plain_blocks, plain_words, render_plain_paragraphs
from lowrouter_cli.render.rich_parts import RichLoader, markdown
from lowrouter_cli.render.safe_text import PieceByPiece

if TYPE_CHECKING:
    from rich.segment import Segment

# How rich's Markdown spaces top-level blocks: a leaf block (one with no block children) gets a
# blank line before it when the block before it asks for one (all but a rule do); a container
# (list, quote, table) gets one from its own last child, wherever it stands.
_NO_BLANK_AFTER = {"hr"}
_LEAF_BLOCKS = {"paragraph_open", "heading_open", "fence", "code_block", "hr", "html_block"}
# Frames a second at most. Every token must be on screen within 100 ms of arriving: a frame falls
# due 83 ms after the last one ended, which leaves time for the frame and a late wake-up. A paced
# frame's code is cold after the wait, so each one costs several times its instructions.
FRAMES_PER_SECOND = 12.0
# The language of a code fence, as rich takes it (the first word after the fence)
_FENCE_LANGUAGE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*([^\s`]+)[^\n]*\n", re.MULTILINE)
# Text that shows on a row as it is (printable ASCII but the `*` and `` ` `` that live_tail styles).
_AS_IT_IS = re.compile(r"[\x20-\x29\x2b-\x5f\x61-\x7e]*")


class _Cut(NamedTuple):
    """Finished blocks to print, and the state once they are printed."""

    source: str
    blank_line_first: bool
    continues_list: bool
    rest: str
    blank_before_next: bool
    inside_list: bool


class LiveMarkdown:
    def __init__(
        self,
        screen: Screen,
        monotonic: Callable[[], float],
        *,
        fps: float = FRAMES_PER_SECOND,
        show_tail: bool = True,
    ) -> None:
        self._screen = screen
        self._clock = monotonic
        self._interval = 1.0 / fps
        # Escape codes go to a terminal only: elsewhere finished blocks are printed, no live area.
        self._show_tail = show_tail and screen.live
        self._rows = TailRows(styled=screen.styled, colour=screen.colour)
        self._area = LiveArea()
        self._size: Size | None = None
        self._size_at = 0.0
        self._rich = RichLoader(screen.console, self._code_languages)
        self._pieces: list[str] = []  # text from the network, as it came: sanitized when taken
        self._safe = PieceByPiece()
        self._drawn = 0  # how many of the pieces are on screen already (drawn on the last row)
        # (width, height, rows before the tail's) when the last row on screen is a plain line's
        # unfinished end: what comes next may only lengthen it (and wrap on from it)
        self._growing: tuple[int, int, bool] | None = None
        self._tail = ""
        self._seen = 0  # how much of the tail the last block parse saw
        self._open: tuple[str, str] | None = None  # ("fence", opener) or ("table", "") left open then
        self._blank_before_next: bool | None = None  # None until something is printed
        self._continues_list = False  # the tail begins with more items of a printed bullet list
        self._due = float("-inf")  # when the next frame may be drawn
        self._finished = False
        self.refreshes = 0

    def write(self, text: str) -> None:
        """Take `text` (as it came from the network: its controls are shown, never obeyed, once
        the frame takes it); draw a frame if one is due (else tick() draws it when it falls due)."""
        if not text:
            return
        self._pieces.append(text)
        if not self._finished and self._clock() >= self._due:
            self._refresh()

    def tick(self) -> float | None:
        """The reader's call before it waits for bytes: draw what is held if its frame is due;
        else the seconds until it is (None: nothing held). The reader waits no longer than that."""
        if self._finished or len(self._pieces) == self._drawn:
            return None
        now = self._clock()
        if now < self._due:
            return self._due - now
        self._refresh()
        return None

    def finish(self) -> None:
        """Print whatever is left (also after an error or Ctrl-C: the partial text stays)."""
        try:
            self._print_the_rest()
        finally:
            self._rich.wait()  # never left importing rich beside whatever runs next

    def _print_the_rest(self) -> None:
        self._finished = True
        held = self._safe.end()
        if held:
            self._pieces.append(held)
        if self._pieces and self._show_tail and self._long_tail():
            # Rendering a long block whole takes a while (a 300-row table: ~100 ms): the tokens
            # that came since the last frame are drawn first, not after it.
            self._refresh()
        self._take_pieces()
        cut = self._cut(everything=True)
        above = self._render_block(cut) if cut is not None else ""
        if not above and not self._area.rows:
            return
        with signals_held():
            self._emit(self._area.redraw([], above))
            if cut is not None:
                self._commit(cut)

    # -- internals -----------------------------------------------------------------------------

    def _long_tail(self) -> bool:
        lines = self._tail.count("\n") + "".join(self._pieces).count("\n")  # (thousands of pieces: no loop)
        return lines > self._screen_size().height

    def _take_pieces(self) -> None:
        if self._pieces:
            # Once a frame, not once a token (a CR at the end waits for the LF that may follow).
            text = self._safe.feed("".join(self._pieces))
            self._pieces.clear()
            self._drawn = 0
            if not self._rich.started and needs_rich((self._tail[-1:] or "\n") + text):
                self._rich.start()
            self._tail += text
            if "\n" in text and self._rich.started:  # a fence's line may have ended here
                self._rich.warm(self._code_languages(self._tail[-len(text) - 64:]))

    def _refresh(self) -> None:
        started = self._clock()
        if self._lengthen_last_row(started):
            return
        self._take_pieces()
        cut = self._cut(everything=False)
        above = self._render_block(cut) if cut is not None else ""
        rows: list[str] = []
        lead = False  # a blank row before the tail's own
        if self._show_tail:
            source = cut.rest if cut is not None else self._tail
            if source and not source.isspace():
                blank = (cut.blank_before_next and not cut.inside_list) if cut is not None else \
                    (bool(self._blank_before_next) and not self._continues_list)
                rows = self._tail_rows(source, blank)
                lead = blank and bool(rows)
        with signals_held():  # the block leaves the tail in the write that prints it
            update = self._area.redraw(rows, above)
            if update:
                self._emit(update)
            if cut is not None:
                self._commit(cut)
        size = self._size
        self._growing = (size.width, size.height, lead) \
            if size is not None and rows and rows[-1] is self._rows.growing else None
        if update:
            self.refreshes += 1
        self._frame_ends(started)

    def _lengthen_last_row(self, started: float) -> bool:
        """Draw the commonest frame of a long paragraph, where the text since the last frame goes
        on the end of the last row (wrapping on from there), without taking it into the tail,
        cutting blocks or laying out the tail's rows: the same bytes as the full frame, at a
        fraction of its CPU. False when that is not the frame to draw."""
        if self._growing is None or self._safe.holding:
            return False
        width, height, lead = self._growing
        text = "".join(self._pieces[self._drawn:])
        size = self._screen_size()
        if not text or size.width != width or size.height != height:
            return False
        shown = self._area.rows
        joined = shown[-1][-1:] + text  # (with the character before: two spaces need rich)
        # Plain words (one pass) or printable ASCII: nothing for the sanitizer or live_tail to change.
        if not plain_words(joined):
            if not _AS_IT_IS.fullmatch(text):
                return False
            if not self._rich.started and needs_rich(joined):
                self._rich.start()
        full, rest = wrap(shown[-1] + text, width)
        if not rest:  # a row ended in spaces: the full frame leaves such a row out
            return False
        if not full:  # the text stays on the last row: only it is written
            self._emit(self._area.lengthen_last_row(rest))
        else:
            rows = shown[:lead] + (shown[lead:-1] + full + [rest])[-(_room(height, lead) - lead):]
            if len(rows) == len(shown):  # Ctrl-C need not wait (finish() redraws the area whole)
                self._emit(self._area.redraw(rows))
            else:
                with signals_held():
                    self._emit(self._area.redraw(rows))
        self._drawn = len(self._pieces)
        self.refreshes += 1
        self._frame_ends(started)
        return True

    def _code_languages(self, text: str | None = None) -> list[str]:
        """The languages named by the code fences begun in `text`, or so far (as the loading
        thread asks)."""
        if text is None:
            text = self._tail[:65536] + "".join(self._pieces)[:65536]
        return _FENCE_LANGUAGE.findall(text)

    def _frame_ends(self, started: float) -> None:
        ended = self._clock()
        # From the end of this frame: a slow frame never makes the next one come sooner.
        self._due = ended + max(self._interval, ended - started)

    def _tail_rows(self, source: str, blank_line_first: bool) -> list[str]:
        size = self._screen_size()
        rows = self._rows.rows(source, size.width, _room(size.height, blank_line_first) - blank_line_first)
        return [""] + rows if blank_line_first and rows else rows

    def _screen_size(self) -> Size:
        """The screen's size, asked again at most every half second (asking the terminal and the
        environment each time was a tenth of a paced frame's cost)."""
        now = self._clock()
        if self._size is None or now - self._size_at > 0.5:
            self._size, self._size_at = self._screen.size(), now
        return self._size

    def _emit(self, text: str) -> None:
        file = self._screen.file
        file.write(text)
        file.flush()

    def _nothing_new_to_cut(self) -> bool:
        """Whether what arrived since the last parse cannot have finished a block: no new line,
        or only lines that continue the open code block or table (most frames of a long one)."""
        end = self._tail.rfind("\n", self._seen)  # only what came since: a long line is not scanned again
        if end < self._seen:
            return True
        if self._open is None:
            return False
        start = self._tail.rfind("\n", 0, self._seen) + 1
        continues = self._continue_the_open_block(self._tail[start:end].split("\n"))
        if continues:  # these lines need no second look
            self._seen = end + 1
        return continues

    def _still_the_open_block(self) -> str | None:
        """The block's type if the whole tail is still the code block or table that was open at
        the last parse (a closing fence may end it), else None."""
        if self._open is None:
            return None
        start = self._tail.rfind("\n", 0, self._seen) + 1
        rest = self._tail[start:].rstrip("\n")
        lines = rest.split("\n") if rest else []
        kind, opener = self._open
        if kind == "fence" and lines and closes_fence(lines[-1], opener):
            lines.pop()
        if not self._continue_the_open_block(lines):
            return None
        return "fence" if kind == "fence" else "table_open"

    def _continue_the_open_block(self, lines: list[str]) -> bool:
        """Whether `lines` are more of the open code block (no fence line among them) or table."""
        if self._open is not None and self._open[0] == "fence":
            return not any(fence_opener(line) for line in lines)
        return all(table_line(line) for line in lines)

    def _cut(self, *, everything: bool) -> _Cut | None:
        """The finished blocks at the start of the tail (all of it when `everything`): their
        source, whether a blank line goes before them, whether they continue a printed list."""
        if not self._tail or self._tail.isspace():
            return None
        if not everything and self._nothing_new_to_cut():
            return None
        whole = self._still_the_open_block() if everything else None
        if whole is not None:  # a long table or code block at the end: no second parse of it
            blank_first = whole in _LEAF_BLOCKS and bool(self._blank_before_next) and not self._continues_list
            return _Cut(self._tail, blank_first, self._continues_list, "", True, False)
        self._seen = len(self._tail)
        # While the answer goes on, the blocks are those of its finished lines: a line still
        # arriving can change what ended before it ("---  -" ends a paragraph; "---  -word" doesn't).
        source = self._tail if everything else self._tail[:self._tail.rfind("\n") + 1]
        plain = plain_blocks(source)  # paragraphs of plain words: no parser needed
        tokens = self._rich.parts().blocks_parser.parse(source) if plain is None else []
        blocks = plain if plain is not None else [t for t in tokens if t.level == 0 and t.nesting in (0, 1) and t.map]
        if not blocks:
            return None
        lines = self._tail.split("\n")
        self._open = _open_block(blocks[-1], lines)
        first_type = blocks[0].type
        cut, last_type, inside_list = len(lines), blocks[-1].type, False
        if not everything:
            cut, last_type = blocks[-1].map[0], (blocks[-2].type if len(blocks) > 1 else None)
            last = blocks[-1]
            if last.type == "bullet_list_open":
                items = [t for t in tokens if t.type == "list_item_open" and t.level == 1
                         and t.map and t.map[0] >= last.map[0]]
                if len(items) > 1:
                    # Bullet items render alone exactly as inside their list: print finished ones.
                    cut, last_type, inside_list = items[-1].map[0], last.type, True
            if cut == 0:
                return None
        segment = "\n".join(lines[:cut])
        rest = "\n".join(lines[cut:])
        if not segment.strip():
            self._tail, self._seen = rest, len(rest)  # blank lines only: nothing to print
            return None
        blank_first = first_type in _LEAF_BLOCKS and bool(self._blank_before_next) and not self._continues_list
        return _Cut(segment, blank_first, self._continues_list, rest, last_type not in _NO_BLANK_AFTER,
                    inside_list)

    def _commit(self, cut: _Cut) -> None:
        self._tail = cut.rest
        self._seen = len(cut.rest)
        self._blank_before_next = cut.blank_before_next
        self._continues_list = cut.inside_list

    def _render_block(self, cut: _Cut) -> str:
        """The finished blocks as rich prints them (escape codes included), ending in a newline.
        A long plain table is laid out here, to the byte as rich would (markdown_table.py)."""
        if not cut.continues_list:
            plain = render_plain_paragraphs(cut.source, self._screen.size().width)  # as rich would, without it
            if plain is not None:
                return "\n" + plain if cut.blank_line_first else plain
        self._rich.parts()  # rich loaded (by the thread, if it is loading) before any import of it here
        from rich.segment import Segment

        if table_line(cut.source):
            from lowrouter_cli.render.markdown_table import render_plain_table

            table = render_plain_table(cut.source, lambda source: self._printed(self._rendered(source)))
            if table is not None:  # a table is a container: rich opens it with its own blank line
                return "\n" + table if cut.blank_line_first else table
        segments = self._rendered(cut.source)
        if cut.continues_list and segments and segments[0].text == "\n":
            segments = segments[1:]  # more items of a list already begun: no opening blank line
        elif cut.blank_line_first and not (segments and segments[0].text == "\n"):
            segments.insert(0, Segment.line())  # (rich opens with it itself when an empty heading comes first)
        return self._printed(segments)

    def _rendered(self, source: str) -> "list[Segment]":
        parts = self._rich.parts()
        return list(parts.console.render(markdown(parts, source), parts.console.options))

    def _printed(self, segments: "list[Segment]") -> str:
        console = self._rich.parts().console
        from rich.segment import Segments

        with console.capture() as captured:
            console.print(Segments(segments), end="", crop=False)
        return captured.get()


def _room(height: int, blank_line_first: bool) -> int:
    """Rows for the live area: the cursor's line stays free below it."""
    return max(1 + blank_line_first, height - 2)


def _open_block(last: object, lines: list[str]) -> tuple[str, str] | None:
    """The last block, if it is a code block still open or a table (which only a line not
    starting with `|` can end)."""
    kind = getattr(last, "type", "")
    if kind == "table_open":
        return ("table", "")
    if kind == "fence":
        opener = getattr(last, "markup", "")
        start, end = last.map  # type: ignore[attr-defined]
        if not (end - 1 > start and closes_fence(lines[end - 1], opener)):
            return ("fence", opener)
    return None
