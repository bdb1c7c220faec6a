"""Time to the first prompt of `lowrouter chat -i`, on a real pseudo-terminal, beside its floors.

    python benchmarks/session_bench.py [--repeat 15]

The session is timed from the process's start to prompt_toolkit's first cursor-position request
(ESC[6n, written as the prompt is drawn); the terminal answers it, as a real one would, and Ctrl-D
ends the session. Beside it, alternated: a bare Python, `lowrouter --version`, and importing what
a session can't do without (typer, prompt_toolkit). A fresh model cache is in place (the status
line and TAB completion read it). Bound (issue 17): the first prompt within 0.35 s (median).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_bench import BIN, KEY, EmulatorProcess  # noqa: E402

BOUND = 0.35
CPR_REQUEST = b"\x1b[6n"


def until_first_prompt(cmd: list[str], env: dict, limit: float = 20.0) -> float:
    """Seconds from spawning `cmd` on a pty to its first CPR request (or to its end, for a
    command that draws no prompt); the session is then ended with Ctrl-D."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen, elapsed = b"", None
    deadline = started + limit
    try:
        while elapsed is None and time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                elapsed = time.perf_counter() - started  # ended without a prompt (a baseline)
                break
            seen += data
            if CPR_REQUEST in seen:
                elapsed = time.perf_counter() - started
                os.write(master, b"\x1b[1;1R\x04")  # where the cursor is, then Ctrl-D
        if elapsed is None:
            raise SystemExit(f"no prompt within {limit} s from {' '.join(cmd)}: {seen[-300:]!r}")
        while True:  # drain until the session has ended
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        process.wait(10)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, TERM="xterm",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules load from .pyc, never compiled per run
        subprocess.run([lowrouter, "models"], env=env, stdout=subprocess.DEVNULL, check=True)  # a fresh cache
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "lowrouter --version": [lowrouter, "--version"],
            "python -c 'import typer, prompt_toolkit' (the floor)":
                [sys.executable, "-c", "import typer, prompt_toolkit.shortcuts"],
            "lowrouter chat -i (to the first prompt)": [lowrouter, "chat", "-i"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():  # alternated: drift moves every command alike
                times[name].append(until_first_prompt(cmd, env))
    print(f"medians of {args.repeat} alternated runs on a pseudo-terminal; spread is min–max\n")
    for name, values in times.items():
        print(f"{name:56} {statistics.median(values) * 1000:6.0f} ms  ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})")
    session = statistics.median(times["lowrouter chat -i (to the first prompt)"])
    print(f"\nfirst prompt {session * 1000:.0f} ms (bound {BOUND * 1000:.0f} ms): {'ok' if session <= BOUND else 'OVER'}")
    sys.exit(0 if session <= BOUND else 1)


if __name__ == "__main__":
    main()
