"""Live Markdown for streamed answers, in time linear in the answer's length.

Redrawing Markdown(whole_text) on every token is quadratic. Instead the text is cut at the
boundaries of finished top-level blocks (paragraphs, headings, fenced code once closed, and bullet
list items): each finished block is rendered once and printed into the scrollback, and only the
unfinished tail is redrawn, at most `fps` times a second. The printed blocks are joined the way
rich joins them inside one Markdown, so the final output equals rendering the whole answer once.
A tail taller than the screen shows its last lines while it grows; it is printed whole once done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# How rich's Markdown spaces top-level blocks: a leaf block (one with no block children) gets a
# blank line before it when the block before it asks for one (all but a rule do); a container
# (list, quote, table) gets one from its own last child, wherever it stands.
_NO_BLANK_AFTER = {"hr"}
_LEAF_BLOCKS = {"paragraph_open", "heading_open", "fence", "code_block", "hr", "html_block"}


class LiveMarkdown:
    def __init__(
        self,
        console: "Console",
        monotonic: Callable[[], float],
        *,
        fps: float = 15.0,
        show_tail: bool = True,
    ) -> None:
        from markdown_it import MarkdownIt

        self._console = console
        self._clock = monotonic
        self._interval = 1.0 / fps
        self._show_tail = show_tail
        # Block structure is all the cutting needs: skip the (costly) inline parse.
        self._parser = MarkdownIt("commonmark").enable("table").disable("inline")
        self._pieces: list[str] = []
        self._tail = ""
        self._last_refresh = float("-inf")
        self._blank_before_next: bool | None = None  # None until something is printed
        self._continues_list = False  # the tail begins with more items of a printed bullet list
        self._live = None
        self.refreshes = 0

    def write(self, text: str) -> None:
        if not text:
            return
        self._pieces.append(text)
        now = self._clock()
        if now - self._last_refresh >= self._interval:
            self._last_refresh = now
            self._refresh()

    def finish(self) -> None:
        """Print whatever is left (also after an error or Ctrl-C: the partial text stays)."""
        self._take_pieces()
        if self._live is not None:
            self._live.stop()  # transient: the tail's last frame is erased, then printed for good
            self._live = None
        block = self._cut(everything=True)
        if block is not None:
            self._print_block(*block)

    # -- internals -----------------------------------------------------------------------------

    def _take_pieces(self) -> None:
        if self._pieces:
            self._tail += "".join(self._pieces).replace("\r\n", "\n").replace("\r", "\n")
            self._pieces.clear()

    def _refresh(self) -> None:
        self._take_pieces()
        block = self._cut(everything=False)
        if self._show_tail and (self._tail.strip() or self._live is not None):
            # Printing a block above a live region redraws the region anyway: point it at the new
            # tail first, and only ask for a redraw when nothing is printed.
            self._draw_tail(redraw=block is None)
        if block is not None:
            self._print_block(*block)
        self.refreshes += 1

    def _cut(self, *, everything: bool) -> tuple[str, bool, bool] | None:
        """Take the finished blocks off the tail (all of it when `everything`): their source,
        whether a blank line goes before them, and whether they continue a printed list."""
        if not self._tail.strip():
            return None
        tokens = self._parser.parse(self._tail)
        blocks = [t for t in tokens if t.level == 0 and t.nesting in (0, 1) and t.map]
        if not blocks:
            return None
        lines = self._tail.split("\n")
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
        self._tail = "\n".join(lines[cut:])
        if not segment.strip():
            return None
        blank_first = first_type in _LEAF_BLOCKS and bool(self._blank_before_next) and not self._continues_list
        continues_list = self._continues_list
        self._blank_before_next = last_type not in _NO_BLANK_AFTER
        self._continues_list = inside_list
        return segment, blank_first, continues_list

    def _print_block(self, source: str, blank_line_first: bool, continues_list: bool) -> None:
        from rich.segment import Segment, Segments

        from lowrouter_cli.render.markdown import make_markdown

        console = self._console
        segments = list(console.render(make_markdown(source), console.options))
        if continues_list and segments and segments[0].text == "\n":
            segments = segments[1:]  # more items of a list already begun: no opening blank line
        elif blank_line_first:
            segments.insert(0, Segment.line())
        console.print(Segments(segments), crop=False)  # long code lines stay whole

    def _draw_tail(self, *, redraw: bool) -> None:
        if self._live is None:
            from rich.live import Live

            self._live = Live(
                console=self._console,
                auto_refresh=False,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                vertical_overflow="visible",
            )
            self._live.start()
        blank = bool(self._blank_before_next) and not self._continues_list
        self._live.update(_TailView(self._tail, blank), refresh=redraw)


class _TailView:
    """The unfinished tail as Markdown, cut to its last screenful so the live region never
    outgrows the terminal (rich would crop it or print '...')."""

    def __init__(self, source: str, blank_line_first: bool) -> None:
        self.source = source
        self.blank_line_first = blank_line_first

    def __rich_console__(self, console: "Console", options: "ConsoleOptions") -> "RenderResult":
        from rich.segment import Segment

        from lowrouter_cli.render.markdown import make_markdown

        lines = console.render_lines(make_markdown(self.source), options.update(height=None), pad=False)
        if self.blank_line_first:
            lines.insert(0, [])
        room = max(1, options.size.height - 1)
        for line in lines[-room:]:
            yield from line
            yield Segment.line()
