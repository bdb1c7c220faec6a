"""Live Markdown frames: scheduling on a fake clock, the timer that draws a held token, frames
that cost what the screen shows, one parser, one write per frame, and the screen afterwards
(replayed through a terminal emulator) equal to one render of the whole answer."""

from __future__ import annotations

import io
import textwrap

import pyte
from hypothesis import example, given, settings, strategies as st
import pytest
from rich.console import Console

from lowrouter_cli.emulator.scenarios import long_markdown, tokenize
from lowrouter_cli.render.live_markdown import FRAMES_PER_SECOND, LiveMarkdown
from lowrouter_cli.render.live_view import Screen
from lowrouter_cli.render.live_tail import TailRows
from lowrouter_cli.render.markdown import make_markdown

WIDTH, HEIGHT = 60, 20


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    """A console file that counts writes and can make each one slow (on the fake clock)."""

    def __init__(self, clock=None, write_cost=0.0):
        super().__init__()
        self.clock, self.write_cost, self.writes = clock, write_cost, 0

    def write(self, text):
        self.writes += bool(text)  # rich writes "" when a capture ends
        if self.clock is not None:
            self.clock.now += self.write_cost
        return super().write(text)


def console(file, color=True):
    return Console(file=file, width=WIDTH, height=HEIGHT, force_terminal=True, force_interactive=True,
                   color_system="truecolor" if color else None, highlight=False, emoji=False, markup=False)


def live(clock, file, **kwargs):
    return LiveMarkdown(Screen.of(console(file)), clock, **kwargs)


def screen_after(output: str, rows: int = 600) -> list[str]:
    screen = pyte.Screen(WIDTH, rows)
    screen.set_mode(pyte.modes.LNM)
    pyte.Stream(screen).feed(output)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def whole(text: str) -> list[str]:
    out = console(io.StringIO(), color=False)
    out.print(make_markdown(text), crop=False)
    lines = [line.rstrip() for line in out.file.getvalue().split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def test_a_token_held_back_by_the_frame_interval_is_drawn_by_the_readers_tick_when_due():
    clock = Clock()
    view = live(clock, Terminal())
    assert view.tick() is None  # nothing held: the reader may block
    view.write("First")
    assert view.refreshes == 1
    clock.now += 0.010
    view.write(" second")  # within the interval: held; the reader's tick says for how long
    assert view.refreshes == 1 and view.tick() == pytest.approx(1 / FRAMES_PER_SECOND - 0.010)
    clock.now += 0.020
    view.write(" third")
    assert view.tick() == pytest.approx(1 / FRAMES_PER_SECOND - 0.030)  # early: nothing drawn, the rest to wait
    assert view.refreshes == 1
    clock.now += 1 / FRAMES_PER_SECOND - 0.030
    assert view.tick() is None and view.refreshes == 2  # drawn on the reader's thread
    assert "First second third" in view._screen.file.getvalue()
    assert view.tick() is None and view.refreshes == 2  # nothing new: no frame


def test_frames_are_due_one_interval_after_the_previous_frame_ended():
    clock = Clock()
    slow = Terminal(clock, write_cost=0.5)  # each frame takes 0.5 s to write
    view = live(clock, slow)
    view.write("a")
    assert view.refreshes == 1 and clock.now == pytest.approx(100.5)
    clock.now += 0.1  # 0.6 s after the first frame began, but only 0.1 s after it ended
    view.write(" b")
    assert view.refreshes == 1 and view.tick() == pytest.approx(0.4)  # due 0.5 s after it ended
    clock.now += 0.4
    assert view.tick() is None and view.refreshes == 2


@pytest.mark.parametrize("kind", ["code", "table", "paragraph"])
def test_a_frame_draws_only_the_screenful_of_a_long_tail(kind):
    if kind == "code":
        tail = "```python\n" + "\n".join(f"line_{i} = {i}" for i in range(300))
        expected = [f"line_{i} = {i}" for i in range(282, 300)]
    elif kind == "table":
        tail = "| id | name |\n|---|:--|\n" + "\n".join(f"| {i} | model-{i} |" for i in range(300))
        # rich's layout (box.SIMPLE: a blank top edge, the header, a rule) on the rows shown
        expected = ["", " id   name      ", " " + "─" * 14 + " "] + [f" {i}  model-{i} " for i in range(285, 300)]
    else:
        tail = " ".join(f"word{i}" for i in range(3000))
        expected = textwrap.wrap(tail, WIDTH, break_on_hyphens=False)[-18:]  # greedy, as rich wraps
        assert expected[-1].endswith("word2999")
    assert TailRows(styled=False, colour=False).rows(tail, WIDTH, 18) == expected
    clock = Clock()
    file = Terminal()
    view = live(clock, file)
    view.write(tail)
    frame = file.getvalue()
    assert frame.count("\n") <= HEIGHT - 2  # the live area never outgrows the screen
    assert screen_after(frame)[-18:] == [line.rstrip() for line in expected]
    view.finish()  # and the answer, once done, is printed whole
    assert screen_after(file.getvalue()) == whole(tail)


def test_the_screen_after_a_live_stream_is_one_render_of_the_whole_answer():
    text = long_markdown(700, seed=5) + "\n\n```\n" + "\n".join(f"x = {i}" for i in range(60)) + "\n```\n"
    clock = Clock()
    file = Terminal()
    view = live(clock, file)
    for n, token in enumerate(tokenize(text)):
        clock.now += 0.004
        view.write(token)
        if n % 7 == 0:
            view.tick()
    view.finish()
    assert view.refreshes > 20  # the tail was drawn and erased many times on the way
    assert screen_after(file.getvalue()) == whole(text)


def test_blocks_finished_in_one_frame_are_printed_in_one_write_and_one_parser_is_kept(monkeypatch):
    import markdown_it

    made = []
    original = markdown_it.MarkdownIt.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(markdown_it.MarkdownIt, "__init__", counting)
    clock = Clock()
    file = Terminal()
    view = live(clock, file, show_tail=False)
    view.write("One.\n\nTwo.\n\n# Three\n\n- four\n- five\n\nSix\n")  # "Six" finished: the list is
    assert file.writes == 1 and "Two." in file.getvalue() and "five" in file.getvalue()
    for n in range(200):
        clock.now += 0.1
        view.write(f"\n\nParagraph {n}.")
    view.finish()
    assert len(made) <= 3  # the block parser, the render parser, and rich's one for the template


@pytest.mark.parametrize("rows", [5, 40])
def test_tokens_held_when_a_long_block_ends_are_drawn_before_its_whole_render(rows):
    """The whole render of a long table takes a while: what came since the last frame is drawn
    first. A short answer gets no extra frame (its whole render is quick)."""
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    table = "| id | name |\n|---|---|\n" + "".join(f"| {i} | row-{i} |\n" for i in range(rows))
    view.write(table)  # drawn at once: the first frame is due
    clock.now += 0.010
    view.write("| last | row-last |\n")  # held: the next frame is not due yet
    assert view.refreshes == 1 and "row-last" not in file.getvalue()
    view.finish()
    assert view.refreshes == (2 if rows + 3 > HEIGHT else 1)
    shown = file.getvalue()
    if rows + 3 > HEIGHT:  # drawn in a tail frame before the table is printed whole
        assert shown.index("row-last") < shown.index("row-0 ", shown.index("row-last"))
    assert screen_after(shown) == whole(table + "| last | row-last |\n")


@pytest.mark.parametrize("height", [3, 4, 5])
def test_a_table_on_a_short_terminal_leaves_the_same_scrollback_as_one_render(height):
    """The live area never outgrows the screen: a row scrolled off could not be erased."""
    def scrollback(output):
        screen = pyte.HistoryScreen(WIDTH, height, history=1000)
        screen.set_mode(pyte.modes.LNM)
        pyte.Stream(screen).feed(output)
        lines = ["".join(row[x].data for x in range(WIDTH)).rstrip() for row in screen.history.top]
        return lines + [line.rstrip() for line in screen.display]

    def short(file):
        return Console(file=file, width=WIDTH, height=height, force_terminal=True, force_interactive=True,
                       color_system=None, highlight=False, emoji=False, markup=False)

    text = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    clock, file = Clock(), Terminal()
    view = LiveMarkdown(Screen.of(short(file)), clock)
    for character in text:
        clock.now += 0.1
        view.write(character)
    view.finish()
    once = io.StringIO()
    short(once).print(make_markdown(text), crop=False)
    assert scrollback(file.getvalue()) == scrollback(once.getvalue())


def test_a_line_still_arriving_does_not_decide_where_the_blocks_before_it_end():
    """"---  -" would end the paragraph above it (a rule), but "---  -word" continues it: only
    finished lines cut blocks, and the screen is one render of the whole answer."""
    clock, file = Clock(), Terminal()
    screen = console(file)
    screen.size = (20, 10)
    view = LiveMarkdown(Screen.of(screen), clock)
    view.write("wordwordwordword")
    view.write("\n---  -")  # in the same frame as the line before it: not drawn yet
    clock.now += 0.1
    assert view.tick() is None  # the frame: "---  -" is a rule, for now
    view.write("word")
    view.finish()
    assert screen_after(file.getvalue()) == ["wordwordwordword ---", "-word"]


def test_a_line_that_may_yet_become_a_bullet_heading_or_fence_is_not_lengthened_by_the_shortcut():
    """Spaces, "-", "#", "~"... alone can still become a bullet, a heading or a fence: such a line
    is drawn by the full frame however long it wraps."""
    for tokens, size in ((["Steps:\n\n", "- one\n", " " * 20, "-", " nested", " item"], (20, 10)),
                         (["Intro\n\n", " " * 12 + "+", " x y"], (12, 10)), (["   ~", "~~", "x"], (3, 10))):
        with pytest.MonkeyPatch.context() as monkeypatch:
            slow, _ = streamed_bytes(tokens, [0.1] * len(tokens), shortcut=False, monkeypatch=monkeypatch, size=size)
        assert streamed_bytes(tokens, [0.1] * len(tokens), size=size)[0] == slow, tokens


def test_text_the_shortcut_draws_can_start_loading_rich():
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    for token in ["word " * 40, " see", " [the", " docs](x)", " and more"]:
        clock.now += 0.1
        view.write(token)
    assert view._rich.started  # before the paragraph is finished
    view.finish()


def test_finish_leaves_no_thread_loading_rich():
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    view.write("\n")
    view.write(" \n")  # "a line starting with a space": loading starts, and nothing needs it
    view.finish()
    assert view._rich._thread is None and file.getvalue() == ""


def test_rich_is_loaded_only_for_an_answer_that_needs_it_and_before_its_block_ends():
    """Plain paragraphs are cut and printed without rich and markdown-it; the first character a
    plain paragraph can't hold starts loading them, while its block is still unfinished."""
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    for token in tokenize("Just plain words here.\n\nAnd more of them, (42%) too.\n"):
        clock.now += 0.1
        view.write(token)
    view.finish()
    assert not view._rich.started
    assert screen_after(file.getvalue()) == whole("Just plain words here.\n\nAnd more of them, (42%) too.\n")

    clock, file = Clock(), Terminal()
    view = live(clock, file)
    for token in ["Plain first.\n\n", "Then some"]:
        clock.now += 0.1
        view.write(token)
        assert not view._rich.started
    clock.now += 0.1
    view.write(" `code`")
    assert view._rich._thread is not None  # loading, the block unfinished
    view.write(" and more")
    view.finish()
    assert view._rich._parts is not None
    assert screen_after(file.getvalue()) == whole("Plain first.\n\nThen some `code` and more")


def streamed_bytes(tokens, gaps, *, shortcut=True, monkeypatch=None, size=(WIDTH, HEIGHT)):
    clock, file = Clock(), Terminal()
    screen = console(file)
    screen.size = size
    view = LiveMarkdown(Screen.of(screen), clock)
    if not shortcut:
        monkeypatch.setattr(view, "_lengthen_last_row", lambda started: False)
    for token, gap in zip(tokens, gaps):
        clock.now += gap
        if token.startswith("RESIZE"):  # the terminal's size changes (asked again within 0.5 s)
            screen.size = (int(token.split()[1]), int(token.split()[2]))
            continue
        view.write(token)
        if gap > 0.05:
            view.tick()
    view.finish()
    return file.getvalue(), view


pieces = st.sampled_from(["word", " and", " x", "  ", "*", "**b**", " `c`", "\n", "\n\n", "- ", "# ", "é", "\t", "\r",
                          " a\r", "\r\n", "\x1b]0;t\x07",
                          " [a](b)", "| a |", "```", " " + "long" * 20, "12345", ".", ",", " alpha beta gamma delta",
                          " one two three four five six seven eight nine ten", "RESIZE 40 8", "RESIZE 60 20"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(pieces, st.sampled_from([0.0, 0.01, 0.03, 0.07, 0.2])), max_size=200))
@example(steps=[(" long" * 14, 0.2), (" a\r", 0.2), (" and", 0.2)])  # a CR held by the sanitizer: no shortcut past it
def test_a_frame_that_only_lengthens_the_last_row_writes_the_same_bytes_as_a_full_frame(steps):
    """live_markdown._lengthen_last_row (most frames of a paragraph) is a shortcut, not another
    way of drawing: with it and without it the same bytes go to the terminal, frame for frame
    (wrapping, scrolling the live area, a blank row before it, the screen's size changing)."""
    tokens, gaps = [token for token, _ in steps], [gap for _, gap in steps]
    with pytest.MonkeyPatch.context() as monkeypatch:
        slow, _ = streamed_bytes(tokens, gaps, shortcut=False, monkeypatch=monkeypatch)
    fast, _ = streamed_bytes(tokens, gaps)
    assert fast == slow


words = st.sampled_from([" word", " and", " x", " alpha beta", " gamma-delta,", " (42%)", " tenletters", "  ", " ",
                         "\n", "\n\n", " **b**", " `c`", " é", "RESIZE 30 7", "RESIZE 24 9"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from([0.0, 0.01, 0.07, 0.3])), max_size=300),
       st.tuples(st.integers(min_value=12, max_value=40), st.integers(min_value=3, max_value=9)),
       st.booleans())
@example(steps=[(" abcdefghijk", 0.1), ("x", 0.1), (" ", 0.1), (" more", 0.1)], size=(12, 5), after_a_block=False)
def test_long_lines_wrapped_and_scrolled_by_the_shortcut_are_the_full_frames_bytes(steps, size, after_a_block):
    """The same, on small screens where a paragraph soon outgrows the live area (which then
    scrolls), after a printed block (a blank row leads the area) or not."""
    tokens = (["Before.\n\n", "Next line\n"] if after_a_block else []) + ["Start"] + [token for token, _ in steps]
    gaps = [0.1] * (len(tokens) - len(steps)) + [gap for _, gap in steps]
    with pytest.MonkeyPatch.context() as monkeypatch:
        slow, _ = streamed_bytes(tokens, gaps, shortcut=False, monkeypatch=monkeypatch, size=size)
    fast, _ = streamed_bytes(tokens, gaps, size=size)
    assert fast == slow


def test_the_view_shows_controls_as_it_takes_text_and_a_crlf_split_between_frames_is_one_newline():
    """Text from the network is sanitized by the view itself, once a frame: a CR at the end of
    what a frame took waits for the LF that may begin the next piece (then it is a line ending),
    a lone CR and an ESC are shown, never obeyed, and a CR left at the end is shown too."""
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    for piece in ["one\r", "\ntwo \x1b]0;t", "\x07 three\r", " four five\r"]:
        view.write(piece)
        view.tick()
        clock.now += 1
    view.finish()
    output = file.getvalue()
    assert "\x07" not in output and "\x1b]" not in output and "\r\n" not in output
    assert screen_after(output) == whole("one\ntwo \\x1b]0;t\\x07 three\\r four five\\r")


def test_most_frames_of_a_long_paragraph_only_lengthen_its_last_row(monkeypatch):
    calls = []
    original = LiveMarkdown._lengthen_last_row

    def counted(self, started):
        drawn = original(self, started)
        calls.append(drawn)
        return drawn

    monkeypatch.setattr(LiveMarkdown, "_lengthen_last_row", counted)
    text = " ".join(f"word{i % 50} and{i % 7}" for i in range(600))
    output, view = streamed_bytes(tokenize(text), [0.01] * 2000)
    assert view.refreshes > 100 and calls.count(True) > view.refreshes / 2
    assert screen_after(output) == whole(text)


def test_blocks_printed_frame_by_frame_leave_one_render_even_after_an_empty_heading():
    """rich opens a Markdown whose first block is an empty heading with a blank line of its own:
    printed after another block, it gets no second one."""
    text = ["Start", "\n", "# ", "\n", " word"]
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    for token in text:
        view.write(token)
        view._refresh()  # a frame after every token, whatever the clock says
    view.finish()
    assert screen_after(file.getvalue()) == whole("".join(text)) == ["Start", "", "", "", "word"]


@pytest.mark.parametrize("lost", [False, True], ids=["written", "never-written"])
def test_ctrl_c_during_a_frame_that_keeps_the_areas_height_still_leaves_one_render(lost):
    """Such a frame (a long paragraph's, once it fills the live area) does not hold Ctrl-C back:
    whether its write went out or not, finish() redraws the area from its top."""

    class Interrupted(Terminal):
        armed = False

        def write(self, text):
            if self.armed and lost:
                self.armed = False
                raise KeyboardInterrupt
            return super().write(text)

        def flush(self):
            if self.armed:
                self.armed = False
                raise KeyboardInterrupt

    clock, file = Clock(), Interrupted()
    view = live(clock, file)
    text = " ".join(f"word{i}" for i in range(400))  # more rows than the screen has
    view.write(text)
    height = len(view._area.rows)
    assert height == HEIGHT - 2
    clock.now += 1
    file.armed = True
    with pytest.raises(KeyboardInterrupt):
        view.write(" more")
    assert len(view._area.rows) == height and not file.armed
    view.finish()
    assert screen_after(file.getvalue()) == whole(text + " more")


class Replayed:
    """A small terminal (pyte) fed a stream's output as it is written: its screen after each step."""

    def __init__(self, file, size):
        self.file, self.fed = file, 0
        self.screen = pyte.Screen(*size)
        self.screen.set_mode(pyte.modes.LNM)
        self.stream = pyte.Stream(self.screen)

    def state(self) -> tuple:
        output = self.file.getvalue()
        self.stream.feed(output[self.fed:])
        self.fed = len(output)
        return tuple(self.screen.display), self.screen.cursor.x, self.screen.cursor.y


tail_tokens = st.sampled_from([" word", " and", " alpha beta", " tenletters", "\n", "\n\n", "```\n", "x = 1\n",
                               "| a | b |\n|---|---|\n", "| 1 | 22 |\n", "| 333 | 4 |\n", "- item\n", "y" * 25])


@settings(max_examples=60, deadline=None)
@given(st.lists(tail_tokens, max_size=120), st.tuples(st.integers(min_value=12, max_value=40),
                                                      st.integers(min_value=4, max_value=10)))
def test_rows_moved_up_by_the_terminal_leave_the_screen_a_rewrite_leaves(tokens, size):
    """Moving rows up by deleting the lines above them (live_view._moved_up) is a shortcut: after
    every frame the terminal shows what writing every changed row leaves, cursor included."""

    def screens(move):
        clock, file = Clock(), Terminal()
        screen = console(file)
        screen.size = size
        view = LiveMarkdown(Screen.of(screen), clock)
        replayed, states = Replayed(file, size), []
        with pytest.MonkeyPatch.context() as monkeypatch:
            if not move:
                monkeypatch.setattr("lowrouter_cli.render.live_view._moved_up", lambda shown, rows, first: (0, 0))
            for token in ["Start"] + tokens:
                clock.now += 0.1  # a frame for every token
                view.write(token)
                states.append(replayed.state())
            view.finish()
        return states + [replayed.state()], file.getvalue()

    moved, moved_output = screens(True)
    written, written_output = screens(False)
    assert moved == written
    assert len(moved_output) <= len(written_output)


def test_the_loading_thread_sets_up_the_highlighting_of_the_code_blocks_begun():
    """So the render at a code block's end does not wait for pygments' lexer (a burst waits for
    that render): the loader warms the language of each fence seen by the time rich is loaded."""
    clock, file = Clock(), Terminal()
    view = live(clock, file)
    text = "Here is `code`:\n\n```python\nx = 1\n"
    for token in tokenize(text):
        clock.now += 0.1
        view.write(token)
    view._rich.wait()
    assert view._rich.warmed == ["python"]
    view.write("```\n")
    view.finish()
    assert screen_after(file.getvalue()) == whole(text + "```\n")

    clock, file = Clock(), Terminal()
    view = live(clock, file)
    view.write("Only *emphasis*, no code.\n")
    view._rich.wait()
    assert view._rich.warmed == []
    view.finish()


def test_the_loading_thread_warms_the_languages_of_fences_begun_before_it_ends():
    from lowrouter_cli.render.rich_parts import RichLoader

    loader = RichLoader(lambda: console(Terminal()), lambda: ["python", "rust", "go"])
    loader.start()
    loader.wait()
    assert loader.warmed == ["python", "rust"]  # two at most
    loader.warm(["python"])
    assert loader._thread is None  # nothing new to set up: no thread
    loader.warm(["python", "go", "go", "c"])
    loader.wait()
    assert loader.warmed == ["python", "rust", "go", "c"]
    loader.warm(["java"])
    assert loader._thread is None and loader.warmed == ["python", "rust", "go", "c"]  # four at most
    loader.parts()

    loader = RichLoader(lambda: console(Terminal()), lambda: ["python"])
    loader.parts()  # loaded where it is needed: nothing set up beforehand
    assert loader.warmed == []


def test_on_a_terminal_the_readers_flush_before_each_read_is_the_live_views_tick():
    """The wiring the held-token redraw depends on: what the reader calls before each wait for
    bytes (the answer writer's flush) says how long a held token may wait, and draws it then."""
    from lowrouter_cli.context import Environment
    from lowrouter_cli.events import Content
    from lowrouter_cli.render.stream import stream_writer

    clock, out = Clock(), io.StringIO()
    env = Environment(stdout=out, stdout_isatty=True, monotonic=clock,
                      environ={"TERM": "xterm", "COLUMNS": str(WIDTH), "LINES": str(HEIGHT)})
    writer = stream_writer(env, as_json=False, raw=False)
    writer.write(Content("first"))
    assert writer.flush() is None and "first" in out.getvalue()  # the first frame: at once
    clock.now += 0.010
    writer.write(Content(" second"))
    wait = writer.flush()
    assert wait == pytest.approx(1 / FRAMES_PER_SECOND - 0.010) and "second" not in out.getvalue()
    clock.now += wait
    assert writer.flush() is None and "first second" in out.getvalue()
    writer.finish()
