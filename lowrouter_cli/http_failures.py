"""What a failed HTTP exchange means, in our errors and words: connection failures mapped to
NetworkError (and whether to retry), a body too slow for --timeout, a short excerpt of a page that
is not JSON, and headers with their secrets redacted for -v."""

from __future__ import annotations

import re
from urllib.parse import urlsplit


from lowrouter_cli.requests_import import requests
from lowrouter_cli.errors import LowRouterError, NetworkError, TruncatedAnswer, UsageError


def snippet(body: bytes, limit: int = 80) -> str:
    """A short, single-line, tag-free excerpt of a non-JSON body, for error messages."""
    text = body[:4096].decode("utf-8", errors="replace")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redact_header(name: str, value: str) -> str:
    if name.lower() in ("authorization", "proxy-authorization", "cookie"):
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} [redacted]".strip()
    return value


def too_slow(url: str, timeout: float, stream: bool) -> NetworkError:
    what = "headers" if stream else "complete answer"
    return NetworkError(f"no {what} from {urlsplit(url).hostname} within {timeout:g} s (--timeout)")


def reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    # urllib3 nests the useful part: "...: Failed to establish a new connection: [Errno 111] ..."
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip()
    return " ".join(text.split())[:160]


def network_error(exc: BaseException, url: str, timeout: float) -> tuple[LowRouterError, bool]:
    """The error for a failed request, and whether it is worth retrying."""
    host = urlsplit(url).hostname or url
    text = str(exc)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError(f"timed out connecting to {host}"), True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return NetworkError(f"no answer from {host} within {timeout:g} s (--timeout)"), False
    if isinstance(exc, requests.exceptions.SSLError):
        return NetworkError(f"TLS error talking to {host}: {reason(exc)}"), False
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return TruncatedAnswer("answer truncated: the connection was lost mid-answer"), False
    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError(f"proxy error reaching {host}: {reason(exc)}"), True
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return NetworkError(f"cannot resolve host {host}"), False
        if "RemoteDisconnected" in text or "Connection aborted" in text:
            return NetworkError(f"{host} closed the connection without answering"), True
        return NetworkError(f"cannot connect to {host}: {reason(exc)}"), True
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return UsageError(f"invalid URL {url!r}"), False
    return NetworkError(f"request to {host} failed: {reason(exc)}"), False
