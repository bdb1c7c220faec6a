"""Copyable output: code blocks flush left and never hard-wrapped; ids never split or cut."""

import io
import re

from rich.console import Console

from lowrouter_cli.render.markdown import make_markdown
from lowrouter_cli.render.messages import Footer

from terminal_screen import capture_in_process as capture

LONG = ("curl -s https://lowrouter.ai/api/v1/models -H \"Authorization: Bearer $LOWROUTER_API_KEY\" "
        "| jq -r '.data[].id'")
ANSWER = f"Run this:\n\n```sh\n{LONG}\n```\n\nThen `sort` it."
GEN = "gen-7fQ2mZk9Xc4Rb1LwT8nVd3Ph"


def rendered(text, width=40, colour=False):
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=colour, color_system="standard" if colour else None).print(
        make_markdown(text), crop=False)
    return out.getvalue()


def test_code_blocks_are_flush_left_and_one_line_per_source_line():
    for colour in (False, True):
        lines = re.sub(r"\x1b\[[0-9;]*m", "", rendered(ANSWER, colour=colour)).splitlines()
        assert LONG in lines  # whole, unindented, on one line however narrow the screen
        assert lines[lines.index(LONG) - 1] == "" and lines[lines.index(LONG) + 1] == ""


def test_blank_lines_and_indentation_inside_code_survive():
    code = "def f(x):\n\n    return x"
    assert rendered(f"```python\n{code}\n```").splitlines() == code.splitlines()


def test_footer_puts_the_id_on_its_own_line_when_it_would_not_fit():
    footer = Footer(model="openai/gpt-4o-mini", provider="openai", region="eu-west", prompt_tokens=12,
                    completion_tokens=7, cost=0.000006, tokens_per_second=113.0, generation_id=GEN)
    assert footer.lines(110) == [footer.text()]  # 107 characters
    assert footer.lines(100) == footer.lines(80) == ["openai/gpt-4o-mini · openai/eu-west · 12 → 7 tokens · $0.000006 · 113 tok/s", GEN]
    assert footer.lines(40) == ["openai/gpt-4o-mini · openai/eu-west", "12 → 7 tokens · $0.000006 · 113 tok/s",
                                GEN]


def test_long_code_copies_as_one_line_from_a_terminal_at_80_columns(emulator):
    for command in ("chat", "stream"):
        shown = capture(emulator.base_url, command, f"[[answer:echo]]\n\n```sh\n{LONG}\n```", columns=80)
        assert shown.code == 0
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.raw).replace("\r", "")
        assert f"\n{LONG}\n" in plain  # one line as written: the terminal soft-wraps it
        row = next(i for i, line in enumerate(shown.lines) if line.startswith("curl -s"))
        assert shown.lines[row] + shown.lines[row + 1] == LONG, command  # flush left, no indent


def test_ids_stay_whole_on_a_40_column_terminal(emulator, run_cli):
    for command in ("chat", "stream"):
        shown = capture(emulator.base_url, command, "hi", columns=40)
        ids = [line for line in shown.lines if line.startswith("gen-")]
        assert shown.code == 0 and len(ids) == 1 and len(ids[0]) == len(GEN), shown.text
    shown = capture(emulator.base_url, "generation", "last", "--wait", "5", columns=40)
    assert shown.code == 0 and re.match(r"gen-\w{24}$", shown.lines[0]), shown.text
    assert re.search(r"^model +openai/gpt-4o-mini$", shown.text, re.M)
