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
