"""What every benchmark here measures with, in one place, so the figures mean the same thing.

- Commands alternate (A B C A B C …) so drift on a shared machine moves every command alike.
- Wall time from a monotonic clock around the process; CPU (user + system) from the child's
  rusage; peak memory from `/usr/bin/time -f %M`, the command's own high-water mark (wait4's
  ru_maxrss in this process would carry our own peak across fork and exec).
- A command can run on a real pseudo-terminal (output drained as a terminal would), or with
  stdout on a pipe that is drained.
- Figures are medians, with the spread (min–max) beside them.
"""

from __future__ import annotations

import fcntl
import os
import pty
import statistics
import struct
import subprocess
import tempfile
import termios
import threading
import time
from dataclasses import dataclass

TIME = "/usr/bin/time"
COLUMNS, ROWS = 100, 40
on_terminal = "terminal"


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    output_bytes: int


@dataclass
class Row:
    name: str
    runs: list

    def median(self, field: str) -> float:
        return statistics.median(getattr(run, field) for run in self.runs)

    def spread(self, field: str) -> tuple[float, float]:
        values = [getattr(run, field) for run in self.runs]
        return min(values), max(values)


def as_installed(env: dict) -> dict:
    """The environment without PYTHONDONTWRITEBYTECODE (set on these machines): with it, every run
    compiles every module from source, which an installed copy (pip writes .pyc files) never does."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], env: dict, mode: str | None = None, stdin: bytes | None = None) -> Run:
    """Run `cmd` once (stdout on a drained pipe, or on a pty when mode is on_terminal)."""
    env = as_installed(env)
    with tempfile.NamedTemporaryFile("r") as peak_file:
        full = [TIME, "-f", "%M", "-o", peak_file.name, *cmd]
        if mode == on_terminal:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            stdout = stderr = slave
        else:
            master, stdout = os.pipe()
            stderr = subprocess.DEVNULL
        received = [0]

        def drain() -> None:
            while True:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:
                    return
                if not data:
                    return
                received[0] += len(data)

        started = time.perf_counter()
        process = subprocess.Popen(full, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        os.close(stdout)
        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        reader.join(10)
        os.close(master)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd[:4])} … failed with exit code {code}")
        peak_kib = int(peak_file.read().strip().splitlines()[-1])
    return Run(wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024, received[0])


def alternate(commands: dict, env: dict, repeat: int) -> list[Row]:
    """commands: name -> (argv, mode). Each round runs every command once, in order."""
    rows = {name: Row(name, []) for name in commands}
    for _ in range(repeat):
        for name, (argv, mode) in commands.items():
            rows[name].runs.append(measure(argv, env, mode))
    return list(rows.values())


def print_rows(rows: list[Row]) -> None:
    print(f"{'command':52} {'wall ms (min–max)':>22} {'CPU ms':>8} {'peak MiB':>9}")
    for row in rows:
        low, high = row.spread("wall")
        print(f"{row.name:52} {row.median('wall') * 1000:8.0f} ({low * 1000:4.0f}–{high * 1000:4.0f})"
              f" {row.median('cpu') * 1000:8.0f} {row.median('peak_mib'):9.1f}")
