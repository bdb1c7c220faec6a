"""Bash completion in plain bash (no bash-completion package, no rc files), typed into a real
interactive bash on a pseudo-terminal: model ids with ':', --model=ID, no file names for values
of our own, config keys after `config get`, `last` after `generation`."""

import os
import pty
import select
import subprocess
import time

import pyte

from conftest import ROOT

SCRIPT = ROOT / "completions/lowrouter.bash"


def typed_in_bash(text, *, env, cwd, rows=24):
    """Type `text` (with TABs) at a bash prompt, then turn the line into a comment and press
    Enter, so nothing runs; returns the screen afterwards."""
    master, slave = pty.openpty()
    process = subprocess.Popen(["bash", "--norc", "--noprofile", "-i"], stdin=slave, stdout=slave, stderr=slave,
                               env=env, cwd=cwd, start_new_session=True)
    os.close(slave)
    output = b""

    def read_until(marker, start=0, timeout=20):
        nonlocal output
        deadline = time.monotonic() + timeout
        while marker not in output[start:] and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                output += os.read(master, 65536)
        assert marker in output[start:], output

    os.write(master, f"bind 'set enable-bracketed-paste off'; PS1='>>> '; source '{SCRIPT}'; echo READY\n".encode())
    read_until(b"READY\r\n>>> ")
    os.write(master, text.encode())
    os.write(master, b"\x01#\r")  # to the line's start, make it a comment, Enter: nothing runs
    read_until(b"\r\n>>> ", start=output.index(b"READY\r\n>>> ") + 10)
    os.write(master, b"exit\r")
    process.wait(10)
    os.close(master)
    screen = pyte.Screen(200, rows)
    screen.set_mode(pyte.modes.LNM)
    pyte.Stream(screen).feed(output.decode("utf-8", "replace"))
    return [line.rstrip() for line in screen.display if line.strip()]


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
