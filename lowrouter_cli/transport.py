"""The one HTTP transport: the only module that imports requests.

One requests.Session with auth, User-Agent and timeouts; typed errors built from the gateway's
error envelope; retries as small pure functions (`should_retry`, `parse_retry_after`,
`retry_delay`). Streams are read with urllib3's read1(), which never waits for a buffer to fill,
plus whatever else has already arrived, so the decoder runs once per wake-up rather than once per
HTTP chunk.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import random
import re
import select
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager

from lowrouter_cli import __version__, deadline
from lowrouter_cli.decoding import STEP, accept_encoding, decoder_for
from lowrouter_cli.errors import (
    AuthError,
    GatewayError,
    LowRouterError,
    NetworkError,
    RateLimited,
    TruncatedAnswer,
    UsageError,
    error_for_status,
    parse_error_envelope,
)
from lowrouter_cli.jsontext import MAX_JSON_BYTES, MiB, TooLarge, loads_or_none

ERROR_BODY_BYTES = 1 * MiB  # enough for any error message; the rest of an error body is dropped
from lowrouter_cli.urls import (
    check_base_url,
    check_key_destination,
    choose_proxy,
    is_loopback,  # noqa: F401 - part of this module's interface
    next_hop,
    shown_proxy,
)

CONNECT_TIMEOUT = 10.0
MAX_RETRY_AFTER = 20.0
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 504})
STREAM_READ_SIZE = 65536

Announce = Callable[[str], None]


# -- retry policy: pure functions -------------------------------------------------------------


def should_retry(status: int, availability: Mapping[str, Any] | None = None, pinned: bool = False) -> bool:
    """408, 429, 500, 502 and 504 are retried; a 503 about a route (the request was pinned, or the
    body names `availability`) only when the gateway says it is retryable, any other 503 (a load
    balancer's) like a 502; everything else never."""
    if status in RETRYABLE_STATUSES:
        return True
    if status == 503:
        if pinned or availability:
            return bool(availability and availability.get("retryable") is True)
        return True
    return False


def parse_retry_after(value: str | None, now: float, cap: float | None = MAX_RETRY_AFTER) -> float | None:
    """Retry-After in seconds or as an HTTP date, capped at `cap`; None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    seconds = max(seconds, 0.0)
    return seconds if cap is None else min(seconds, cap)


def server_wait(headers: Mapping[str, str], now: float) -> float | None:
    """How long the server asks us to wait, uncapped: `retry-after-ms` (OpenAI's) when it is
    usable, else `Retry-After`; None when neither is."""
    try:
        milliseconds = float(headers.get("retry-after-ms") or "nan")
    except ValueError:
        milliseconds = float("nan")
    if milliseconds == milliseconds and 0 <= milliseconds < float("inf"):
        return milliseconds / 1000
    return parse_retry_after(headers.get("Retry-After"), now, cap=None)


def wait_too_long(error: LowRouterError, seconds: float, now: float) -> RateLimited:
    """A wait longer than we allow is not waited out: fail now and say when to retry."""
    import datetime

    when = datetime.datetime.fromtimestamp(now + seconds).astimezone()
    shown = when.strftime("%H:%M:%S %Z" if seconds < 12 * 3600 else "%Y-%m-%d %H:%M:%S %Z").strip()
    return RateLimited(
        f"{error.message}: the gateway asks to wait {seconds:.0f} s, longer than lowrouter waits "
        f"({MAX_RETRY_AFTER:.0f} s); retry after {shown}",
        status=error.status, error_type=error.error_type, generation_id=error.generation_id,
    )


def retry_delay(
    retry_number: int, retry_after: float | None, jitter: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry `retry_number` (1-based): the server's Retry-After when it
    gave one, else exponential backoff (0.5 s, 1 s, 2 s … capped at 8 s) less up to 25% jitter."""
    if retry_after is not None:
        return retry_after
    base = min(0.5 * 2 ** (retry_number - 1), 8.0)
    return base * (1 - 0.25 * jitter())


def format_delay(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"


def snippet(body: bytes, limit: int = 80) -> str:
    """A short, single-line, tag-free excerpt of a non-JSON body, for error messages."""
    text = body[:4096].decode("utf-8", errors="replace")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- results -------------------------------------------------------------------------------------


@dataclass
class JSONResponse:
    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass
class ByteStream:
    """An open streamed response. Iterate for byte chunks as they arrive; close() drops the
    connection at once, which cancels the generation at the gateway."""

    status: int
    headers: Mapping[str, str]
    _response: Any = field(repr=False)
    log: Callable[[str], None] | None = field(default=None, repr=False)
    timeout: float = 0.0
    bytes_received: int = 0
    before_wait: Callable[[], None] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[bytes]:
        decoder = decoder_for(self.headers.get("Content-Encoding"))  # gzip'd streams too, in bounded pieces
        try:
            for data in self._blocks():
                yield from decoder.feed(data)
            decoder.end()
        finally:
            if self.log:
                self.log(f"< ({self.bytes_received} bytes received)")

    def _blocks(self) -> Iterator[bytes]:
        """One block per wake-up: a blocking read, then every read the socket can serve at once.
        `before_wait` runs before each blocking read (the writer flushes there)."""
        raw = self._response.raw
        arrived = _readable_now(raw)
        ended: LowRouterError | bool = False
        while not ended:
            if self.before_wait is not None:
                self.before_wait()
            data = self._read(raw)
            if not data:
                return
            parts, size = [data], len(data)
            while size < STREAM_READ_SIZE and arrived():
                try:
                    more = self._read(raw)
                except LowRouterError as error:  # after the bytes before it are passed on
                    ended = error
                    break
                if not more:
                    ended = True
                    break
                parts.append(more)
                size += len(more)
            if len(parts) > 1:
                data = b"".join(parts)
            self.bytes_received += size
            yield data
        if isinstance(ended, LowRouterError):
            raise ended

    def _read(self, raw: Any) -> bytes:
        try:
            return raw.read1(STREAM_READ_SIZE, decode_content=False)  # decoded above, in bounded pieces
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise NetworkError(f"no data from the gateway for {self.timeout:g} s (--timeout)") from None
        except LowRouterError:  # SIGTERM arrives as one, raised from inside the read
            raise
        except Exception:  # reset, IncompleteRead, a closed socket: the answer is cut short
            raise TruncatedAnswer("answer truncated: the connection was lost mid-answer") from None

    def close(self) -> None:
        try:
            self._response.raw.shutdown()  # unblocks a read in progress, from any thread
        except Exception:
            pass
        try:
            self._response.close()
        except Exception:
            pass


def _readable_now(raw: Any) -> Callable[[], bool]:
    """Whether the response's socket has bytes waiting (a read would not block on the network)."""
    try:
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN)
    except (OSError, ValueError, AttributeError):
        return lambda: False
    return lambda: bool(poller.poll(0))


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
        if self.proxy and self.api_key and origin.scheme == "http" and not self.proxy.startswith("https:"):
            raise UsageError(f"refusing to send the API key in clear text through the proxy "
                             f"{shown_proxy(self.proxy)} ({self.proxy_variable})")

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            session.mount("http://", _FinalResponseAdapter())
            session.mount("https://", _FinalResponseAdapter())
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
        response = self._send("GET", path, headers=headers)
        if response.status_code == 304:
            return JSONResponse(304, dict(response.headers), None)
        return self._read_json(response)

    def post_json(self, path: str, body: Any) -> JSONResponse:
        response = self._send("POST", path, body=body, headers={"Accept": "application/json"})
        return self._read_json(response)

    def open_stream(self, path: str, body: Any) -> ByteStream:
        """POST and return the open event stream once the status says it is one."""
        headers = {"Accept": "text/event-stream", "Accept-Encoding": "identity"}
        response = self._send("POST", path, body=body, headers=headers, stream=True)
        content_type = response.headers.get("Content-Type", "")
        if "text/event-stream" not in content_type.lower():
            # A 200 that is not a stream: a JSON body (maybe an error) or a proxy's page.
            try:
                result = self._read_json(response)
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
    ) -> Any:
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
                with deadline.limit(self.timeout, lambda: _too_slow(url, self.timeout, stream)):
                    response = self.session.request(
                        method,
                        url,
                        data=data,
                        headers=send_headers,
                        stream=True,
                        timeout=(self.connect_timeout, self.timeout),
                        allow_redirects=False,  # followed below, by our rules
                    )
                    if not stream or response.status_code >= 400:
                        self._read_body(response, MAX_JSON_BYTES if response.status_code < 400 else ERROR_BODY_BYTES)
            except requests.exceptions.RequestException as exc:
                error, retryable = _network_error(exc, url, self.timeout)
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
                return response
            error = self._status_error(response, pinned)
            if should_retry(response.status_code, error.availability, pinned) and retry_number < self.max_retries:
                wait = server_wait(response.headers, self.wall_clock())
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise wait_too_long(error, wait, self.wall_clock())
                retry_number += 1
                self._wait_to_retry(retry_number, wait, _retry_reason(response.status_code))
                continue
            if retry_number and response.status_code == 429:
                error.message += f" (after {retry_number} retries)"
            raise error

    def _wait_to_retry(self, retry_number: int, retry_after: float | None, reason: str) -> None:
        delay = retry_delay(retry_number, retry_after, self.jitter)
        self.announce(f"{reason}, retrying in {format_delay(delay)} ({retry_number}/{self.max_retries})")
        self.sleep(delay)

    def _status_error(self, response: Any, pinned: bool = False) -> LowRouterError:
        try:
            raw = response.content
        except requests.exceptions.RequestException as exc:
            raw = b""
            self._log(f"< body unreadable: {_reason(exc)}")
        finally:
            response.close()
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

    def _read_body(self, response: Any, cap: int) -> None:
        """Read and decode the body in bounded steps into response.content. Past `cap` decoded
        bytes: TooLarge for an answer; for an error body (cap ERROR_BODY_BYTES) the rest is dropped."""
        body = bytearray()
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
        response._content = bytes(body)  # requests' own slot: .content now reads it
        self._log(f"< ({len(body)} bytes)")

    def _read_json(self, response: Any) -> JSONResponse:
        if response._content is False:  # not read yet: a stream's answer that is not a stream
            with deadline.limit(self.timeout, lambda: _too_slow(response.url, self.timeout, False)):
                self._read_body(response, MAX_JSON_BYTES)
        raw = response.content
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


def redact_header(name: str, value: str) -> str:
    if name.lower() in ("authorization", "proxy-authorization", "cookie"):
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} [redacted]".strip()
    return value


def _decode_json(raw: bytes) -> Any:
    return loads_or_none(raw)


def _too_slow(url: str, timeout: float, stream: bool) -> NetworkError:
    what = "headers" if stream else "complete answer"
    return NetworkError(f"no {what} from {urlsplit(url).hostname} within {timeout:g} s (--timeout)")


class _FinalResponse(http.client.HTTPResponse):
    """http.client skips only 100 Continue: skip every interim 1xx (103 Early Hints…) too."""

    def _read_status(self) -> Any:
        for _ in range(16):
            version, status, reason = super()._read_status()
            if not (100 < status < 200 and status != 101):
                return version, status, reason
            for _ in range(http.client._MAXHEADERS + 1):  # the interim response's headers
                line = self.fp.readline(http.client._MAXLINE + 1)
                if line in (b"\r\n", b"\n", b""):
                    break
        raise http.client.HTTPException("too many interim (1xx) responses")


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _FinalResponse


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _FinalResponse


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _FinalResponseAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_final_response(self.poolmanager)

    def proxy_manager_for(self, proxy: Any, **kwargs: Any) -> Any:
        return _use_final_response(super().proxy_manager_for(proxy, **kwargs))


def _use_final_response(manager: Any) -> Any:
    if type(manager) in (urllib3.poolmanager.PoolManager, urllib3.poolmanager.ProxyManager):  # not SOCKS
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


def _retry_reason(status: int) -> str:
    if status == 429:
        return "rate limited"
    if status == 408:
        return "upstream timed out (408)"
    if status == 503:
        return "no endpoint available (503)"
    return f"gateway error {status}"


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # urllib3 nests the useful part: "...: Failed to establish a new connection: [Errno 111] ..."
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    return " ".join(text.split())[:160]


def _network_error(exc: BaseException, url: str, timeout: float) -> tuple[LowRouterError, bool]:
    """The error for a failed request, and whether it is worth retrying."""
    host = urlsplit(url).hostname or url
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError(f"timed out connecting to {host}"), True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return NetworkError(f"no answer from {host} within {timeout:g} s (--timeout)"), False
    if isinstance(exc, requests.exceptions.SSLError):
        return NetworkError(f"TLS error talking to {host}: {_reason(exc)}"), False
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return TruncatedAnswer("answer truncated: the connection was lost mid-answer"), False
    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError(f"proxy error reaching {host}: {_reason(exc)}"), True
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return NetworkError(f"cannot resolve host {host}"), False
        if "RemoteDisconnected" in text or "Connection aborted" in text:
            return NetworkError(f"{host} closed the connection without answering"), True
        return NetworkError(f"cannot connect to {host}: {_reason(exc)}"), True
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return UsageError(f"invalid URL {url!r}"), False
    return NetworkError(f"request to {host} failed: {_reason(exc)}"), False
