"""The gateway emulator: a real HTTP/1.1 server on 127.0.0.1 that speaks the LowRouter API.

Faults are chosen per request, by the first of: a queue the tests fill (`push_faults`), the
`X-Emulator-Fault` header, or a `[[fault:NAME k=v]]` directive in the prompt. Never imported
by the CLI's own code path.
"""

from __future__ import annotations

import email.utils
import hashlib
import itertools
import json
import secrets
import socket
import struct
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lowrouter_cli.emulator.answers import Generation, count_prompt_tokens, message_text, shape_answer
from lowrouter_cli.emulator.streaming import send_stream
from lowrouter_cli.emulator.scenarios import (
    AUTO_MODEL,
    AUTO_TARGET,
    MODELS,
    STATUS_MESSAGES,
    STATUS_TYPES,
    Fault,
    choose_route,
    directives,
    generation_record,
    model_by_id,
)

API_PREFIX = "/api/v1"
DEFAULT_KEY_PREFIX = "sk-lr-"


class GatewayState:
    """Everything the emulator remembers between requests; shared by the handler threads."""

    def __init__(self, api_key: str | None, record_delay: float, max_body: int) -> None:
        self.api_key = api_key
        self.record_delay = record_delay
        self.max_body = max_body
        self.lock = threading.Lock()
        self.faults: deque[Fault] = deque()
        self.records: dict[str, tuple[float, dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []  # method, path, headers, body of each request
        self.cancelled: list[str] = []
        self.stopping = threading.Event()
        self._ids = itertools.count(1)
        self._salt = secrets.token_hex(8)  # so that no two emulator processes hand out the same ids
        self.models_etag = '"' + hashlib.sha256(json.dumps(MODELS).encode()).hexdigest()[:16] + '"'

    def next_generation_id(self) -> str:
        with self.lock:
            n = next(self._ids)
        return "gen-" + hashlib.sha256(f"gen{self._salt}{n}".encode()).hexdigest()[:24]

    def take_fault(self) -> Fault | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None

    def store_record(self, record: dict[str, Any]) -> None:
        with self.lock:
            self.records[record["id"]] = (time.monotonic() + self.record_delay, record)

    def key_ok(self, key: str) -> bool:
        if self.api_key is not None:
            return key == self.api_key
        return key.startswith(DEFAULT_KEY_PREFIX) and len(key) > len(DEFAULT_KEY_PREFIX)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LowRouterEmulator/1.0"
    server: "EmulatorServer"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    @property
    def state(self) -> GatewayState:
        return self.server.state

    # -- dispatch ------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        body = self._read_body()
        if body is None:
            return
        with self.state.lock:
            self.state.requests.append(
                {"method": method, "path": path, "headers": dict(self.headers), "body": body}
            )
        if not self._authorized():
            return
        if method == "GET" and path == "/models":
            return self._models()
        if method == "GET" and path.startswith("/generation/"):
            return self._generation(path[len("/generation/") :])
        if method == "POST" and path == "/chat/completions":
            return self._chat(body)
        self._error(404, f"no route for {method} {path}", "not_found")

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
            length = len(body) if body is not None else self.state.max_body + 1
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = None
        if length > self.state.max_body:
            self._error(413, f"request body over the {self.state.max_body}-byte limit", "payload_too_large")
            self.close_connection = True
            return None
        if body is not None:
            return body
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        """A `Transfer-Encoding: chunked` body; None when it grows past the limit or is malformed."""
        parts: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                return None
            total += size
            if size < 0 or total > self.state.max_body:
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            self._error(401, "Missing Authorization header: send 'Authorization: Bearer <key>'", "unauthorized")
            return False
        if not self.state.key_ok(header[7:].strip()):
            self._error(401, "Invalid API key", "unauthorized")
            return False
        return True

    # -- endpoints -----------------------------------------------------------------------------

    def _models(self) -> None:
        etag = self.state.models_etag
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._json(200, {"object": "list", "data": MODELS, "total_count": len(MODELS)}, {"ETag": etag})

    def _generation(self, generation_id: str) -> None:
        with self.state.lock:
            entry = self.state.records.get(generation_id)
        if entry is None or time.monotonic() < entry[0]:
            return self._error(404, f"Generation {generation_id} not found", "not_found")
        self._json(200, {"data": entry[1]})

    def _chat(self, raw: bytes) -> None:
        try:
            request = json.loads(raw)
            messages = request["messages"]
            model_id = request.get("model") or AUTO_MODEL
            assert isinstance(messages, list) and isinstance(model_id, str)
            assert all(isinstance(m, dict) and message_text(m.get("content")) is not None for m in messages)
        except (ValueError, KeyError, TypeError, AssertionError):
            return self._error(400, "Invalid request body: expected JSON with 'model' and 'messages' whose "
                               "content is a string or a list of parts", "bad_request")
        prompt = "\n".join(message_text(m.get("content")) or "" for m in messages if m.get("role") == "user")
        prompt_fault, answer_spec = directives(prompt)
        header_fault = self.headers.get("X-Emulator-Fault")
        fault = self.state.take_fault() or (Fault.parse(header_fault) if header_fault else None) or prompt_fault
        fault = fault or Fault("ok")
        stream = request.get("stream") is True
        if self._status_fault(fault, stream):
            return
        if model_by_id(model_id) is None:
            return self._error(400, f"{model_id} is not a valid model ID", "bad_request")
        route_pin = request.get("route")
        if route_pin is not None and not isinstance(route_pin, dict):
            return self._error(400, "'route' must be an object", "bad_request")
        route = choose_route(model_id, route_pin)
        generation_id = self.state.next_generation_id()
        if route is None:
            where = ", ".join(f"route.{k}={v}" for k, v in (route_pin or {}).items())
            return self._error(
                503,
                f"No provider for {AUTO_TARGET if model_id == AUTO_MODEL else model_id} is available matching {where}; "
                "not falling back because the route is pinned.",
                "provider_overloaded",
                availability={"code": "route_unavailable", "retryable": False,
                              "requested_models": [model_id],
                              "excluded_by": [f"route.{k}" for k in (route_pin or {})]},
                generation_id=generation_id,
            )
        answer = shape_answer(prompt, answer_spec, request.get("max_tokens"))
        context = Generation(generation_id, model_id, route, route_pin, count_prompt_tokens(messages), answer)
        if stream:
            options = request.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            send_stream(self, context, fault, include_usage)
        else:
            self._complete(context, fault)

    # -- faults that replace the whole response ----------------------------------------------------

    def _status_fault(self, fault: Fault, stream: bool) -> bool:
        name = fault.name
        if name.isdigit():
            status = int(name)
            headers = {}
            if "retry_after" in fault.params:
                headers["Retry-After"] = fault.params["retry_after"]
            if "retry_after_ms" in fault.params:
                headers["retry-after-ms"] = fault.params["retry_after_ms"]
            if "retry_after_date" in fault.params:
                when = time.time() + fault.number("retry_after_date", 1)
                headers["Retry-After"] = email.utils.formatdate(when, usegmt=True)
            availability = None
            if status == 503 and not fault.flag("plain"):  # plain: a load balancer's 503, no availability
                retryable = fault.flag("retryable")
                availability = {"code": "region_unavailable" if retryable else "route_unavailable",
                                "retryable": retryable}
            self._error(status, fault.params.get("message", STATUS_MESSAGES.get(status, f"Error {status}")),
                        STATUS_TYPES.get(status, "gateway_error"), availability=availability, headers=headers,
                        openai_shape=fault.flag("openai"))
            return True
        if name == "html":
            page = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
                    b"</h1></center><hr><center>nginx</center></body></html>")
            self._raw(int(fault.number("status", 502)), page, "text/html")
            return True
        if name == "json_for_stream" and stream:
            self._json(200, {"error": {"code": 502, "message": "Provider returned an invalid response",
                                       "metadata": {"error_type": "provider_error"}}})
            return True
        if name == "silent":
            # Accept the request, then say nothing until the client gives up (or we stop).
            self.state.stopping.wait(fault.number("seconds", 60))
            self.close_connection = True
            return True
        if name == "slow_first_byte":
            self.state.stopping.wait(fault.number("delay", 2))
        return False

    # -- answers ---------------------------------------------------------------------------------

    def _complete(self, gen: Generation, fault: Fault) -> None:
        body = gen.completion()
        if fault.name == "error_in_200":
            body = {"error": {"code": int(fault.number("code", 502)), "message": "Provider returned an error",
                              "metadata": {"error_type": "provider_error"}},
                    "lowrouter": {"generation_id": gen.generation_id}}
        elif fault.name == "finish_error":
            body["choices"][0]["finish_reason"] = "error"
            body["choices"][0]["error"] = {"code": 502, "message": "Provider disconnected mid-generation"}
        elif fault.name == "drop":
            self._drop(b'{"id": "chatcmpl-')
            return
        self._store(gen, streamed=False, cancelled=False)
        self._json(200, body, {"X-LowRouter-Generation-Id": gen.generation_id})

    def _store(self, gen: Generation, *, streamed: bool, cancelled: bool, finish_reason: Any = "") -> None:
        self.state.store_record(
            generation_record(
                gen.generation_id, gen.model_id, gen.route, gen.route_pin,
                gen.usage["prompt_tokens"], gen.usage["completion_tokens"],
                streamed=streamed, cancelled=cancelled,
                finish_reason=gen.finish_reason if finish_reason == "" else finish_reason,
            )
        )

    # -- low-level responses --------------------------------------------------------------------

    def _drop(self, partial: bytes | None) -> None:
        """Reset the connection (RST, not a clean FIN), after sending `partial` if given."""
        if partial:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(partial)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _error(self, status: int, message: str, error_type: str, *, availability: Any = None,
               generation_id: str | None = None, headers: dict[str, str] | None = None,
               openai_shape: bool = False) -> None:
        if openai_shape:
            body: dict[str, Any] = {"error": {"message": message, "type": error_type, "code": error_type}}
        else:
            body = {"error": {"code": status, "message": message, "metadata": {"error_type": error_type}}}
            if availability is not None:
                body["error"]["availability"] = availability
        if generation_id:
            body["lowrouter"] = {"generation_id": generation_id}
        self._json(status, body, headers)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(body).encode(), "application/json", headers)

    def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: GatewayState, verbose: bool = False) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.verbose = verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (Ctrl-C, | head, a dropped test connection) are normal here.
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Emulator:
    """Start and stop the emulator in a background thread; the tests' fixture."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, api_key: str | None = None,
                 record_delay: float = 1.0, max_body: int = 32 * 1024 * 1024, verbose: bool = False) -> None:
        self.state = GatewayState(api_key, record_delay, max_body)
        self.server = EmulatorServer((host, port), self.state, verbose)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    def push_faults(self, *specs: str) -> None:
        """Queue faults for the next chat requests, in order; "ok" answers normally."""
        with self.state.lock:
            self.state.faults.extend(Fault.parse(spec) for spec in specs)

    def chat_requests(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [r for r in self.state.requests if r["path"] == "/chat/completions"]

    def start(self) -> "Emulator":
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
