"""Exact outcomes of the retry policy (retry.py) and the failure mapping (http_failures.py): every
boundary and every word, so that a changed constant or comparison fails here (found by mutmut)."""

import datetime

import pytest
import requests

from lowrouter_cli import http_failures, retry
from lowrouter_cli.errors import GatewayError, NetworkError, RateLimited, TruncatedAnswer, UsageError


def test_wait_too_long_keeps_the_error_details_and_names_the_time():
    error = GatewayError("Rate limit exceeded", status=429, error_type="rate_limit", generation_id="gen-1")
    now = datetime.datetime(2026, 11, 26, 1, 0, 0).astimezone().timestamp()
    soon = retry.wait_too_long(error, 90, now)
    assert type(soon) is RateLimited
    assert (soon.status, soon.error_type, soon.generation_id) == (429, "rate_limit", "gen-1")
    shown = datetime.datetime.fromtimestamp(now + 90).astimezone().strftime("%H:%M:%S %Z").strip()
    assert soon.message == ("Rate limit exceeded: the gateway asks to wait 90 s, longer than lowrouter waits "
                            f"(20 s); retry after {shown}")
    for seconds, dated in ((12 * 3600 - 1, False), (12 * 3600, True), (13 * 3600 - 1, True)):
        when = datetime.datetime.fromtimestamp(now + seconds).astimezone()
        expected = when.strftime("%Y-%m-%d %H:%M:%S %Z" if dated else "%H:%M:%S %Z").strip()
        assert retry.wait_too_long(error, seconds, now).message.endswith(f"retry after {expected}"), seconds


def test_retry_delay_backoff_jitter_and_cap():
    assert retry.retry_delay(1, None, jitter=lambda: 0.0) == 0.5
    assert retry.retry_delay(1, None, jitter=lambda: 1.0) == 0.375
    assert retry.retry_delay(2, None, jitter=lambda: 0.5) == 0.875
    assert retry.retry_delay(5, None, jitter=lambda: 0.0) == 8.0
    assert retry.retry_delay(6, None, jitter=lambda: 0.0) == 8.0
    assert retry.retry_delay(3, 0.0, jitter=lambda: 1.0) == 0.0
    assert 0.375 <= retry.retry_delay(1, None) <= 0.5


def test_format_delay_and_reasons():
    assert [retry.format_delay(s) for s in (0.04, 0.99, 1.0, 2.5)] == ["0.0 s", "1.0 s", "1 s", "2 s"]
    assert [retry.retry_reason(s) for s in (429, 408, 503, 502)] == [
        "rate limited", "upstream timed out (408)", "no endpoint available (503)", "gateway error 502"]


@pytest.mark.parametrize("status, availability, pinned, expected", [
    (408, None, False, True), (429, None, True, True), (500, None, False, True), (504, None, False, True),
    (503, None, False, True), (503, None, True, False), (503, {"retryable": True}, True, True),
    (503, {"retryable": "yes"}, False, False), (503, {"retryable": False}, False, False),
    (503, {}, True, False), (501, None, False, False), (404, None, False, False),
])
def test_should_retry_every_case(status, availability, pinned, expected):
    assert retry.should_retry(status, availability, pinned) is expected


def test_parse_retry_after_edges():
    now = 1_700_000_000.0
    assert retry.parse_retry_after(" 3 ", now) == 3.0
    assert retry.parse_retry_after("-5", now) == 0.0
    assert retry.parse_retry_after("100", now, cap=None) == 100.0
    assert retry.parse_retry_after("100", now, cap=30) == 30
    assert retry.parse_retry_after("nan", now) is None and retry.parse_retry_after(None, now) is None
    assert retry.parse_retry_after("Thu, 01 Jan 1970 00:00:00", now) == 0.0
    assert retry.parse_retry_after("Mon, 99 Foo", now) is None


def test_server_wait_prefers_retry_after_ms():
    assert retry.server_wait({"retry-after-ms": "1500", "Retry-After": "9"}, 0) == 1.5
    assert retry.server_wait({"retry-after-ms": "0"}, 0) == 0.0
    assert retry.server_wait({"retry-after-ms": "-1", "Retry-After": "9"}, 0) == 9.0
    assert retry.server_wait({"retry-after-ms": "soon", "Retry-After": "100"}, 0) == 100.0  # uncapped
    assert retry.server_wait({"retry-after-ms": "inf", "Retry-After": "2"}, 0) == 2.0
    assert retry.server_wait({}, 0) is None
    import email.utils

    now = 1_700_000_000.0
    assert retry.server_wait({"Retry-After": email.utils.formatdate(now + 30, usegmt=True)}, now) == 30.0


def test_snippet_is_short_single_line_and_tag_free():
    page = b"<html><head><style>h1 {color: red}</style><script>var x = '<b>';</script></head>" \
           b"<body><h1>502   Bad\nGateway</h1></body></html>"
    assert http_failures.snippet(page) == "502 Bad Gateway"
    assert http_failures.snippet(b"x" * 80) == "x" * 80
    assert http_failures.snippet(b"x" * 81) == "x" * 79 + "…"
    assert http_failures.snippet(b"y" * 10, limit=5) == "yyyy…"
    assert http_failures.snippet("é".encode() + b"\xff") == "é\ufffd"
    assert http_failures.snippet(b"a" * 4096 + b"b") == "a" * 79 + "…"
    assert http_failures.snippet(b"a<style>x</style>b<SCRIPT>y</SCRIPT>c") == "a b c"
    assert len(http_failures.snippet(b"z " * 3000, limit=10000)) == 4095  # only the first 4 KiB are read


@pytest.mark.parametrize("name, value, shown", [
    ("Authorization", "Bearer sk-lr-secret", "Bearer [redacted]"),
    ("proxy-authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"),
    ("Proxy-Authorization", "Basic  two  spaces", "Basic [redacted]"),
    ("Cookie", "session=abc", "[redacted]"),
    ("Authorization", " Bearer x", "[redacted]"),
    ("COOKIE", "a b c", "a [redacted]"),
    ("Accept", "text/event-stream", "text/event-stream"),
])
def test_redact_header(name, value, shown):
    assert http_failures.redact_header(name, value) == shown


def test_reason_takes_the_errno_text_or_a_short_line():
    nested = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='x'): Max retries exceeded (Caused by NewConnectionError('<conn>: "
        "Failed to establish a new connection: [Errno 111] Connection refused'))")
    assert http_failures.reason(nested) == "Connection refused"
    assert http_failures.reason(OSError("[Errno -2] Name or service not known")) == "Name or service not known"
    assert http_failures.reason(ValueError()) == "ValueError"
    assert http_failures.reason(ValueError("a\n  b")) == "a b"
    assert http_failures.reason(ValueError("w " * 200)) == ("w " * 80)[:160]
    assert http_failures.reason(ValueError("[errno 5] lower")) == "[errno 5] lower"


@pytest.mark.parametrize("exc, error, message, retryable", [
    (requests.exceptions.ConnectTimeout("x"), NetworkError, "timed out connecting to h", True),
    (requests.exceptions.ReadTimeout("x"), NetworkError, "no answer from h within 2.5 s (--timeout)", False),
    (requests.exceptions.SSLError("[Errno 1] bad cert"), NetworkError, "TLS error talking to h: bad cert", False),
    (requests.exceptions.ChunkedEncodingError("x"), TruncatedAnswer,
     "answer truncated: the connection was lost mid-answer", False),
    (requests.exceptions.ContentDecodingError("x"), TruncatedAnswer,
     "answer truncated: the connection was lost mid-answer", False),
    (requests.exceptions.ProxyError("[Errno 111] refused"), NetworkError, "proxy error reaching h: refused", True),
    (requests.exceptions.ConnectionError("NameResolutionError(...)"), NetworkError, "cannot resolve host h", False),
    (requests.exceptions.ConnectionError("[Errno -2] Name or service not known"), NetworkError,
     "cannot resolve host h", False),
    (requests.exceptions.ConnectionError("getaddrinfo failed"), NetworkError, "cannot resolve host h", False),
    (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('x'))"), NetworkError,
     "h closed the connection without answering", True),
    (requests.exceptions.ConnectionError("RemoteDisconnected"), NetworkError,
     "h closed the connection without answering", True),
    (requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104))"), NetworkError,
     "h closed the connection without answering", True),
    (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), NetworkError,
     "cannot connect to h: Connection refused", True),
    (requests.exceptions.InvalidURL("x"), UsageError, "invalid URL 'http://h:1/v1'", False),
    (requests.exceptions.MissingSchema("x"), UsageError, "invalid URL 'http://h:1/v1'", False),
    (requests.exceptions.TooManyRedirects("loop"), NetworkError, "request to h failed: loop", False),
])
def test_network_error_mapping(exc, error, message, retryable):
    mapped, retry_it = http_failures.network_error(exc, "http://h:1/v1", 2.5)
    assert (type(mapped), mapped.message, retry_it) == (error, message, retryable)


def test_too_slow_names_what_was_late():
    assert http_failures.too_slow("https://g.example/api/v1/x", 3, True).message == \
        "no headers from g.example within 3 s (--timeout)"
    assert http_failures.too_slow("https://g.example/api/v1/x", 0.5, False).message == \
        "no complete answer from g.example within 0.5 s (--timeout)"
