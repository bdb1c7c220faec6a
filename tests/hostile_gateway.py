"""A hostile gateway on 127.0.0.1 for the trust-boundary tests: it puts a payload of terminal
control sequences into every field the CLI might show, and records every request it receives.

The prompt picks the failure: "error400" (error.message), "html" (a non-JSON 502 body),
"midstream" (an error chunk after some text); anything else is an answer made of the payload.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import serve_in_background

# Clipboard write (OSC 52), window title (OSC 0), clear screen (CSI 2J), an unterminated DCS that
# would hide what follows, and C1 controls (U+009B is a one-character CSI, U+009D an OSC).
PAYLOAD = ("A\x1b]52;c;SGVsbG8=\x07B\x1b]0;pwned\x07C\x1b[2JD\x9b31mE\x9d0;t\x9cF\x7fG\rH"
           " [https://bank.example](https://evil.example) \x1bPqhidden")
# What may never reach a terminal from PAYLOAD (the unterminated DCS last, so it hides nothing here).
FORBIDDEN = ("\x1b]", "\x1b[2J", "\x1bP", "\x07", "\x9b", "\x9c", "\x9d", "\x7f", "\x1b]8;")
# What must show instead: each control as a visible placeholder.
SHOWN = ("\\x1b]52;c;SGVsbG8=\\x07", "\\x1b]0;pwned\\x07", "\\x1b[2J", "\\x9b31m", "\\x9d0;t\\x9c", "\\x7f",
         "\\x1bPqhidden")
GENERATION = "gen-\x1b]0;id\x07x"


class Request:
    def __init__(self, method: str, path: str, headers: dict, body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


class HostileGateway:
    def __init__(self, payload: str = PAYLOAD) -> None:
        self.payload = payload
        self.requests: list[Request] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                gateway._record(self, b"")
                gateway._get(self)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway._record(self, body)
                gateway._post(self, json.loads(body or b"{}"))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        serve_in_background(self.server)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "HostileGateway":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- responses -----------------------------------------------------------------------------

    def _record(self, handler, body: bytes) -> None:
        self.requests.append(Request(handler.command, handler.path, dict(handler.headers), body))

    def _send(self, handler, status: int, body: bytes, content_type: str = "application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("X-Hostile", self.payload.replace("\r", "").encode("utf-8").decode("latin-1"))
        handler.send_header("X-LowRouter-Generation-Id", GENERATION.encode().decode("latin-1"))
        handler.end_headers()
        handler.wfile.write(body)

    def _json(self, handler, status: int, value) -> None:
        self._send(handler, status, json.dumps(value).encode())

    def _lowrouter(self) -> dict:
        return {"generation_id": GENERATION,
                "routed": {"model": "m/" + self.payload, "provider": "p\x1b]0;t\x07", "region": "r\x9b2J"}}

    def _get(self, handler) -> None:
        path = handler.path.split("/api/v1", 1)[-1]
        if path.startswith("/models"):
            model = {"id": "m/x\x1b]0;t\x07", "name": self.payload, "context_length": 1000,
                     "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
            return self._json(handler, 200, {"data": [model]})
        if path.startswith("/generation"):
            return self._json(handler, 200, {"data": {
                "id": GENERATION, "model": "m/x\ncost: $0.00" + self.payload, "router": "lowrouter/auto",
                "provider_name": "p\x1b]0;t\x07", "finish_reason": "stop\tforged", "streamed": True,
                "tokens_prompt": 1, "tokens_completion": 2, "total_cost": 0.001,
                "lowrouter": {"region": "r\x9b2J", "routing_trace": {
                    "strategy": "s\x1b[2J", "requested": "m", "candidates": [{"provider": "p\x07", "region": "r"}],
                    "attempts": [{"attempt": 1, "provider": "p\x9d", "region": "r", "status": 200,
                                  "selected": True}]}}}})
        return self._json(handler, 404, {"error": {"message": "no such path " + self.payload, "code": 404}})

    def _post(self, handler, body: dict) -> None:
        prompt = json.dumps(body.get("messages"))
        if "error400" in prompt:
            return self._json(handler, 400, {"error": {"message": self.payload, "code": 400}})
        if "html" in prompt:
            return self._send(handler, 502, f"<html><body>{self.payload}</body></html>".encode(), "text/html")
        usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
        if not body.get("stream"):
            return self._json(handler, 200, {
                "id": GENERATION, "object": "chat.completion", "model": "m/" + self.payload,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.payload},
                             "finish_reason": "stop"}],
                "usage": usage, "lowrouter": self._lowrouter()})
        events = []
        for start in range(0, len(self.payload), 7):  # sequences split across events
            events.append({"id": GENERATION, "model": "m/x", "lowrouter": self._lowrouter(),
                           "choices": [{"index": 0, "delta": {"content": self.payload[start:start + 7]},
                                        "finish_reason": None}]})
        if "midstream" in prompt:
            events.append({"error": {"message": self.payload, "code": 502}})
        else:
            events.append({"id": GENERATION, "model": "m/x", "lowrouter": self._lowrouter(), "usage": usage,
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
        self._send(handler, 200, data, "text/event-stream")
