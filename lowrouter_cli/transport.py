"""The one HTTP transport: one requests.Session with auth, User-Agent, proxies and timeouts; bounded
reads of JSON bodies; typed errors built from the gateway's error envelope; retries by the policy in
retry.py; redirects by our rules. Streams come back as a ByteStream (byte_stream.py).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import urllib3.exceptions

from lowrouter_cli.requests_import import requests
from lowrouter_cli import __version__, deadline
from lowrouter_cli.byte_stream import ByteStream
from lowrouter_cli.decoding import STEP, accept_encoding, decoder_for
from lowrouter_cli.errors import (
    AuthError,
    GatewayError,
    LowRouterError,
    NetworkError,
    TruncatedAnswer,
    UsageError,
    error_for_status,
    parse_error_envelope,
)
from lowrouter_cli.http_adapter import FinalResponseAdapter
from lowrouter_cli.http_failures import network_error, redact_header, snippet, too_slow
from lowrouter_cli.jsontext import MAX_JSON_BYTES, MiB, TooLarge, loads_or_none
from lowrouter_cli.retry import (
    MAX_RETRY_AFTER,
    format_delay,
    retry_delay,
    retry_reason,
    server_wait,
    should_retry,
    wait_too_long,
)
from lowrouter_cli.urls import check_base_url, check_key_destination, choose_proxy, next_hop, shown_proxy

# Part of this module's interface since before the split (callers and tests import them from here).
from lowrouter_cli.retry import RETRYABLE_STATUSES, parse_retry_after  # noqa: F401, E402
from lowrouter_cli.urls import is_loopback  # noqa: F401, E402

ERROR_BODY_BYTES = 1 * MiB  # enough for any error message; the rest of an error body is dropped
CONNECT_TIMEOUT = 10.0

Announce = Callable[[str], None]


# -- results -------------------------------------------------------------------------------------


@dataclass
class JSONResponse:
    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass
class _Reply:
    """A response and its body, read in bounded steps (None: not read, a stream's)."""

    response: Any
    body: bytes | None = None


# -- the transport --------------------------------------------------------------------------------


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = 120.0,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_retries: int = 2,
        announce: Announce | None = None,
        log: Announce | None = None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.environ = os.environ if environ is None else environ
        self.api_key = api_key
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_retries = max_retries
        self.announce = announce or (lambda message: None)
        self.log = log
        self.sleep = sleep
        self.wall_clock = wall_clock
        self.jitter = jitter
        self._session: requests.Session | None = None
        self._check_base_url()

    def _check_base_url(self) -> None:
        origin = check_base_url(self.base_url)
        if self.api_key:
            check_key_destination(origin)
        # Every request goes to this origin (redirects elsewhere are refused): one proxy decision.
        self.proxy, self.proxy_variable = choose_proxy(origin, self.environ)
        if self.proxy and self.api_key and origin.scheme == "http":  # a proxy would read the key
            raise UsageError(f"refusing to send the API key in clear text through the proxy "
                             f"{shown_proxy(self.proxy)} ({self.proxy_variable})")

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            session.mount("http://", FinalResponseAdapter())
            session.mount("https://", FinalResponseAdapter())
            # No netrc, no environment-chosen credentials: proxies and the CA bundle are taken
            # from the environment deliberately, below and in _check_base_url.
            session.trust_env = False
            session.proxies = {"http": self.proxy, "https": self.proxy} if self.proxy else {}
            session.verify = self.environ.get("REQUESTS_CA_BUNDLE") or self.environ.get("CURL_CA_BUNDLE") or True
            session.headers["User-Agent"] = f"lowrouter-cli/{__version__}"
            session.headers["Accept-Encoding"] = accept_encoding()
            if self.api_key:
                session.headers["Authorization"] = f"Bearer {self.api_key}"
            self._session = session
        return self._session

    def require_key(self) -> None:
        if not self.api_key:
            raise AuthError(
                "no API key: set LOWROUTER_API_KEY, or store one with `lowrouter auth login`"
            )

    def get_json(self, path: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
        """GET a JSON body; a 304 (when `headers` carried If-None-Match) comes back with body None."""
        reply = self._send("GET", path, headers=headers)
        if reply.response.status_code == 304:
            return JSONResponse(304, dict(reply.response.headers), None)
        return self._read_json(reply)

    def post_json(self, path: str, body: Any) -> JSONResponse:
        return self._read_json(self._send("POST", path, body=body, headers={"Accept": "application/json"}))

    def open_stream(self, path: str, body: Any) -> ByteStream:
        """POST and return the open event stream once the status says it is one."""
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "identity"}
        reply = self._send("POST", path, body=body, headers=headers, stream=True)
        response = reply.response
        content_type = response.headers.get("Content-Type", "")
        if "text/event-stream" not in content_type.lower():
            # A 200 that is not a stream: a JSON body (maybe an error) or a proxy's page.
            try:
                result = self._read_json(reply)
            finally:
                response.close()
            message, details = parse_error_envelope(result.body)
            raise GatewayError(
                message or f"expected an event stream, got {content_type or 'no content type'}",
                status=result.status,
                **details,
            )
        return ByteStream(
            status=response.status_code,
            headers=dict(response.headers),
            _response=response,
            log=self.log,
            timeout=self.timeout,
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    # -- internals ---------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> _Reply:
        url = f"{self.base_url}/{path.lstrip('/')}"
        data = None
        send_headers = dict(headers or {})
        pinned = isinstance(body, dict) and body.get("route") is not None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            send_headers["Content-Type"] = "application/json"
        retry_number = redirects = 0
        while True:
            started = time.monotonic()
            self._log(f"> {method} {url}")
            if self.proxy:
                self._log(f"> (through the proxy {shown_proxy(self.proxy)}, from {self.proxy_variable})")
            if self.log:
                for name, value in {**self.session.headers, **send_headers}.items():
                    self._log(f"> {name}: {redact_header(name, value)}")
                if data is not None:
                    self._log(f"> ({len(data)} bytes of JSON)")
            try:
                # --timeout bounds the whole wait for headers (and, unless streaming, the body),
                # however slowly they drip; the socket timeout alone bounds only each silence.
                with deadline.limit(self.timeout, lambda: too_slow(url, self.timeout, stream)):
                    response = self.session.request(
                        method,
                        url,
                        data=data,
                        headers=send_headers,
                        stream=True,
                        timeout=(self.connect_timeout, self.timeout),
                        allow_redirects=False,  # followed below, by our rules
                    )
                    reply = _Reply(response)
                    if not stream or response.status_code >= 400:
                        cap = MAX_JSON_BYTES if response.status_code < 400 else ERROR_BODY_BYTES
                        reply.body = self._read_body(response, cap)
            except requests.exceptions.RequestException as exc:
                error, retryable = network_error(exc, url, self.timeout)
                if retryable and retry_number < self.max_retries:
                    retry_number += 1
                    self._wait_to_retry(retry_number, None, "cannot connect")
                    continue
                raise error from None
            except OSError as exc:  # e.g. REQUESTS_CA_BUNDLE names a file that isn't there
                raise NetworkError(f"cannot set up the connection: {exc}") from None
            elapsed = time.monotonic() - started
            self._log(f"< {response.status_code} {response.reason} ({elapsed * 1000:.0f} ms)")
            if self.log:
                for name, value in response.headers.items():
                    self._log(f"< {name}: {value}")
            if 300 <= response.status_code < 400 and response.status_code != 304:
                response.close()
                url = next_hop(method, url, response.status_code, response.headers.get("Location"), redirects)
                redirects += 1
                continue
            if response.status_code < 400:
                return reply
            error = self._status_error(reply, pinned)
            if should_retry(response.status_code, error.availability, pinned) and retry_number < self.max_retries:
                wait = server_wait(response.headers, self.wall_clock())
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise wait_too_long(error, wait, self.wall_clock())
                retry_number += 1
                self._wait_to_retry(retry_number, wait, retry_reason(response.status_code))
                continue
            if retry_number and response.status_code == 429:
                error.message += f" (after {retry_number} retries)"
            raise error

    def _wait_to_retry(self, retry_number: int, retry_after: float | None, reason: str) -> None:
        delay = retry_delay(retry_number, retry_after, self.jitter)
        self.announce(f"{reason}, retrying in {format_delay(delay)} ({retry_number}/{self.max_retries})")
        self.sleep(delay)

    def _status_error(self, reply: _Reply, pinned: bool = False) -> LowRouterError:
        response, raw = reply.response, reply.body or b""
        status = response.status_code
        body = _decode_json(raw)
        message, details = parse_error_envelope(body)
        if message is None:
            if body is None and raw.strip():
                message = f"HTTP {status} {response.reason or ''}".rstrip() + f": {snippet(raw)}"
            else:
                message = f"HTTP {status} {response.reason or ''}".rstrip()
        generation_id = details.pop("generation_id", None) or response.headers.get(
            "X-LowRouter-Generation-Id"
        )
        details.update(generation_id=generation_id, retry_after=response.headers.get("Retry-After"))
        if status == 503 and not pinned and "availability" not in details:
            # A 503 is about a route only for a pinned request or when the body says so; a load
            # balancer's plain 503 is an ordinary gateway failure.
            return GatewayError(message, status=status, **details)
        return error_for_status(status, message, **details)

    def _read_body(self, response: Any, cap: int) -> bytes:
        """Read and decode the body in bounded steps, and close the response. Past `cap` decoded
        bytes: TooLarge for an answer; for an error body (cap ERROR_BODY_BYTES) the rest is dropped."""
        body = bytearray()
        try:
            return self._read_steps(response, cap, body)
        except LowRouterError:
            if response.status_code >= 400:  # the status says what went wrong; the body only adds
                return bytes(body[:cap])
            raise

    def _read_steps(self, response: Any, cap: int, body: bytearray) -> bytes:
        try:
            decoder = decoder_for(response.headers.get("Content-Encoding"))
            while len(body) <= cap:
                data = response.raw.read(STEP, decode_content=False)
                if not data:
                    decoder.end()
                    break
                for piece in decoder.feed(data):
                    body += piece
                    if len(body) > cap:
                        break
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise NetworkError(f"the gateway stopped sending for {self.timeout:g} s (--timeout)") from None
        except (urllib3.exceptions.ProtocolError, http.client.HTTPException, OSError):
            raise TruncatedAnswer("answer truncated: the body ended before its announced length") from None
        except GatewayError as error:
            error.status = response.status_code
            raise
        finally:
            response.close()
        if len(body) > cap:
            if response.status_code < 400:
                raise TooLarge(f"the gateway's answer is larger than {cap // MiB} MiB (the cap on a JSON body)",
                               status=response.status_code)
            del body[cap:]
        self._log(f"< ({len(body)} bytes)")
        return bytes(body)

    def _read_json(self, reply: _Reply) -> JSONResponse:
        response = reply.response
        if reply.body is None:  # not read yet: a stream's answer that is not a stream
            with deadline.limit(self.timeout, lambda: too_slow(response.url, self.timeout, False)):
                reply.body = self._read_body(response, MAX_JSON_BYTES)
        raw = reply.body
        body = _decode_json(raw)
        if body is None:
            raise GatewayError(
                f"the gateway answered {response.status_code} with a body that is not JSON: {snippet(raw)}",
                status=response.status_code,
            )
        return JSONResponse(response.status_code, dict(response.headers), body)

    def _log(self, message: str) -> None:
        if self.log:
            self.log(message)


def _decode_json(raw: bytes) -> Any:
    return loads_or_none(raw)
