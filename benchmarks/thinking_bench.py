"""How soon a terminal shows that a reasoning model is thinking: the `thinking…` status line on
stderr, measured from the moment the emulator writes the first reasoning chunk, side by side with
the same measure for the first word of a plain answer (the baseline: what a token costs to show).

    python benchmarks/thinking_bench.py [--repeat 15]

`lowrouter stream` runs with stdout and stderr on a pseudo-terminal (80×24, TERM=xterm); the
emulator runs in this process, so its write times and the terminal's read times share one clock.
Each answer pauses 0.3 s between chunks, so the first reasoning chunk stands alone on the wire.
Bound (issue 13): the status shows within 100 ms of the first reasoning token (median and worst).
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import fcntl
import termios

from lowrouter_cli.emulator import streaming
from lowrouter_cli.emulator.server import Emulator

KEY = "sk-lr-bench-0000000000"
BOUND = 0.100
sent: list[tuple[float, bytes]] = []  # (monotonic time, bytes) of every write the emulator makes


def _recording_writer(original):
    def make(handler, **options):
        write = original(handler, **options)

        def recorded(data: bytes) -> None:
            write(data)
            handler.wfile.flush()
            sent.append((time.monotonic(), data))

        return recorded

    return make


def seen_after(base_url: str, home: str, prompt: str, wire_marker: bytes, screen_marker: bytes) -> float:
    """Seconds from the write holding `wire_marker` to `screen_marker` on the terminal."""
    sent.clear()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, LOWROUTER_BASE_URL=base_url, LOWROUTER_API_KEY=KEY, TERM="xterm", COLUMNS="80",
               XDG_DATA_HOME=home, XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home)
    process = subprocess.Popen([sys.executable, "-m", "lowrouter_cli", "stream", "--no-log", prompt],
                               stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen, seen = b"", None
    deadline = time.monotonic() + 30
    try:
        while seen is None and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                screen += data
                if screen_marker in screen:
                    seen = time.monotonic()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        os.close(master)
    wrote = next((t for t, data in sent if wire_marker in data), None)
    if seen is None or wrote is None:
        raise SystemExit(f"never saw {screen_marker!r} (screen: {screen[-200:]!r})")
    return seen - wrote


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    streaming._writer = _recording_writer(streaming._writer)
    cases = {
        "thinking status after the first reasoning token":
            ("[[answer:reasoning words=20]] [[fault:ok chunk_delay=0.3]]", b'"reasoning"', b"thinking"),
        "first word of a plain answer (baseline)":
            ("hi [[fault:ok chunk_delay=0.3]]", b'"content": "Hello"', b"Hello"),
    }
    figures: dict[str, list[float]] = {name: [] for name in cases}
    with Emulator(api_key=KEY) as emulator, tempfile.TemporaryDirectory() as home:
        for _ in range(args.repeat):  # alternated, so load on the machine hits both alike
            for name, (prompt, wire, screen) in cases.items():
                figures[name].append(seen_after(emulator.base_url, home, prompt, wire, screen))
    print(f"{args.repeat} runs each, alternated; milliseconds from the emulator's write to the terminal\n")
    print(f"{'':52} {'median':>8} {'worst':>8}")
    for name, values in figures.items():
        print(f"{name:52} {statistics.median(values) * 1000:8.1f} {max(values) * 1000:8.1f}")
    status, baseline = (statistics.median(v) for v in figures.values())
    print(f"\nstatus / first word (medians): {status / baseline:.2f}")
    ok = statistics.median(figures[next(iter(cases))]) <= BOUND and max(figures[next(iter(cases))]) <= BOUND
    print(f"bound: status within {BOUND * 1000:.0f} ms (median and worst): {'ok' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
