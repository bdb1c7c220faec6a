"""Screen captures: run `lowrouter` with its output on a pseudo-terminal of a given size and replay
what it wrote through a terminal emulator (pyte), so tests compare the text a person would see,
not the escape codes that drew it. `capture` starts a process, which finds the terminal and its
size itself; `capture_in_process` runs `cli.run` here, with stdout and stderr on the terminal and
its size in COLUMNS and LINES, for what only the screen shows (layout, what stays drawn)."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import termios
import threading
from dataclasses import dataclass

import pyte

from conftest import TEST_KEY, cli_environ, console_script, run_in_process


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
    master, slave = terminal(columns, rows)
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environ.update(TERM="xterm-256color", LOWROUTER_API_KEY=TEST_KEY)
    if base_url:
        environ["LOWROUTER_BASE_URL"] = base_url
    environ.update(env or {})
    process = subprocess.Popen([console_script(program), *args], stdin=slave, stdout=slave, stderr=slave,
                               env=environ, start_new_session=True)
    os.close(slave)
    raw = read_all(master)
    code = process.wait(timeout)
    os.close(master)
    return replay(code, raw, columns, rows)


def capture_in_process(base_url: str, *args: str, columns: int = 80, rows: int = 60,
                       env: dict | None = None) -> Capture:
    code, raw = on_pty(cli_environ(base_url, TEST_KEY, {"TERM": "xterm-256color", "COLUMNS": str(columns),
                                                         "LINES": str(rows), **(env or {})}),
                       list(args), columns, rows)
    return replay(code, raw, columns, rows)


def on_pty(environ: dict, argv: list, columns: int = 200, rows: int = 40) -> tuple[int, bytes]:
    """Run `lowrouter ARGV` in-process with stdout and stderr on one pseudo-terminal; returns the
    exit code and every byte the terminal received."""
    master, slave = terminal(columns, rows)
    screen = io.TextIOWrapper(os.fdopen(slave, "wb", buffering=0), encoding="utf-8", write_through=True)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(read_all(master)))
    reader.start()
    try:
        result = run_in_process(argv, environ=environ, stdout=screen, stderr=screen, stdout_isatty=True,
                                stderr_isatty=True)
    finally:
        screen.close()
        reader.join(10)
        os.close(master)
    return result.returncode, b"".join(received)


def terminal(columns: int, rows: int) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return master, slave


def read_all(master: int) -> bytes:
    """Everything the terminal receives until every end of its other side is closed."""
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def replay(code: int, output: bytes, columns: int, rows: int) -> Capture:
    raw = output.decode("utf-8", "replace")
    screen = pyte.Screen(columns, rows)
    screen.set_mode(pyte.modes.LNM)  # the pty turns \n into \r\n; replay it the same way
    pyte.Stream(screen).feed(raw)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return Capture(code, raw, lines)
