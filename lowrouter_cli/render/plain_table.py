"""Long tables without rich's layout engine: the text rich prints for fit.py's tables (cells
padded to their column, two spaces between, header in bold), written in one go. rich lays out
5,000 model rows in about 2.5 s; this takes a few milliseconds per thousand rows."""

from __future__ import annotations

from typing import Any, Sequence


def print_plain_table(console: Any, columns: Sequence[Any], rows: Sequence[Sequence[Any]], gap: int) -> None:
    from lowrouter_cli.render.fit import cell_width

    texts = [[str(cell) for cell in row] for row in rows]
    widths = [max([cell_width(column.header)] + [cell_width(row[i]) for row in texts]) for i, column in enumerate(columns)]
    paint = _painter(console)
    separator = " " * gap
    right = [column.justify == "right" for column in columns]

    def line(cells: Sequence[str], styles: Sequence[str]) -> str:
        parts = []
        for index, (text, style) in enumerate(zip(cells, styles)):
            padding = " " * (widths[index] - cell_width(text))
            parts.append(paint(padding + text if right[index] else text + padding, style))
        return separator.join(parts) + "\n"

    out = [paint(separator.join(c.header.rjust(w) if r else c.header.ljust(w)
                                for c, w, r in zip(columns, widths, right)), "bold") + "\n"]
    out += [line(cells, [getattr(cell, "style", "") for cell in row]) for cells, row in zip(texts, rows)]
    console.file.write("".join(out))
    console.file.flush()


def _painter(console: Any) -> Any:
    """text, style name -> the text in that style, as this console would write it (none in a pipe
    or with --color never; no colours, only bold and dim, under NO_COLOR)."""
    if console.color_system is None or not console.is_terminal:
        return lambda text, style: text
    from rich.console import COLOR_SYSTEMS
    from rich.style import Style

    color_system = COLOR_SYSTEMS[console.color_system]
    ansi: dict[str, tuple[str, str]] = {}

    def paint(text: str, style: str) -> str:
        if not style:
            return text
        if style not in ansi:
            parsed = Style.parse(style)
            if console.no_color:
                parsed = parsed.without_color
            rendered = parsed.render("\0", color_system=color_system)
            ansi[style] = tuple(rendered.split("\0"))  # type: ignore[assignment]
        before, after = ansi[style]
        return f"{before}{text}{after}"

    return paint
