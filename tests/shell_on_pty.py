"""An interactive shell (bash, zsh) on a pseudo-terminal, for completion tests: type into it, wait
for what it shows, and read the screen as a person would (pyte)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time

import pyte


class ShellOnPty:
    def __init__(self, argv, *, env, cwd, rows=24, columns=200):
        self.rows, self.columns = rows, columns
        self._master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                         start_new_session=True)
        os.close(slave)
        self.output = b""

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def read_until(self, marker: bytes, start: int = 0, timeout: float = 10) -> bytes:
        """Everything shown from `start` once `marker` is among it (fails after `timeout` s)."""
        deadline = time.monotonic() + timeout
        while marker not in self.output[start:] and time.monotonic() < deadline:
            if select.select([self._master], [], [], 0.2)[0]:
                self.output += os.read(self._master, 65536)
        assert marker in self.output[start:], self.output
        return self.output[start:]

    def close(self, exit_keys: str = "exit\r") -> list[str]:
        """Leave the shell; returns the screen's non-blank lines."""
        self.type(exit_keys)
        self._process.wait(10)
        os.close(self._master)
        screen = pyte.Screen(self.columns, self.rows)
        screen.set_mode(pyte.modes.LNM)
        pyte.Stream(screen).feed(self.output.decode("utf-8", "replace"))
        return [line.rstrip() for line in screen.display if line.strip()]
