"""Tables that fit the terminal: one screen line per row, ids whole.

Each column says whether it may be dropped and in which order. Columns are dropped, most
descriptive first, until every row fits on one line at the terminal's width; ids are never
wrapped, cut or dropped. When even the columns that must stay don't fit (a 40-column terminal),
each row becomes a short stack: its first cell on a line of its own, the rest indented below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from lowrouter_cli.context import Environment

GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    header: str
    justify: str = "left"  # "right" for numbers
    drop: int = 0  # 0: never dropped; otherwise dropped in descending order while too wide
    stacked: bool = True  # shown in the narrow, stacked layout too


@dataclass(frozen=True)
class Cell:
    """A cell with a rich style (e.g. a status in yellow); plain strings are cells too."""

    text: str
    style: str = ""

    def __str__(self) -> str:
        return self.text


def cell_width(cell: Any) -> int:
    text = str(cell)
    if text.isascii():  # nearly every cell: one column per character
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def fitted_columns(columns: Sequence[Column], rows: Sequence[Sequence[Any]], width: int) -> list[int] | None:
    """Indexes of the columns to show at `width`, or None when even the kept ones don't fit."""
    natural = [max([cell_width(c.header)] + [cell_width(row[i]) for row in rows]) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))

    def total() -> int:
        return sum(natural[i] for i in shown) + GAP * (len(shown) - 1)

    for index in sorted((i for i, c in enumerate(columns) if c.drop), key=lambda i: -columns[i].drop):
        if total() <= width:
            break
        shown.remove(index)
    return shown if total() <= width else None


def print_fitted(env: Environment, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
    """A table that fits is laid out by plain_table (the text rich's Table prints, without rich's
    import or layout engine: `models` on a terminal stays as cheap as in a pipe); only the stacked
    layout of a screen too narrow for it uses rich."""
    from lowrouter_cli.render.plain_table import output_columns, print_plain_table
    from lowrouter_cli.render.safe_text import field_text

    # Cells come from the network and from disk: controls shown as placeholders, on one line.
    rows = [[Cell(field_text(str(cell)), getattr(cell, "style", "")) for cell in row] for row in rows]
    shown = fitted_columns(columns, rows, output_columns(env))
    if shown is None:
        from lowrouter_cli.render.console import make_console

        return _print_stacked(make_console(env), columns, rows)
    print_plain_table(env, [columns[i] for i in shown], [[row[i] for i in shown] for row in rows], GAP)


def _print_stacked(console: Any, columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> None:
    """Narrow screens: the first kept cell (an id) alone on its line, then `Header value` pairs,
    indented, as many to a line as fit (a pair is never split)."""
    from rich.text import Text

    head = next(i for i, column in enumerate(columns) if not column.drop)
    for row in rows:
        console.print(Text(str(row[head]), style="bold"), soft_wrap=True)
        line = Text("  ")
        for index, (column, cell) in enumerate(zip(columns, row)):
            if index == head or not column.stacked or not str(cell):
                continue
            pair = Text(f"{column.header} ", style="dim")
            pair.append(str(cell), style=getattr(cell, "style", ""))
            if len(line) > 2 and len(line) + 2 + len(pair) > console.width:
                console.print(line, soft_wrap=True)
                line = Text("  ")
            line.append_text(Text("  ") if len(line) > 2 else Text(""))
            line.append_text(pair)
        if len(line) > 2:
            console.print(line, soft_wrap=True)
