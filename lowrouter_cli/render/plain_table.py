"""Tables laid out without rich: the text rich's Table prints for fit.py's tables (cells padded to
their column, two spaces between, header in bold), written in one go, with the escape codes rich
writes for the few styles tables use. rich lays out 5,000 model rows in about 2.5 s and costs 30 ms
to import; this takes a few milliseconds per thousand rows and imports nothing."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from lowrouter_cli.context import Environment

# The styles tables use, as rich writes them (SGR codes; tests/test_catalog_scale.py compares).
SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "magenta": "35"}
COLOURS = {"red", "green", "yellow", "magenta"}  # dropped under NO_COLOR; bold and dim stay


def print_plain_table(env: Environment, columns: Sequence[Any], rows: Sequence[Sequence[Any]], gap: int) -> None:
    from lowrouter_cli.render.fit import cell_width

    texts = [[str(cell) for cell in row] for row in rows]
    widths = [max([cell_width(column.header)] + [cell_width(row[i]) for row in texts]) for i, column in enumerate(columns)]
    paint = painter(env)
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
    env.stdout.write("".join(out))
    env.stdout.flush()


def painter(env: Environment) -> Callable[[str, str], str]:
    """text, style name -> the text in that style, as rich would write it to stdout: nothing in a
    pipe, with --color never or on a dumb terminal; no colours, only bold and dim, under NO_COLOR."""
    if not env.styled(env.stdout_isatty) or _dumb(env):
        return lambda text, style: text
    dropped = COLOURS if env.no_color else set()

    def paint(text: str, style: str) -> str:
        codes = ";".join(SGR[word] for word in style.split() if word in SGR and word not in dropped)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    return paint


def output_columns(env: Environment) -> int:
    """The width rich would give stdout: 80 on a dumb terminal written to in colour (--color
    always), else $COLUMNS when plain digits, else the terminal's, else 80."""
    from lowrouter_cli.render.console import terminal_columns

    return 80 if env.styled(env.stdout_isatty) and _dumb(env) else terminal_columns(env, env.stdout)


def _dumb(env: Environment) -> bool:
    return (env.getenv("TERM") or "").strip().lower() in ("dumb", "unknown")
