"""Screen captures: run the installed `lowrouter` on a pseudo-terminal of a given size and replay
what it wrote through a terminal emulator (pyte), so tests compare the text a person would see,
not the escape codes that drew it."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from dataclasses import dataclass

import pyte

from conftest import TEST_KEY, console_script


@dataclass
class Capture:
    code: int
    raw: str  # everything written, escape codes and all
    lines: list[str]  # the screen afterwards, right-trimmed, trailing blank lines dropped

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def capture(base_url: str | None, *args: str, columns: int = 80, rows: int = 60, env: dict | None = None,
            program: str = "lowrouter", timeout: float = 60) -> Capture:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environ.update(TERM="xterm-256color", LOWROUTER_API_KEY=TEST_KEY)
    if base_url:
        environ["LOWROUTER_BASE_URL"] = base_url
    environ.update(env or {})
    process = subprocess.Popen([console_script(program), *args], stdin=slave, stdout=slave, stderr=slave,
                               env=environ, start_new_session=True)
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
    code = process.wait(timeout)
    os.close(master)
    raw = b"".join(chunks).decode("utf-8", "replace")
    screen = pyte.Screen(columns, rows)
    screen.set_mode(pyte.modes.LNM)  # the pty turns \n into \r\n; replay it the same way
    pyte.Stream(screen).feed(raw)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return Capture(code, raw, lines)
