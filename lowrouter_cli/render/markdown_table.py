"""A long Markdown table printed exactly as rich prints it, without rich laying out every row.

rich measures and renders every cell of a table (a 1,000-row table: about 250 ms), and a streamed
table can only be printed once its last row came, so the whole of that is time the screen is
behind the stream. A table whose body cells are plain text (printable ASCII without Markdown's
inline characters) that fits the screen comes out of rich as its frame (edges, header, rule) and,
per row, each cell padded to its column's width and alignment between the same separators. So
rich renders the header and one probe row whose cells are markers as wide as each column, and the
real rows are laid into the probe row's separators. Anything else (inline Markdown, a non-ASCII
cell, a table too wide, a probe that doesn't come back as expected) returns None: rich renders it.
"""

from __future__ import annotations

import re
from typing import Callable

from lowrouter_cli.render.live_tail import table_cells, table_line


MIN_ROWS = 40  # below this rich is quick enough
_DELIMITER_CELL = re.compile(r":?-+:?")
_PLAIN_CELL = re.compile(r"[ -~]*")  # printable ASCII
_INLINE = re.compile(r"[\\*_`\[\]<>&~!|]")  # what Markdown's inline rules could act on


def render_plain_table(source: str, render: Callable[[str], str], *, min_rows: int = MIN_ROWS) -> str | None:
    """What `render` (rich's Markdown render of a source, as printed) gives for `source`, or None
    when `source` is not one long plain table."""
    lines = source.strip("\n").split("\n")
    if len(lines) < 2 + min_rows or not all(table_line(line) for line in lines):
        return None
    header, delimiter, body = lines[0], lines[1], lines[2:]
    columns = len(table_cells(header))
    alignments = [_alignment(cell) for cell in table_cells(delimiter)]
    if len(alignments) != columns or None in alignments:
        return None
    rows = [(table_cells(line) + [""] * columns)[:columns] for line in body]
    if not all(_PLAIN_CELL.fullmatch(cell) and not _INLINE.search(cell) for row in rows for cell in row):
        return None
    widths = [max(len(row[i]) for row in rows) for i in range(columns)]
    for index, heading in enumerate(table_cells(header)):
        if not _PLAIN_CELL.fullmatch(heading) or _INLINE.search(heading):
            return None  # how wide it renders (markup gone, a link's target added) is rich's to say
        widths[index] = max(widths[index], len(heading))  # the column is as wide as its heading
    if 0 in widths:
        return None
    markers = [chr(0xE000 + i) * width for i, width in enumerate(widths)]  # private-use, one column each
    probe = render(f"{header}\n{delimiter}\n| {' | '.join(markers)} |\n")
    start = probe.find(markers[0])
    line_start, line_end = probe.rfind("\n", 0, start) + 1, probe.find("\n", start) + 1
    if start < 0 or line_end == 0 or any(probe.count(m[0]) != len(m) for m in markers):
        return None  # wrapped, cut or restyled: not the layout assumed here
    separators, rest = [], probe[line_start:line_end]
    for marker in markers:
        before, found, rest = rest.partition(marker)
        if not found or "\n" in before:
            return None
        separators.append(before)
    separators.append(rest)  # to the end of the line
    lines_out = []
    for row in rows:
        parts = [separators[0]]
        for cell, width, alignment, separator in zip(row, widths, alignments, separators[1:]):
            parts += (_aligned(cell, width, alignment), separator)
        lines_out.append("".join(parts))
    return probe[:line_start] + "".join(lines_out) + probe[line_end:]


def _aligned(cell: str, width: int, alignment: str) -> str:
    room = width - len(cell)
    if alignment == "right":
        return " " * room + cell
    if alignment == "center":
        return " " * (room // 2) + cell + " " * (room - room // 2)
    return cell + " " * room


def _alignment(cell: str) -> str | None:
    if not _DELIMITER_CELL.fullmatch(cell):
        return None
    if cell.startswith(":") and cell.endswith(":") and len(cell) > 1:
        return "center"
    return "right" if cell.endswith(":") else "left"
