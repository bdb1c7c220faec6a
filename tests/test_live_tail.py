"""The live tail's plain rows (render/live_tail.py) and the live area's redraws (live_view.LiveArea):
rows kept between frames equal rows built at once, never wider than the screen, a frame formats
only what arrived, and a redraw writes from the first row that changed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from lowrouter_cli.render import live_tail
from lowrouter_cli.render.fit import cell_width as cells
from lowrouter_cli.render.live_tail import TailRows
from lowrouter_cli.render.live_view import LiveArea

SGR = re.compile(r"\x1b\[[0-9;]*m")
SOURCES = {
    "paragraph": "Plain words, **bold words** and `code`, then *italic* and 2 * 3 * 4, "
                 + " ".join(f"word{i}" for i in range(60)) + " averyveryveryverylongwordthatcannotfitanyrowatall end",
    "wide": "漢字の段落です。" * 12 + " and ascii after, " + "é" * 30,
    "blocks": "## A heading that is long enough to wrap around the edge of a narrow screen\n"
              "- a bullet item\twith a tab and **bold** text that wraps around the edge\n  continued\n\n"
              "> a quote line\nlast line",
    "code": "```python\n" + "\n".join(f"\tline_{i} = '{'x' * (i * 3)}'" for i in range(20)) + "\n```",
    "table": "| id | name | note |\n|---:|---|---|\n" + "\n".join(f"| {i} | model-{i} | {'n' * i}|" for i in range(30))
             + "\n| 30 | ragged",
}


def built_token_by_token(source: str, step: int, width: int, room: int) -> list[tuple[list[str], list[str]]]:
    """At each step: the rows kept between frames, and the rows of a fresh TailRows."""
    kept = TailRows(styled=True, colour=True)
    pairs = []
    for end in range(step, len(source) + step, step):
        prefix = source[:end]
        pairs.append((kept.rows(prefix, width, room), TailRows(styled=True, colour=True).rows(prefix, width, room)))
    return pairs


@pytest.mark.parametrize("name", SOURCES)
@pytest.mark.parametrize("step", [1, 7])
def test_rows_kept_between_frames_equal_rows_built_at_once_and_fit_the_screen(name, step):
    for kept, fresh in built_token_by_token(SOURCES[name], step, 30, 12):
        assert kept == fresh
        assert len(kept) <= 12
        assert all(cells(SGR.sub("", row)) <= 30 for row in kept), kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["word", " ", "  ", "\n", "**", "*", "`", "- ", "# ", "| a ", "|", "---",
                                 "```", "漢字", "\t", "averyveryverylongword"]), max_size=60),
       st.integers(min_value=1, max_value=9), st.integers(min_value=4, max_value=40))
def test_any_source_kept_between_frames_equals_built_at_once(pieces, step, width):
    for kept, fresh in built_token_by_token("".join(pieces), step, width, 6):
        assert kept == fresh
        assert all(cells(SGR.sub("", row)) <= width for row in kept), kept


def test_a_paragraph_is_wrapped_greedily_with_pairs_styled_on_their_row():
    rows = TailRows(styled=True, colour=True).rows(SOURCES["paragraph"], 40, 30)
    assert rows[:3] == [
        "Plain words, \x1b[1mbold words\x1b[22m and \x1b[1;36mcode\x1b[22;39m,",
        "then \x1b[3mitalic\x1b[23m and 2 * 3 * 4, word0 word1",
        "word2 word3 word4 word5 word6 word7",
    ]
    # a word longer than the row starts a row of its own and is cut at the edge
    assert rows[-4:] == ["word54 word55 word56 word57 word58", "word59", "averyveryveryverylongwordthatcannotfitan",
                         "yrowatall end"]


def test_headings_bullets_and_code_without_colour():
    rows = TailRows(styled=True, colour=False).rows("# Title\n- item `x`\n\n1. one", 40, 10)
    assert rows == ["\x1b[1mTitle\x1b[22m", " • item \x1b[1mx\x1b[22m", "", "1. one"]
    assert TailRows(styled=False, colour=False).rows("# Title\n- item `x`", 40, 10) == ["Title", " • item `x`"]


def test_a_code_block_shows_its_lines_cut_at_the_edge_without_the_fence():
    rows = TailRows(styled=True, colour=True).rows("```\n\tx = 1\n" + "y" * 50 + "\n漢字漢字漢字", 9, 10)
    assert rows == ["    x = 1", "y" * 9, "漢字漢字"]
    assert TailRows(styled=True, colour=True).rows("```pyth", 9, 10) == []  # the opening fence alone


def test_a_table_shows_its_header_and_last_rows_aligned_on_the_rows_shown():
    rows = TailRows(styled=True, colour=True).rows(SOURCES["table"], 60, 8)
    assert rows == ["", "\x1b[1m id  name      note                          \x1b[22m",
                    " " + "─" * 43 + " ",
                    " 26  model-26  nnnnnnnnnnnnnnnnnnnnnnnnnn    ",
                    " 27  model-27  nnnnnnnnnnnnnnnnnnnnnnnnnnn   ",
                    " 28  model-28  nnnnnnnnnnnnnnnnnnnnnnnnnnnn  ",
                    " 29  model-29  nnnnnnnnnnnnnnnnnnnnnnnnnnnnn ",
                    " 30  ragged                                  "]  # the unfinished row too


def test_a_frame_formats_only_what_arrived(monkeypatch):
    wrapped, split = [], []
    wrap, cells_of = live_tail.wrap, live_tail.table_cells
    monkeypatch.setattr(live_tail, "wrap", lambda text, width: (wrapped.append(len(text)), wrap(text, width))[1])
    monkeypatch.setattr(live_tail, "table_cells", lambda line: (split.append(line), cells_of(line))[1])
    paragraph, rows = TailRows(styled=True, colour=True), None
    words = [f" word{i}" for i in range(3000)]
    for n in range(len(words)):
        rows = paragraph.rows("".join(words[:n + 1]), 60, 18)
    assert rows[-1].endswith("word2999") and max(wrapped) <= 2 * 60  # the last row and a word, not 20 kB
    table = TailRows(styled=True, colour=True)
    lines = ["| id | name |", "|---|---|"] + [f"| {i} | model-{i} |" for i in range(500)]
    for n in range(3, len(lines) + 1):
        table.rows("\n".join(lines[:n]), 60, 18)
    # each finished row split once, and the last (unfinished) row once a frame
    assert len(split) <= 2 * len(lines)


def test_the_live_area_redraws_from_the_first_row_that_changed():
    area = LiveArea()
    assert area.redraw(["a", "b"]) == "\x1b[?25la\nb\n"  # the cursor hidden while rows are shown
    assert area.redraw(["a", "bc"]) == "\r\x1b[1A\x1b[Jbc\n"
    assert area.redraw(["a", "bc", "d"]) == "\r\x1b[Jd\n"
    assert area.redraw(["a", "bc", "d"]) == ""  # nothing changed: nothing written
    assert area.redraw(["x"], above="Printed.\n") == "\r\x1b[3A\x1b[JPrinted.\nx\n"
    assert area.redraw([]) == "\x1b[?25h\r\x1b[1A\x1b[J"
    assert area.redraw([], above="More.\n") == "More.\n"  # no area on screen: no escape codes


def test_a_short_table_shows_every_row_in_columns_as_wide_as_their_headings():
    rows = TailRows(styled=False, colour=False).rows("| identifier | n |\n|---|---|\n| 1 | a |\n| 2 | b |\n| 3", 60, 18)
    assert rows == ["", " identifier  n ", " " + "─" * 13 + " ", " 1           a ", " 2           b ",
                    " 3             "]
    indented = TailRows(styled=False, colour=False).rows("  | a | b |\n  |---|---|\n  | 1 | 2 |\n", 60, 18)
    assert indented == ["", " a  b ", " ──── ", " 1  2 "]  # up to three spaces before a table: still one


def test_a_wrapped_line_keeps_its_indentation_on_its_first_row():
    rows = TailRows(styled=False, colour=False).rows("    indented words that wrap around here", 20, 18)
    assert rows == ["    indented words", "that wrap around", "here"]


@pytest.mark.parametrize("room", [1, 2, 3, 4, 5])
def test_a_table_on_a_tiny_screen_shows_no_more_rows_than_fit(room):
    rows = TailRows(styled=False, colour=False).rows("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |", 40, room)
    assert rows == ["", " a  b ", " ──── ", " 1  2 ", " 3  4 "][-room:]
