"""Ctrl-C typed at many points of a long answer on a real pseudo-terminal: the screen afterwards
is exactly one render of the text received, with no block lost and no line twice (a code block
and a table taller than the screen included, and the terminal's own ^C echo)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pyte
import pytest
from rich.console import Console

from lowrouter_cli.emulator.scenarios import tokenize
from lowrouter_cli.render.markdown import make_markdown

from conftest import lowrouter_command, process_environ

COLUMNS, ROWS = 90, 30
# Each run is interrupted once its terminal shows one of these words: points spread over the
# answer (the code block, the list, the table) whatever the machine's load does to the pace. Two
# tests of four runs each (so two workers share them), each with a run cut early in the code block.
MARKERS = ((b"offset_2", b"offset_24", b"keeps", b"model-8"), (b"offset_12", b"offset_36", b"provider", b"model-20"))
FOLLOWING = 8  # tokens that may follow the last word on the screen: checked for every prefix of TEXT

TEXT = (
    "Here is the plan for the **router** in three parts, with the code first and the prices after.\n\n"
    "```python\n" + "\n".join(f"total_{i} = value * {i} + offset_{i}" for i in range(45)) + "\n```\n\n"
    "The loop above runs once per request and keeps nothing between calls.\n\n"
    "- first the gateway\n- then the region\n- and last the provider\n\n"
    "| id | model | price |\n|---|---|---|\n" + "\n".join(f"| {i} | model-{i} | {i}.5 |" for i in range(40))
    + "\n\nThat is all for the plan, and the end of this answer.\n\n[[answer:echo]] [[fault:ok chunk_delay=0.003]]"
)


def _take_terminal():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _keep_unread_output_on_interrupt(tty: int) -> None:
    """NOFLSH: by default the terminal driver throws away output still waiting to be read when ^C
    is typed. A terminal emulator reads it within microseconds; this test, on a loaded machine,
    may not have read it yet, and would then see frames the program wrote go missing."""
    attributes = termios.tcgetattr(tty)
    attributes[3] |= termios.NOFLSH
    termios.tcsetattr(tty, termios.TCSANOW, attributes)


def render(text: str) -> list[str]:
    console = Console(file=io.StringIO(), width=COLUMNS, height=ROWS, color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)
    console.print(make_markdown(text), crop=False)
    return trimmed(console.file.getvalue().split("\n"))


def trimmed(lines):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def screen_of(output: bytes) -> list[str]:
    screen = pyte.Screen(COLUMNS, 500)
    screen.set_mode(pyte.modes.LNM)
    pyte.Stream(screen).feed(output.decode("utf-8", "replace"))
    lines = [line.replace("^C", "  ").rstrip() for line in screen.display]  # the terminal's own echo
    answer = []
    for line in lines:
        if line.startswith(("lowrouter:", "openai/gpt-4o-mini · ")):  # the error, or a finished answer's footer
            break
        answer.append(line)
    return trimmed(answer)


def matches_a_prefix(screen: list[str], tokens: list[str]) -> bool:
    """Whether the screen is one render of the first k tokens, for some k (tried from each token
    that holds the last word on the screen: the few tokens after it may add only marks, such as a
    table's rules, a lone digit or a code fence, so the last lines may hold no word at all)."""
    words = re.findall(r"[\w.-]{2,}", " ".join(screen))
    last = words[-1] if words else ""
    candidates = set() if last else set(range(min(FOLLOWING, len(tokens)) + 1))
    for k, token in enumerate(tokens, 1):
        if last and last in token:
            candidates.update(range(k, min(k + FOLLOWING, len(tokens)) + 1))
    return any(render("".join(tokens[:k])) == screen for k in sorted(candidates))


@pytest.mark.parametrize("markers", MARKERS, ids=["first", "second"])
def test_ctrl_c_anywhere_leaves_one_render_of_the_text_received(emulator, markers):
    environ = process_environ(emulator.base_url, env={"TERM": "xterm-256color"})
    runs = []
    for marker in markers:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        _keep_unread_output_on_interrupt(slave)
        process = subprocess.Popen(lowrouter_command("stream", "--no-history", TEXT), stdin=slave, stdout=slave,
                                   stderr=slave, env=environ, start_new_session=True, preexec_fn=_take_terminal)
        os.close(slave)
        runs.append({"master": master, "process": process, "out": [], "sent": False, "marker": marker})
    open_ = {run["master"]: run for run in runs}
    deadline = time.monotonic() + 60
    while open_ and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_), [], [], 0.01)
        for master in ready:
            run = open_[master]
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                del open_[master]
                continue
            seen = (run["out"][-1][-64:] if run["out"] else b"") + data
            run["out"].append(data)
            if not run["sent"] and run["marker"] in seen:
                os.write(master, b"\x03")  # typed Ctrl-C: the terminal echoes ^C and signals
                run["sent"] = True
    tokens = tokenize(TEXT)
    complete = render(TEXT)
    shown = []
    for run in runs:
        code = run["process"].wait(30)
        os.close(run["master"])
        screen = screen_of(b"".join(run["out"]))
        assert run["sent"] and code in (0, 130), (run["marker"], code)
        if code == 0:  # the answer was complete before the Ctrl-C came
            assert screen == complete, "\n".join(screen)
        assert matches_a_prefix(screen, tokens), "\n".join(screen)
        shown.append(len(screen))
    assert min(shown) < len(complete) // 2  # some runs were cut early, in the code block
