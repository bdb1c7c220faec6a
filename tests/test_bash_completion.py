"""Bash completion in plain bash (no bash-completion package, no rc files), typed into a real
interactive bash on a pseudo-terminal: model ids with ':', --model=ID, no file names for values
of our own, config keys after `config get`, `last` after `generation`."""

import os

from conftest import ROOT
from shell_on_pty import ShellOnPty

SCRIPT = ROOT / "completions/lowrouter.bash"


def typed_in_bash(text, *, env, cwd, rows=24):
    """Type `text` (with TABs) at a bash prompt, then turn the line into a comment and press
    Enter, so nothing runs; returns the screen afterwards."""
    shell = ShellOnPty(["bash", "--norc", "--noprofile", "-i"], env=env, cwd=cwd, rows=rows)
    shell.type(f"bind 'set enable-bracketed-paste off'; PS1='>>> '; source '{SCRIPT}'; echo READY\n")
    shell.read_until(b"READY\r\n>>> ")
    shell.type(text)
    shell.type("\x01#\r")  # to the line's start, make it a comment, Enter: nothing runs
    shell.read_until(b"\r\n>>> ", start=shell.output.index(b"READY\r\n>>> ") + 10, timeout=20)
    return shell.close()


def test_completion_in_plain_bash(run_cli, emulator, lowrouter_on_path, tmp_path):
    assert run_cli("models").returncode == 0  # the cache the completion reads
    (tmp_path / "eu-notes.txt").write_text("a file completion must not offer")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASH")}
    env.update(PATH=f"{lowrouter_on_path}:{os.environ['PATH']}", LOWROUTER_BASE_URL=emulator.base_url,
               TERM="xterm", INPUTRC="/dev/null", HOME=str(tmp_path))

    def completed(text):
        lines = typed_in_bash(text, env=env, cwd=tmp_path)
        return [line for line in lines if line.startswith(">>> #")][-1][len(">>> #"):]

    assert completed("lowrouter chat -m meta/llama-3.1-8b-instruct:f\t") == \
        "lowrouter chat -m meta/llama-3.1-8b-instruct:free"
    assert completed("lowrouter chat --model=anthropic/cl\t") == "lowrouter chat --model=anthropic/claude-3.5-haiku"
    assert completed("lowrouter stream --model=meta/llama-3.1-8b-instruct:\t") == \
        "lowrouter stream --model=meta/llama-3.1-8b-instruct:free"
    assert completed("lowrouter chat --region eu\t\t") == "lowrouter chat --region eu"  # no eu-notes.txt
    assert completed("lowrouter models --provider \t\t") == "lowrouter models --provider"
    assert completed("lowrouter config get mo\t") == "lowrouter config get model"
    assert completed("lowrouter generation la\t") == "lowrouter generation last"
    assert completed("lowrouter --color never ch\t") == "lowrouter --color never chat"
