"""`lowrouter` on a pseudo-terminal: live Markdown, --raw, the footer with tokens per second."""

import fcntl
import os
import pty
import struct
import subprocess
import termios

from conftest import TEST_KEY, console_script


def on_terminal(emulator, *args, env=None):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))
    environ = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=TEST_KEY, TERM="xterm")
    environ.update(env or {})
    process = subprocess.Popen([console_script("lowrouter"), *args], stdin=subprocess.DEVNULL, stdout=slave,
                               stderr=slave, env=environ)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(60)
    os.close(master)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_stream_renders_markdown_live_with_a_footer(emulator):
    code, screen = on_terminal(emulator, "stream", "hi")
    assert code == 0
    assert "•" in screen and "**LowRouter emulator**" not in screen  # Markdown, not raw
    assert "tok/s" in screen and "gen-" in screen


def test_stream_raw_prints_plain_tokens_on_a_terminal(emulator):
    code, screen = on_terminal(emulator, "stream", "--raw", "hi")
    assert code == 0 and "**LowRouter emulator**" in screen and "- Answers here" in screen


def test_chat_renders_markdown_and_never_colour_means_no_escapes(emulator):
    code, screen = on_terminal(emulator, "chat", "--color", "never", "hi")
    assert code == 0 and "•" in screen and "\x1b[" not in screen
    code, screen = on_terminal(emulator, "chat", "hi")
    assert code == 0 and "\x1b[" in screen and "openai/eu-west" in screen


def colours(text):
    import re
    return re.findall(r"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|38;[25];[0-9;]+)m", text)


def test_no_color_removes_colour_but_keeps_the_layout(emulator):
    code, screen = on_terminal(emulator, "models", env={"NO_COLOR": "1", "COLUMNS": "150"})
    assert code == 0 and "Prompt $/1M" in screen and colours(screen) == []
    code, screen = on_terminal(emulator, "chat", "hi", env={"NO_COLOR": "1"})
    assert code == 0 and "•" in screen and colours(screen) == []


def test_force_color_and_color_always_colour_messages_in_a_pipe(run_cli):
    forced = run_cli("chat", "hi", env={"FORCE_COLOR": "1"}, key=None)
    assert forced.returncode == 3 and "\x1b[31m" in forced.stderr
    always = run_cli("chat", "--color", "always", "hi", key=None)
    assert "\x1b[31m" in always.stderr
    plain = run_cli("chat", "hi", key=None)
    assert "\x1b" not in plain.stderr
    never = run_cli("chat", "--color", "never", "hi", key=None, env={"FORCE_COLOR": "1"})
    assert "\x1b" not in never.stderr


def test_every_command_honours_color_never_on_a_terminal(emulator):
    for args in (["models"], ["chat", "hi"], ["stream", "hi"], ["generation", "--list"], ["auth", "status"],
                 ["config", "list"]):
        code, screen = on_terminal(emulator, *args, "--color", "never", env={"COLUMNS": "150"})
        assert code == 0 and "\x1b" not in screen, args
