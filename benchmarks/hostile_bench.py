"""Peak memory and wall time of lowrouter against hostile gateways (issue 14), side by side with
an ordinary answer from the same loopback server.

Each case runs `python -m lowrouter_cli` as a child under /usr/bin/time (its own high-water
mark, %M) against a raw-socket gateway in this process, checks the exit code, and prints medians
of --repeat runs with the bound each must meet: peak under 100 MiB, wall time bounded.

    python benchmarks/hostile_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

MiB = 1024 * 1024
KEY = "sk-lr-bench-0123456789abcdef"
STOP = threading.Event()


def head(content_type: str, *extra: str) -> bytes:
    return ("\r\n".join(["HTTP/1.1 200 OK", f"Content-Type: {content_type}", "Connection: close", *extra])
            + "\r\n\r\n").encode()


def gzip_bomb(prefix: bytes, size: int) -> bytes:
    """About 1 MB of gzip that expands to `size` bytes: `prefix` then 'a' to the end."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts, piece = [packer.compress(prefix)], b"a" * MiB
    for _ in range(size // MiB):
        parts.append(packer.compress(piece))
    parts.append(packer.flush())
    return b"".join(parts)


def completion(text: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop"}], "lowrouter": {"generation_id": "gen-b"}}).encode()


def sse_line(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def token(text: str, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


def build_cases(scratch: Path) -> list[tuple]:
    """(name, argv, respond(wfile), expected exit code, wall-time bound in s)."""
    bomb = gzip_bomb(b'{"choices":[{"message":{"content":"', 1000 * MiB)
    long_line = sse_line(token("x" * (15 * MiB))) + sse_line(token("", "stop")) + b"data: [DONE]\n\n"
    ordinary = b"".join(sse_line(token("x" * 100)) for _ in range(15 * MiB // 160)) + sse_line(token("", "stop"))
    junk_cache = scratch / "cache" / "lowrouter"
    junk_cache.mkdir(parents=True, exist_ok=True)

    def send(data: bytes, content_type: str = "application/json", *extra: str):
        return lambda w: w.write(head(content_type, f"Content-Length: {len(data)}", *extra) + data)

    def endless_line(w):
        w.write(head("text/event-stream") + b"data: ")
        piece = b"x" * 65536
        while not STOP.is_set():
            w.write(piece)

    def drip(data: bytes, every: float):
        def respond(w):
            for i in range(len(data)):
                w.write(data[i:i + 1])
                w.flush()
                time.sleep(every)
        return respond

    def ticking(w):
        w.write(head("text/event-stream"))
        while True:
            w.write(sse_line(token("tick ")))
            w.flush()
            time.sleep(0.05)

    big_values = b"[" + b"{}," * (10 * MiB // 3) + b"{}]"
    return [
        ("ordinary answer (reference), chat", ["chat", "hi"], send(completion("Hello.")), 0, 5),
        ("gzip bomb 1 MB -> 1000 MiB, chat", ["chat", "hi"], send(bomb, "application/json",
                                                                  "Content-Encoding: gzip"), 7, 10),
        ("gzip bomb 1 MB -> 1000 MiB, models", ["models", "--refresh"], send(bomb, "application/json",
                                                                             "Content-Encoding: gzip"), 7, 10),
        ("10 MiB of [{},{},...], chat", ["chat", "hi"], send(big_values), 7, 10),
        ("endless SSE line, stream", ["stream", "hi"], endless_line, 7, 15),
        ("one 15 MiB SSE line, stream", ["stream", "hi"], send(long_line, "text/event-stream"), 0, 15),
        ("15 MiB of ordinary SSE lines, stream", ["stream", "hi"], send(ordinary, "text/event-stream"), 0, 15),
        ("body dripped at 10 B/s, chat --timeout 2", ["chat", "--timeout", "2", "hi"],
         drip(head("application/json", "Content-Length: 500") + b"{" * 500, 0.1), 8, 4),
        ("headers dripped at 10 B/s, stream --timeout 2", ["stream", "--timeout", "2", "hi"],
         drip(head("text/event-stream", *[f"X-Pad-{i}: pad" for i in range(50)]), 0.1), 8, 4),
        ("tokens forever, stream --max-time 2", ["stream", "--max-time", "2", "hi"], ticking, 8, 4),
    ]


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        length = 0
        while True:
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        self.rfile.read(length)
        try:
            self.server.respond(self.wfile)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def measure(argv: list[str], env: dict) -> tuple[int, float, float]:
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, sys.executable, "-m", "lowrouter_cli",
                               *argv], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=120)
        wall = time.perf_counter() - started
        return done.returncode, wall, int(peak.read().split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        cases = build_cases(scratch_path)
        server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {**os.environ, "LOWROUTER_API_KEY": KEY, "LOWROUTER_NO_LOG": "1", "LOWROUTER_NO_HISTORY": "1",
               "LOWROUTER_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/api/v1",
               "XDG_CACHE_HOME": str(scratch_path / "cache"), "XDG_CONFIG_HOME": str(scratch_path / "config"),
               "XDG_DATA_HOME": str(scratch_path / "data")}
        reference = None
        print(f"{'case':48} {'exit':>4} {'wall s':>7} {'peak MiB':>9} {'x ref':>6}  bound")
        for name, argv, respond, expected, wall_bound in cases:
            server.respond = respond
            runs = []
            for _ in range(args.repeat):
                STOP.clear()
                runs.append(measure(argv, env))
                STOP.set()
            codes = {code for code, _, _ in runs}
            wall = statistics.median(w for _, w, _ in runs)
            peak = statistics.median(p for _, _, p in runs)
            reference = reference or peak
            ok = codes == {expected} and peak < 100 and wall < wall_bound
            print(f"{name:48} {'/'.join(map(str, sorted(codes))):>4} {wall:7.2f} {peak:9.1f} {peak / reference:6.2f}"
                  f"  exit {expected}, < 100 MiB, < {wall_bound} s {'ok' if ok else 'FAILED'}")
        cache = scratch_path / "cache" / "lowrouter"
        print(f"model cache files written by the bombs: {len(list(cache.glob('models-*')))}")
        server.shutdown()


if __name__ == "__main__":
    main()
