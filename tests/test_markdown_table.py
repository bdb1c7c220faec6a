"""A long plain Markdown table laid out without rich (render/markdown_table.py): byte for byte what
rich prints, in every colour system, or None (and rich renders it) when that can't be assured."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings, strategies as st
from rich.console import Console

from lowrouter_cli.render.markdown import make_markdown
from lowrouter_cli.render.markdown_table import render_plain_table

CONSOLES = [dict(color_system=system, no_color=no_color, width=width)
            for system in ("truecolor", "256", "standard", None) for no_color in (False, True) for width in (40, 100)]


def rich_render(console):
    def render(source):
        with console.capture() as captured:
            console.print(make_markdown(source), end="", crop=False)
        return captured.get()
    return render


def table(header, alignments, rows):
    return "\n".join([f"| {' | '.join(header)} |", f"|{'|'.join(alignments)}|"]
                     + [f"| {' | '.join(row)} |" for row in rows]) + "\n"


words = st.text(alphabet="abcxyz019 .,:;-+=#%$@?'\"()/", max_size=8).map(str.strip)
alignment = st.sampled_from(["---", ":--", "--:", ":-:", "-"])


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(lambda n: st.tuples(
    st.lists(words.filter(bool), min_size=n, max_size=n),
    st.lists(alignment, min_size=n, max_size=n),
    st.lists(st.lists(words, min_size=0, max_size=n + 1), min_size=1, max_size=12))),
    st.sampled_from(CONSOLES))
def test_a_plain_table_comes_out_as_rich_prints_it_or_not_at_all(parts, options):
    header, alignments, rows = parts
    source = table(header, alignments, rows)
    render = rich_render(Console(file=io.StringIO(), force_terminal=True, **options))
    laid_out = render_plain_table(source, render, min_rows=1)
    if laid_out is not None:
        assert laid_out == render(source)
    short = all(len(cell) <= 5 for row in rows for cell in row) and all(len(cell) <= 6 for cell in header)
    cells_in_every_column = all(any(i < len(row) and row[i] for row in rows) for i in range(len(header)))
    if short and cells_in_every_column and options["width"] == 100:
        assert laid_out is not None  # a table that fits with a cell in every column is laid out here


def test_a_long_table_is_laid_out_without_rich_laying_out_its_rows():
    rows = [[str(i), f"model-{i}", f"{i % 97}.5"] for i in range(1000)]
    source = table(["id", "model", "price"], ["---", ":-:", "--:"], rows)
    render = rich_render(Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=100))
    expected = render(source)
    asked = []
    assert render_plain_table(source, lambda text: (asked.append(text), render(text))[1]) == expected
    assert [text.count("\n") for text in asked] == [3]  # rich rendered the header and one probe row


@pytest.mark.parametrize("cell", ["*emphasis*", "a_b", "`code`", "[link](x)", "<b>", "a &amp; b", "naïve",
                                  "x\\|y", "~~gone~~", "![img](x)"])
def test_cells_that_markdown_or_rich_could_change_are_left_to_rich(cell):
    rows = [["1", cell]] + [[str(i), "plain"] for i in range(2, 60)]
    source = table(["id", "name"], ["---", "---"], rows)
    render = rich_render(Console(file=io.StringIO(), force_terminal=True, width=100))
    assert render_plain_table(source, render) is None


def test_short_tables_wide_tables_and_other_blocks_are_left_to_rich():
    render = rich_render(Console(file=io.StringIO(), force_terminal=True, width=40))
    rows = [[str(i), "word " * 12] for i in range(60)]
    assert render_plain_table(table(["id", "text"], ["---", "---"], rows), render) is None  # rich wraps it
    assert render_plain_table(table(["id"], ["---"], [["1"]] * 10), render) is None  # short: rich is quick
    assert render_plain_table("A paragraph.\n\n" + table(["id"], ["---"], [["1"]] * 60), render) is None
    assert render_plain_table(table(["id", "x"], ["---"], [["1", "2"]] * 60), render) is None  # not a table
    # a heading with markup, or not ASCII: how wide it renders is rich's to say (a centred column's
    # cells would be a column off: 名前 is two characters and four columns, <http://a> shows its target)
    for heading in ("**a long heading**", "**b**", "名前", "<http://a>"):
        assert render_plain_table(table(["id", heading], ["---", ":-:"], [["1", "ab"]] * 60), render) is None
    # a line indented four spaces is not a table's row: it ends the table (or there is none)
    rows = table(["id", "x"], ["---", "---"], [["1", "2"]] * 60).splitlines()
    assert render_plain_table("\n".join(rows[:-1] + ["    " + rows[-1]]) + "\n", render) is None
    assert render_plain_table("\n".join(["    " + rows[0]] + rows[1:]) + "\n", render) is None


def test_from_the_shortest_long_table_to_one_character_columns_and_indented_rows():
    from lowrouter_cli.render.markdown_table import MIN_ROWS

    render = rich_render(Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=100))
    rows = [["x", f"row {i}"] for i in range(MIN_ROWS)]
    source = table(["n", "name"], [":-:", "---"], rows)  # a one-column-wide first column
    assert render_plain_table(source, render) == render(source)
    assert render_plain_table(table(["n", "name"], [":-:", "---"], rows[1:]), render) is None  # one row short
    indented = "".join("  " + line + "\n" for line in source.splitlines())
    assert render_plain_table(indented, render) == render(indented)
