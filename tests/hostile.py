"""A misbehaving gateway on 127.0.0.1 (raw bytes, any framing, any pace) and an in-process runner
of the CLI against it, for the hostile-gateway tests."""

from __future__ import annotations

import gzip
import io
import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lowrouter_cli.cli import run
from lowrouter_cli.context import Environment

from conftest import serve_in_background

KEY = "sk-lr-test-0123456789abcdef"

Respond = Callable[["Exchange"], None]


@dataclass
class Exchange:
    """One request as received, and a way to answer it byte by byte."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    wfile: io.BufferedIOBase

    def send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(65537).decode("latin-1").split()
        if len(line) < 2:
            return
        headers = {}
        while True:
            header = self.rfile.readline(65537).decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        exchange = Exchange(line[0], line[1], headers, body, self.wfile)
        self.server.requests.append(exchange)
        try:
            self.server.respond(exchange)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HostileGateway:
    def __init__(self, respond: Respond) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.respond = respond
        self.server.requests = []

    @property
    def requests(self) -> list[Exchange]:
        return self.server.requests

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def __enter__(self) -> "HostileGateway":
        serve_in_background(self.server)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def head(status: str = "200 OK", *headers: str, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers, "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_response(body: object, *headers: str, status: str = "200 OK") -> bytes:
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return head(status, "Content-Type: application/json", *headers, length=len(data)) + data


def sse(*payloads: object, done: bool = True) -> bytes:
    events = [f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n".encode() for p in payloads]
    if done:
        events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def sse_response(stream: bytes, *headers: str) -> bytes:
    return head("200 OK", "Content-Type: text/event-stream", *headers) + stream


def completion(content: object = "Hello.", **extra: object) -> dict:
    body = {"id": "chatcmpl-1", "object": "chat.completion", "model": "openai/gpt-4o-mini",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            "lowrouter": {"generation_id": "gen-1"}}
    body.update(extra)
    return body


def chunk(text: str | None = None, finish: str | None = None, **extra: object) -> dict:
    delta = {} if text is None else {"content": text}
    body = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "openai/gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            "lowrouter": {"generation_id": "gen-1"}}
    body.update(extra)
    return body


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    env: Environment = field(repr=False)


def text_stream(data: bytes = b"") -> io.TextIOWrapper:
    """Like a real stdout: UTF-8, strict, so text that can't be encoded fails as it would there."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", write_through=True)


def run_cli(tmp_path: Path, base_url: str, *argv: str, stdin: str = "", environ: dict | None = None,
            tty: bool = False) -> Outcome:
    env = Environment(stdin=text_stream(stdin.encode()), stdout=text_stream(), stderr=text_stream(),
                      stdout_isatty=tty, stderr_isatty=tty,
                      environ={"LOWROUTER_API_KEY": KEY, "LOWROUTER_BASE_URL": base_url, "COLUMNS": "100",
                               **(environ or {})},
                      config_dir=tmp_path / "config", cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                      sleep=lambda seconds: None)
    code = run(env, list(argv))
    return Outcome(int(code), env.stdout.buffer.getvalue().decode(), env.stderr.buffer.getvalue().decode(), env)


def drip(exchange: Exchange, data: bytes, every: float, stop: threading.Event | None = None) -> None:
    """Send one byte at a time, `every` seconds apart, until done or the client goes away."""
    for i in range(len(data)):
        if stop is not None and stop.is_set():
            return
        exchange.send(data[i:i + 1])
        time.sleep(every)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
