"""The unfinished block of a live answer, drawn as plain rows without rich.

Finished blocks are rendered by rich once (live_markdown.py). The block still arriving is drawn
up to 12 times a second for as long as it lasts, so a frame must cost what arrived since the last
one, not a Markdown parse and a rich layout of the block (a 50 kB paragraph at 100 tokens a second
is a thousand frames). So the tail is drawn the way a person reads it at the bottom of the screen:

- a code block: its lines as they are, cut at the screen's edge (the colours come when it closes);
- a table: its header, a rule and its last rows, aligned on the rows shown, as rich lays it out;
- anything else: its source lines wrapped at the screen's edge, with `**bold**`, `*italic*` and
  `` `code` `` pairs that open and close on one row styled, headings bold and bullets as bullets.

Rows of finished source lines are kept, and a long last line is wrapped on from its last row, so
each frame formats only the text that arrived. When the block is done, rich renders it whole.
"""

from __future__ import annotations

import re

from lowrouter_cli.render.live_view import fence_opener

TAB_SIZE = 4  # rich's Syntax default
_DELIMITER_ROW = re.compile(r" {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_BULLET = re.compile(r"( *)[-*+] ")
_HEADING = re.compile(r" {0,3}#{1,6}( +|$)")
# A line holding any other character than these is a bullet, a heading, a fence or none of them
# whatever comes after: these alone (spaces, "-", "#"...) can still become one.
_SETTLED = re.compile(r"[^ \-+*#~`]")
_PAIRS = (  # (pattern, style name) applied to one row, in this order
    (re.compile(r"`([^`]+)`"), "code"),
    (re.compile(r"\*\*(\S(?:.*?\S)?)\*\*"), "bold"),
    (re.compile(r"(?<![*\w])\*(\S(?:.*?\S)?)\*(?![*\w])"), "italic"),
)
_SGR = {"bold": ("\x1b[1m", "\x1b[22m"), "italic": ("\x1b[3m", "\x1b[23m"),
        "code": ("\x1b[1;36m", "\x1b[22;39m"), "code-mono": ("\x1b[1m", "\x1b[22m")}


def fitting(text: str, width: int) -> int:
    """How many characters of `text` fit in `width` columns."""
    if text.isascii():
        return min(len(text), width)
    from rich.cells import get_character_cell_size

    used = 0
    for index, character in enumerate(text):
        used += get_character_cell_size(character)
        if used > width:
            return index
    return len(text)


def crop(text: str, width: int) -> str:
    return text if len(text) <= width and text.isascii() else text[:fitting(text, width)]


def wrap(text: str, width: int) -> tuple[list[str], str]:
    """Greedy word wrap: the full rows of `text` and what is left for the last one. Rows before
    the last never change when more text is appended, so a growing line is wrapped on from its
    last row."""
    rows = []
    while True:
        end = fitting(text, width)
        if end >= len(text):
            break
        space = text.rfind(" ", 0, end + 1)
        if space > 0 and text[:space].strip():
            rows.append(text[:space].rstrip(" "))
            text = text[space:].lstrip(" ")
        else:  # a word longer than the row: cut it
            rows.append(text[:max(1, end)])
            text = text[max(1, end):].lstrip(" ")
    return rows, text


class TailRows:
    """The rows of the unfinished block, kept between frames while the block only grows."""

    def __init__(self, *, styled: bool, colour: bool) -> None:
        self._styled = styled
        self._code_style = "code" if colour else "code-mono"
        self._source = ""
        self._width = 0
        self._kind = ""
        self._rows: list[str] = []  # rows of the finished source lines (code, text)
        self._table: list[tuple[list[str], list[int]]] = []  # cells and widths of finished rows
        self._table_widths: list[int] = []
        self._table_lines: dict[int, str] = {}  # finished rows formatted at those widths
        self._done = 0  # how much of the source those cover (up to a newline)
        self._line_rows: list[str] = []  # full rows of the unfinished last line (text)
        self._line_rest = 0  # where in the source the last line's last row begins
        # The last row rows() gave, when it is the unfinished end of a plain line past its first
        # row whose kind is settled (text as it is, no style): more text on that line, if it fits,
        # only lengthens it.
        self.growing: str | None = None

    def rows(self, source: str, width: int, room: int) -> list[str]:
        """The last `room` rows of `source` at `width` columns."""
        self.growing = None
        kind = _kind(source)
        if kind != self._kind or width != self._width or not source.startswith(self._source):
            self._reset(kind, width)
        self._source = source
        end = source.rfind("\n") + 1
        if end > self._done:
            self._take_lines(source[self._done:end].split("\n")[:-1])
            self._done = end
        last = source[self._done:]
        if kind == "table":
            return self._table_rows(last, width, room)
        if kind == "code":
            opener_only = self._done == 0  # the opening fence is not shown
            shown = self._rows[-room:] + ([crop(last.expandtabs(TAB_SIZE), width)] if last and not opener_only else [])
            return shown[-room:]
        shown = self._rows[-room:] + self._last_line_rows(last, width)
        while shown and not shown[-1]:  # the blank lines after a paragraph: nothing to see yet
            shown.pop()
        return shown[-room:]

    def _reset(self, kind: str, width: int) -> None:
        self._kind, self._width, self._source = kind, width, ""
        self._rows, self._table, self._done = [], [], 0
        self._table_widths, self._table_lines = [], {}
        self._line_rows, self._line_rest = [], 0

    def _take_lines(self, lines: list[str]) -> None:
        """Format source lines that are finished (a newline came after them)."""
        first = self._done == 0
        if self._kind == "code":
            self._rows.extend(crop(line.expandtabs(TAB_SIZE), self._width) for line in lines[first:])
        elif self._kind == "table":
            for index, line in enumerate(lines):
                if not (first and index == 1):  # the delimiter row
                    self._table.append(self._table_row(line))
        else:
            for line in lines:  # only the first can be a line already partly wrapped
                text, bold = _line_text(line)
                full, rest = wrap(self._unwrapped(text), self._width)
                self._rows.extend(self._line_rows + [self._style(row, bold) for row in full + [rest]])
                self._line_rows, self._line_rest = [], 0

    def _last_line_rows(self, last: str, width: int) -> list[str]:
        """The unfinished last line, wrapped on from the start of its last row."""
        if not last:
            return []
        text, bold = _line_text(last)
        full, rest = wrap(self._unwrapped(text), width)
        if full:
            self._line_rows.extend(self._style(row, bold) for row in full)
            self._line_rest = len(text) - len(rest)
        shown = self._style(rest, bold)
        if rest and shown is rest and self._line_rest and _SETTLED.search(last):
            self.growing = rest
        return self._line_rows + [shown]

    def _unwrapped(self, text: str) -> str:
        """What of a line is not in its full rows yet (spaces where a row broke are dropped)."""
        return text[self._line_rest:].lstrip(" ") if self._line_rest else text

    def _table_rows(self, last: str, width: int, room: int) -> list[str]:
        """A blank edge, the header, a rule and the last rows, aligned on the rows shown (as rich
        lays out a table, box.SIMPLE); a finished row is formatted again only when widths change."""
        shown = room - 3 if room > 4 else room  # body rows (on a tiny screen, rows before the frame)
        partial = [self._table_row(last)] if last.strip() else []
        finished = self._table[max(1, len(self._table) - shown + len(partial)):]
        header = self._table[0]
        widths = [max(column) for column in zip(header[1], *(row[1] for row in finished + partial))]
        if widths != self._table_widths:
            self._table_widths, self._table_lines = widths, {}
        lines = self._table_lines  # id of a row kept in self._table (stable until a reset) -> line

        def line(row: tuple[list[str], list[int]]) -> str:
            text = " " + "  ".join(cell + " " * (w - used) for cell, used, w in zip(row[0], row[1], widths)) + " "
            return crop(text, width)

        for row in finished:
            if id(row) not in lines:
                lines[id(row)] = line(row)
        formatted = [lines[id(row)] for row in finished] + [line(row) for row in partial]
        rule = (" " + "─" * (sum(widths) + 2 * (len(widths) - 1)) + " ")[:width]  # one column a "─"
        return (["", self._paint(line(header), "bold"), rule] + formatted)[-room:]  # a tiny screen: the end

    def _table_row(self, line: str) -> tuple[list[str], list[int]]:
        """A row's cells (as many as the header has, the first row being the header) and widths."""
        from lowrouter_cli.render.fit import cell_width  # (only a table needs it: fit.py is slow to import)

        row = table_cells(line)
        if self._table:
            columns = len(self._table[0][0])
            row = (row + [""] * columns)[:columns]
        return row, [cell_width(cell) for cell in row]

    def _style(self, row: str, bold: bool) -> str:
        if bold:
            return self._paint(row, "bold")
        if not self._styled or ("*" not in row and "`" not in row):
            return row
        for pattern, style in _PAIRS:
            name = self._code_style if style == "code" else style
            row = pattern.sub(lambda match, name=name: self._paint(match.group(1), name), row)
        return row

    def _paint(self, text: str, style: str) -> str:
        if not self._styled:
            return text
        on, off = _SGR[style]
        return on + text + off


def _kind(source: str) -> str:
    """From the first two lines only (the tail can be 50 kB: nothing here copies it)."""
    end = source.find("\n")
    first = source if end < 0 else source[:end]
    if fence_opener(first) is not None:
        return "code"
    second_end = source.find("\n", end + 1) if end >= 0 else -1
    if second_end >= 0 and table_line(first) and _DELIMITER_ROW.match(source[end + 1:second_end]):
        return "table"
    return "text"


def _line_text(line: str) -> tuple[str, bool]:
    """A source line as shown: a heading without its #s (and bold), a bullet as rich draws it."""
    if "\t" in line:  # (a long line is not copied each frame for nothing)
        line = line.expandtabs(TAB_SIZE)
    heading = _HEADING.match(line)
    if heading:
        return line[heading.end():], True
    bullet = _BULLET.match(line)
    if bullet:
        return bullet.group(1) + " • " + line[bullet.end():], False
    return line, False


def table_line(line: str) -> bool:
    """Whether `line` can be a table's row: a pipe after at most three spaces (four make code)."""
    text = line.lstrip(" ")
    return text.startswith("|") and len(line) - len(text) < 4


def table_cells(line: str) -> list[str]:
    """A table row's cells, stripped (a `\\|` stays inside its cell)."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(line)]
