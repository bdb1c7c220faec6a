"""The README's terminal examples (```text blocks that start with `$ lowrouter …`) are what the CLI
prints on an 80-column terminal, against the emulator (generation ids aside)."""

import re
import shlex

from conftest import ROOT

GEN_ID = re.compile(r"gen-[A-Za-z0-9]+")


def examples():
    text = (ROOT / "README.md").read_text()
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        lines = block.rstrip("\n").split("\n")
        if lines[0].startswith("$ lowrouter "):
            yield shlex.split(lines[0][2:])[1:], lines[1:]


def test_readme_terminal_examples_render_as_shown_at_80_columns(run_cli):
    found = list(examples())
    assert len(found) >= 2
    assert run_cli("models").returncode == 0  # the cache the routing help reads
    for argv, expected in found:
        done = run_cli(*argv, "--color", "never", stdout_isatty=True, env={"COLUMNS": "80"})
        shown = [line.rstrip() for line in (done.stdout + done.stderr).splitlines()]
        assert [GEN_ID.sub("gen-ID", line) for line in shown] == [GEN_ID.sub("gen-ID", line) for line in expected], argv
        assert all(len(line) <= 80 for line in done.stdout.splitlines()), argv
