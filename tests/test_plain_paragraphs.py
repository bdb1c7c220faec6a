"""Plain paragraphs printed without rich (render/plain_paragraphs.py): byte for byte what rich
prints in every colour system, blocks where markdown-it puts them, or None (rich renders it)."""

from __future__ import annotations

import io

from hypothesis import example, given, settings, strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from lowrouter_cli.render.markdown import make_markdown
from lowrouter_cli.render.plain_paragraphs import needs_rich, plain_blocks, render_plain_paragraphs
from lowrouter_cli.render.plain_paragraphs import plain_words as words_as_they_are
from lowrouter_cli.render.safe_text import has_controls

CONSOLES = [dict(color_system=system, no_color=no_color)
            for system in ("truecolor", "256", "standard", None) for no_color in (False, True)]

# Mostly plain text, with some of what is not: Markdown's inline characters, block starts, runs of
# spaces, non-ASCII, tabs.
texts = st.text(alphabet="abXY09 .,;:?'\"()/%+=$@-\n" * 6 + "*_`[]<>&\\~|#!\t é", max_size=80)
plain_words = st.lists(st.text(alphabet="abcXYZ019.,;:?'\"()/%+=$@-", min_size=1, max_size=9), min_size=1, max_size=30)


def rich_prints(source: str, width: int, **options) -> str:
    console = Console(file=io.StringIO(), force_terminal=True, width=width, **options)
    with console.capture() as captured:
        console.print(make_markdown(source), end="", crop=False)
    return captured.get()


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(min_value=1, max_value=30), st.sampled_from(CONSOLES))
@example("Hello world\nmore\n\nSecond one\n", 12, CONSOLES[0])
@example("abc def", 3, CONSOLES[0])  # a word as wide as the screen
@example("ab\n\n\n\ncd\n", 5, CONSOLES[0])
def test_plain_paragraphs_come_out_as_rich_prints_them_or_not_at_all(source, width, options):
    printed = render_plain_paragraphs(source, width)
    if printed is not None:
        assert printed == rich_prints(source, width, **options)


@settings(max_examples=150, deadline=None)
@given(st.lists(plain_words, min_size=1, max_size=4), st.integers(min_value=10, max_value=40), st.sampled_from(CONSOLES))
def test_paragraphs_of_plain_words_are_printed_without_rich(paragraphs, width, options):
    words = [[("a" + word) if not word[0].isalpha() else word for word in words] for words in paragraphs]
    source = "\n\n".join(" ".join(line) for line in words) + "\n"
    printed = render_plain_paragraphs(source, width)
    assert printed is not None  # words of at most 10 characters always fit
    assert printed == rich_prints(source, width, **options)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_plain_blocks_are_where_markdown_it_puts_them(source):
    blocks = plain_blocks(source)
    if blocks is not None:
        tokens = MarkdownIt("commonmark").enable("table").disable("inline").parse(source)
        expected = [(t.type, t.map) for t in tokens if t.level == 0 and t.nesting == 1]
        assert [(block.type, block.map) for block in blocks] == expected
        assert all(t.type in ("paragraph_open", "paragraph_close", "inline") for t in tokens)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_text_the_hint_calls_plain_has_plain_blocks(source):
    if not needs_rich("\n" + source + "\n"):
        assert plain_blocks(source) is not None


@settings(max_examples=300, deadline=None)
@given(texts)
@example("a  b")
@example("a*b")
@example("x `y`")
def test_words_the_live_views_shortcut_calls_plain_need_neither_rich_nor_the_sanitizer(text):
    if words_as_they_are(text):
        assert not needs_rich(text) and not has_controls(text) and not set(text) & set("*`\n")


def test_plain_words():
    assert words_as_they_are(" and (42%) it's $5, a/b = c+d @me - ok?") and words_as_they_are("")
    for text in ["a  b", "a*b", "`x`", "café", "a\tb", "a\nb", "[x]", "a_b", "\x1b"]:
        assert not words_as_they_are(text), text


def test_what_needs_rich():
    assert not needs_rich("\nHello, world (it's 42% done: a/b = c+d $5 @me - ok?)\n\nNext one.")
    for text in ["\n- item", "\n1. one", "\n# title", "\n    code", "\n> quote", "\n|a|", "\n```",
                 "\nsome *stress*", "\nan `x`", "\na [link]", "\na & b", "\ncafé", "\na\tb", "\na  b",
                 "\nends with a space \n", "\nwhy!", "\nTitle\n===", "\n<b>"]:
        assert needs_rich(text), text


def test_a_word_wider_than_the_screen_or_anything_not_plain_goes_to_rich():
    assert render_plain_paragraphs("a bcdef", 4) is None
    assert render_plain_paragraphs("a *b*", 40) is None
    assert render_plain_paragraphs("", 40) is None
    assert render_plain_paragraphs("a b", 0) is None
    assert render_plain_paragraphs("one two three", 9) == "one two  \nthree    \n"


ENVIRONS = st.fixed_dictionaries({}, optional={
    "COLUMNS": st.sampled_from(["0", "7", "100", "²", "x", ""]), "LINES": st.sampled_from(["0", "9", "40", "y"]),
    "TERM": st.sampled_from(["xterm-256color", "dumb", "UNKNOWN", "vt100", ""]),
    "NO_COLOR": st.sampled_from(["", "1"]), "FORCE_COLOR": st.just("1"), "COLORTERM": st.just("truecolor")})


@settings(max_examples=200, deadline=None)
@given(ENVIRONS, st.booleans(), st.sampled_from(["auto", "always", "never"]))
def test_the_live_screen_is_what_the_console_it_stands_for_sees(environ, isatty, color):
    """live_screen (no rich) and make_console agree on all the live view reads: whether escape
    codes go out, styles and colour, and the size (a plain paragraph is wrapped at that width)."""
    from lowrouter_cli.context import Environment
    from lowrouter_cli.render.console import live_screen, make_console

    env = Environment(stdout=io.StringIO(), stdout_isatty=isatty, environ=environ, color=color)
    screen, console = live_screen(env), make_console(env)
    assert (screen.live, screen.styled, screen.colour) == \
        (console.is_terminal, console.color_system is not None, not console.no_color)
    assert tuple(screen.size()) == tuple(console.size)
    assert screen.console().file is env.stdout
