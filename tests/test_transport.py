import email.utils
import socket
import threading

import pytest

from lowrouter_cli.errors import (AuthError, GatewayError, NetworkError, RateLimited, RequestRejected,
                                  RouteUnavailable, UsageError)
from lowrouter_cli.transport import (MAX_RETRY_AFTER, Transport, is_loopback, parse_retry_after,
                                     redact_header, retry_delay, should_retry, snippet)

from conftest import TEST_KEY


@pytest.mark.parametrize("status, availability, expected", [
    (408, None, True), (429, None, True), (500, None, True), (502, None, True), (504, None, True),
    (503, {"retryable": True}, True), (503, {"retryable": False}, False), (503, None, True),
    (400, None, False), (401, None, False), (402, None, False), (404, None, False), (413, None, False),
])
def test_should_retry(status, availability, expected):
    assert should_retry(status, availability) is expected


def test_parse_retry_after_seconds_date_and_cap():
    now = 1_700_000_000.0
    assert parse_retry_after("2", now) == 2
    assert parse_retry_after("0.5", now) == 0.5
    assert parse_retry_after("600", now) == MAX_RETRY_AFTER
    assert parse_retry_after(email.utils.formatdate(now + 3, usegmt=True), now) == 3
    assert parse_retry_after(email.utils.formatdate(now + 3, usegmt=True), now + 0.25) == 2.75
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after("nan", now) is None


def test_retry_delay_backoff_with_jitter():
    assert retry_delay(1, None, jitter=lambda: 0.0) == 0.5
    assert retry_delay(2, None, jitter=lambda: 0.0) == 1.0
    assert retry_delay(3, None, jitter=lambda: 1.0) == 1.5
    assert retry_delay(10, None, jitter=lambda: 0.0) == 8.0
    assert retry_delay(1, 4.0) == 4.0


def test_loopback_and_redaction_and_snippet():
    assert is_loopback("127.0.0.1") and is_loopback("127.9.8.7") and is_loopback("[::1]")
    assert is_loopback("localhost") and not is_loopback("example.com") and not is_loopback("10.0.0.1")
    assert redact_header("Authorization", f"Bearer {TEST_KEY}") == "Bearer [redacted]"
    assert snippet(b"<html><body><h1>502 Bad Gateway</h1></body></html>") == "502 Bad Gateway"


def test_refuses_key_over_plain_http_to_another_host():
    with pytest.raises(UsageError, match="plain http"):
        Transport("http://gateway.example/api/v1", TEST_KEY)
    Transport("http://localhost:1/api/v1", TEST_KEY)
    Transport("https://gateway.example/api/v1", TEST_KEY)


def make(emulator, key=TEST_KEY, **kwargs):
    sleeps, notices = [], []
    transport = Transport(emulator.base_url, key, sleep=sleeps.append, announce=notices.append,
                          jitter=lambda: 0.0, **kwargs)
    return transport, sleeps, notices


BODY = {"model": "lowrouter/auto", "messages": [{"role": "user", "content": "hi"}]}


def test_sends_auth_and_user_agent(emulator):
    transport, _, _ = make(emulator)
    assert transport.post_json("chat/completions", BODY).status == 200
    headers = emulator.chat_requests()[-1]["headers"]
    assert headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert headers["User-Agent"].startswith("lowrouter-cli/")


def test_retries_429_honouring_retry_after_then_succeeds(emulator):
    emulator.push_faults("429 retry_after=3", "ok")
    transport, sleeps, notices = make(emulator)
    assert transport.post_json("chat/completions", BODY).status == 200
    assert sleeps == [3.0]
    assert notices == ["rate limited, retrying in 3 s (1/2)"]


def test_gives_up_after_two_retries_with_backoff(emulator):
    emulator.push_faults("502", "502", "502")
    transport, sleeps, notices = make(emulator)
    with pytest.raises(GatewayError) as info:
        transport.post_json("chat/completions", BODY)
    assert sleeps == [0.5, 1.0] and len(notices) == 2
    assert info.value.status == 502
    assert len(emulator.chat_requests()) == 3


def test_rate_limited_after_retries(emulator):
    emulator.push_faults("429 retry_after=0", "429 retry_after=0", "429 retry_after=0")
    transport, sleeps, _ = make(emulator)
    with pytest.raises(RateLimited, match="after 2 retries"):
        transport.post_json("chat/completions", BODY)


@pytest.mark.parametrize("fault, error", [
    ("400", RequestRejected), ("401", AuthError), ("402", RequestRejected), ("404", RequestRejected),
    ("503 retryable=false", RouteUnavailable), ("413", RequestRejected), ("403", AuthError),
])
def test_never_retries_these(emulator, fault, error):
    emulator.push_faults(fault, "ok")
    transport, sleeps, _ = make(emulator)
    with pytest.raises(error):
        transport.post_json("chat/completions", BODY)
    assert sleeps == [] and len(emulator.chat_requests()) == 1


def test_retryable_503_is_retried(emulator):
    emulator.push_faults("503 retryable=true retry_after=1", "ok")
    transport, sleeps, _ = make(emulator)
    assert transport.post_json("chat/completions", BODY).status == 200
    assert sleeps == [1.0]


def test_error_carries_message_type_availability_and_generation_id(emulator):
    transport, _, _ = make(emulator)
    body = dict(BODY, route={"region": "mars-1"})
    with pytest.raises(RouteUnavailable) as info:
        transport.post_json("chat/completions", body)
    error = info.value
    assert "not falling back" in error.message
    assert error.error_type == "provider_overloaded"
    assert error.availability["retryable"] is False
    assert error.generation_id.startswith("gen-")


def test_openai_error_shape_and_html_page(emulator):
    emulator.push_faults("400 openai=true message=bad_thing", "html status=418")
    transport, _, _ = make(emulator)
    with pytest.raises(RequestRejected) as info:
        transport.post_json("chat/completions", BODY)
    assert info.value.message == "bad_thing" and info.value.error_type == "gateway_error"
    with pytest.raises(RequestRejected, match=r"HTTP 418 .*502 Bad Gateway"):
        transport.post_json("chat/completions", BODY)


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_retried_twice_with_backoff_then_network_error():
    sleeps, notices = [], []
    transport = Transport(f"http://127.0.0.1:{closed_port()}/api/v1", TEST_KEY, sleep=sleeps.append,
                          announce=notices.append, jitter=lambda: 0.0)
    with pytest.raises(NetworkError, match="cannot connect"):
        transport.get_json("models")
    assert sleeps == [0.5, 1.0]
    assert [n.split(", retrying")[1] for n in notices] == [" in 0.5 s (1/2)", " in 1 s (2/2)"]


class HeldStream:
    """A gateway that sends the stream's first event, then holds the rest until released."""

    HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"

    def __init__(self, first: bytes, rest: bytes):
        self.first, self.rest, self.release = first, rest, threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        connection, _ = self.listener.accept()
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:  # all of it: closing with unread bytes would send a reset
                body += connection.recv(65536)
            connection.sendall(self.HEAD + self.first)
            self.release.wait(10)
            connection.sendall(self.rest)


def test_stream_yields_bytes_as_they_come():
    first, rest = b'data: {"n": 1}\n\n', b'data: {"n": 2}\n\ndata: [DONE]\n\n'
    server = HeldStream(first, rest)
    transport = Transport(server.base_url, TEST_KEY, timeout=5)
    stream = transport.open_stream("chat/completions", dict(BODY, stream=True))
    blocks = iter(stream)
    assert next(blocks) == first  # while the gateway still holds the rest back
    server.release.set()
    assert b"".join(blocks) == rest and stream.bytes_received == len(first + rest)


def test_json_where_a_stream_was_asked_for_is_a_gateway_error(emulator):
    emulator.push_faults("json_for_stream")
    transport, _, _ = make(emulator)
    with pytest.raises(GatewayError, match="invalid response"):
        transport.open_stream("chat/completions", dict(BODY, stream=True))


def test_read_timeout_is_a_network_error(emulator):
    emulator.push_faults("silent seconds=5")
    transport, _, _ = make(emulator, timeout=0.3)
    with pytest.raises(NetworkError, match="0.3 s"):
        transport.post_json("chat/completions", BODY)
