"""`lowrouter` on a terminal: live Markdown, --raw, the footer with tokens per second, colours.

A real pseudo-terminal (a process) where only one shows it: terminal detection, live redraws as
they happen, Ctrl-C typed at the keyboard, a hidden prompt. The rest runs in-process with an
Environment that says its streams are terminals."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from conftest import TEST_KEY, lowrouter_command, process_environ
from terminal_screen import capture_in_process


class Terminal:
    """A process on a pseudo-terminal that is its controlling terminal (so ^C and getpass work)."""

    def __init__(self, emulator, *args, env=None, key=TEST_KEY):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))
        environ = process_environ(emulator.base_url, key=key, env={"TERM": "xterm", **(env or {})})
        self.process = subprocess.Popen(lowrouter_command(*args), stdin=slave, stdout=slave, stderr=slave,
                                        env=environ, start_new_session=True, preexec_fn=_take_terminal)
        os.close(slave)
        self.chunks = []

    def read_until(self, needle: bytes, limit: float = 20.0) -> bytes:
        deadline = time.monotonic() + limit
        while needle not in self.screen_bytes:
            ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"{needle!r} never appeared in {self.screen_bytes[-300:]!r}"
            if not self._read_once():
                raise AssertionError(f"the process ended before {needle!r}: {self.screen_bytes[-300:]!r}")
        return self.screen_bytes

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, limit: float = 60.0):
        while self._read_once():
            pass
        self.process.wait(limit)
        os.close(self.master)
        return self.process.returncode, self.screen_bytes.decode("utf-8", "replace")

    @property
    def screen_bytes(self) -> bytes:
        return b"".join(self.chunks)

    def _read_once(self) -> bool:
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every end of the slave is closed
            return False
        self.chunks.append(data)
        return bool(data)


def _take_terminal():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_stream_renders_markdown_live_with_a_footer(emulator):
    terminal = Terminal(emulator, "stream", "[[answer:long words=60]] [[fault:ok chunk_delay=0.01]]")
    early = terminal.read_until(b"Section 1").decode("utf-8", "replace")  # its 112 tokens take 1.1 s
    assert terminal.process.poll() is None and "\x1b[?25l" in early  # shown live, cursor hidden
    code, screen = terminal.finish()
    assert code == 0
    frames = screen.count("\x1b[J")  # each redraw of the tail erases from its first changed row down
    assert frames >= 3, frames  # redrawn while it came, not printed once at the end
    assert screen.endswith("\x1b[?25h" + screen.split("\x1b[?25h")[-1])  # cursor shown again
    assert "tok/s" in screen and "gen-" in screen


def test_stream_raw_prints_plain_tokens_on_a_terminal(emulator):
    shown = capture_in_process(emulator.base_url, "stream", "--raw", "hi", columns=90, rows=30)
    assert shown.code == 0 and "**LowRouter emulator**" in shown.raw and "- Answers here" in shown.raw
    assert "\x1b[?25l" not in shown.raw  # no live view: the tokens as they came


def test_ctrl_c_typed_on_the_terminal_keeps_the_text_and_exits_130(emulator):
    terminal = Terminal(emulator, "stream", "[[answer:long words=500]] [[fault:ok chunk_delay=0.02]]")
    terminal.read_until(b"Region")
    terminal.type(b"\x03")  # the terminal turns ^C into SIGINT for the foreground process group
    sent = time.monotonic()
    code, screen = terminal.finish()
    assert code == 130 and time.monotonic() - sent < 5
    assert "Traceback" not in screen
    assert "error: interrupted (generation gen-" in screen.splitlines()[-1]  # the error line comes last
    after_live = screen.split("\x1b[?25h")[-1]  # the cursor is shown again, then the text printed for good
    assert "Region" in after_live and "Section 1" in screen
    deadline = time.monotonic() + 5
    while not emulator.state.cancelled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emulator.state.cancelled


def test_login_prompt_hides_the_key_as_it_is_typed(emulator, user_dirs):
    terminal = Terminal(emulator, "auth", "login", key=None)
    terminal.read_until(b"LowRouter API key (input hidden): ")
    terminal.type(TEST_KEY.encode() + b"\n")
    code, screen = terminal.finish()
    assert code == 0, screen
    assert TEST_KEY not in screen and "stored key sk-lr-…cdef" in screen
    assert (user_dirs / ".config/lowrouter/key").read_text() == TEST_KEY + "\n"


# -- in-process, with streams that say they are terminals ---------------------------------------------


def on_a_tty(run_cli, *args, env=None, **kwargs):
    return run_cli(*args, env={"TERM": "xterm", "COLUMNS": "90", **(env or {})}, stdout_isatty=True,
                   stderr_isatty=True, **kwargs)


def colours(text):
    return re.findall(r"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|38;[25];[0-9;]+)m", text)


def test_chat_renders_markdown_and_never_colour_means_no_escapes(run_cli):
    plain = on_a_tty(run_cli, "chat", "--color", "never", "hi")
    assert plain.returncode == 0 and "• Answers here" in plain.stdout and "**" not in plain.stdout
    assert "\x1b" not in plain.stdout + plain.stderr
    styled = on_a_tty(run_cli, "chat", "hi")
    assert styled.returncode == 0 and "\x1b[1m" in styled.stdout and "**" not in styled.stdout
    assert "openai/eu-west" in styled.stderr and styled.stderr.startswith("\x1b[2m")


def test_no_color_removes_colour_but_keeps_the_layout(run_cli):
    models = on_a_tty(run_cli, "models", env={"NO_COLOR": "1", "COLUMNS": "150"})
    assert models.returncode == 0 and "In $/1M" in models.stdout and colours(models.stdout) == []
    chat = on_a_tty(run_cli, "chat", "hi", env={"NO_COLOR": "1"})
    assert chat.returncode == 0 and "•" in chat.stdout and colours(chat.stdout + chat.stderr) == []
    assert "\x1b[1m" in chat.stdout  # bold stays: NO_COLOR is about colour
    record = on_a_tty(run_cli, "generation", "last", "--wait", "5", env={"NO_COLOR": "1"})
    assert record.returncode == 0 and "gen-" in record.stdout and colours(record.stdout) == []
    coloured = on_a_tty(run_cli, "generation", "last", "--wait", "5")
    assert "\x1b[32m" in coloured.stdout  # without NO_COLOR the same view has colour


def test_force_color_and_color_always_colour_messages_in_a_pipe(run_cli):
    forced = run_cli("chat", "hi", env={"FORCE_COLOR": "1"}, key=None)
    assert forced.returncode == 3 and forced.stderr.startswith("\x1b[31mlowrouter:\x1b[0m error: no API key")
    always = run_cli("chat", "--color", "always", "hi", key=None)
    assert always.stderr.startswith("\x1b[31mlowrouter:\x1b[0m error:")
    plain = run_cli("chat", "hi", key=None)
    assert plain.stderr.startswith("lowrouter: error: no API key") and "\x1b" not in plain.stderr
    never = run_cli("chat", "--color", "never", "hi", key=None, env={"FORCE_COLOR": "1"})
    assert never.stderr.startswith("lowrouter: error:") and "\x1b" not in never.stderr


@pytest.mark.parametrize("args", [["models"], ["chat", "hi"], ["stream", "hi"], ["generation", "--list"],
                                  ["auth", "status"], ["config", "list"]])
def test_every_command_honours_color_never_on_a_terminal(run_cli, args):
    assert on_a_tty(run_cli, "chat", "fill the history").returncode == 0
    assert run_cli("config", "set", "region", "eu-west").returncode == 0
    shown = on_a_tty(run_cli, *args, "--color", "never", env={"COLUMNS": "150"})
    assert shown.returncode == 0 and shown.stdout and "\x1b" not in shown.stdout + shown.stderr
    styled = on_a_tty(run_cli, *args, env={"COLUMNS": "150"})
    assert ("\x1b[" in styled.stdout + styled.stderr) == (args[0] not in ("auth", "config"))
