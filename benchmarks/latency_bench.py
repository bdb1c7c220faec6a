"""Token visibility: how long after a token leaves the gateway it is on the screen, for a paced
answer with pauses (the case where a redraw that waits for the next token shows up), as prose, as
a long code block or as a long table (where a frame costs the most).

    python benchmarks/latency_bench.py [--kind words|code|table] [--tokens 300] [--gap 0.02]
                                       [--pause 1.0] [--every 25] [--first-delay 0.3]

A small SSE gateway in this process sends one unique word per event (`first-delay` after the
headers, then `gap` apart, with a `pause` after every `every` words) and notes when each left; the reader of a real pseudo-terminal (100×40) notes
when each word first appears in what lowrouter drew. Same for a pipe, as the reference. In code
and table answers each line carries a unique word (`m0001x`), timed from the event that sent it.
Bound (issue 12): every token visible within 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import COLUMNS, ROWS  # noqa: E402

BIN = Path(sys.executable).parent
MARKER = re.compile(r"m\d{4}x")


def serve_once(listener: socket.socket, words: list[str], gap: float, pause: float, every: int, sent: dict,
               first_delay: float) -> None:
    connection, _ = listener.accept()
    with connection:
        request = b""
        while b"\r\n\r\n" not in request:
            request += connection.recv(65536)
        head, _, body = request.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(body) < length:
            body += connection.recv(65536)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        time.sleep(first_delay)  # the model's time to a first token
        for index, word in enumerate(words):
            chunk = {"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
            connection.sendall(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            sent[word] = time.monotonic()
            time.sleep(pause if (index + 1) % every == 0 else gap)
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        connection.sendall(b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n")


def answer(kind: str, count: int) -> list[str]:
    """The answer's events: one word (with the space or line break before it) each."""
    from lowrouter_cli.emulator.scenarios import tokenize

    if kind == "words":
        return [f"m{n:04d}x " for n in range(count)]
    if kind == "code":
        text = "```python\n" + "\n".join(f"    m{n:04d}x = compute(value, {n % 7})" for n in range(count)) + "\n```\n"
    else:
        text = "| id | model | price |\n|---|---|---|\n" + "\n".join(
            f"| {n} | m{n:04d}x | {n % 97}.5 |" for n in range(count)) + "\n"
    return tokenize(text)


def run(mode: str, words: list[str], args: argparse.Namespace) -> list[float]:
    markers = [MARKER.search(word).group() for word in words if MARKER.search(word)]
    import fcntl
    import pty
    import struct
    import termios

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sent: dict[str, float] = {}
    server = threading.Thread(target=serve_once, args=(listener, words, args.gap, args.pause, args.every, sent,
                                                       args.first_delay),
                              daemon=True)
    server.start()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1",
                   LOWROUTER_API_KEY="sk-lr-latency-0000", LOWROUTER_NO_LOG="1", XDG_DATA_HOME=tmp,
                   XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp, TERM="xterm-256color")
        env.pop("COLUMNS", None)
        if mode == "terminal":
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            stdout = slave
        else:
            master, stdout = os.pipe()
        process = subprocess.Popen([str(BIN / "lowrouter"), "stream", "hi"], env=env, stdin=subprocess.DEVNULL,
                                   stdout=stdout, stderr=subprocess.DEVNULL)
        os.close(stdout)
        seen: dict[str, float] = {}
        window, next_index = "", 0
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            window = (window + data.decode("utf-8", "replace"))[-20000:]
            while next_index < len(markers) and markers[next_index] in window:
                seen[markers[next_index]] = now
                next_index += 1
        process.wait(30)
        os.close(master)
    server.join(5)
    sent_at = {MARKER.search(token).group(): at for token, at in sent.items() if MARKER.search(token)}
    return [seen[marker] - sent_at[marker] for marker in markers if marker in seen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=("words", "code", "table"), default="words")
    parser.add_argument("--tokens", type=int, default=300, help="words, or lines of code or rows of the table")
    parser.add_argument("--gap", type=float, default=0.02)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--first-delay", type=float, default=0.3)
    args = parser.parse_args()
    words = answer(args.kind, args.tokens)
    print(f"{args.kind}: {args.tokens} {'words' if args.kind == 'words' else 'lines'}, {len(words)} events "
          f"{args.gap * 1000:g} ms apart, a {args.pause:g} s pause after every {args.every}\n")
    print(f"{'where':10} {'seen':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for mode in ("pipe", "terminal"):
        delays = sorted(run(mode, words, args))
        p95 = delays[int(len(delays) * 0.95) - 1]
        print(f"{mode:10} {len(delays):6} {statistics.median(delays) * 1000:10.1f} {p95 * 1000:8.1f} "
              f"{delays[-1] * 1000:8.1f}")
        if mode == "terminal":
            worst = delays[-1]
    print(f"\nslowest token on the terminal: {worst * 1000:.0f} ms (bound 100 ms) {'ok' if worst <= 0.1 else 'OVER'}")
    sys.exit(0 if worst <= 0.1 else 1)


if __name__ == "__main__":
    main()
