"""The stream read loop (byte_stream.ByteStream): blocks of what has arrived, bytes before a failure
passed on first, and the writer's flush run before every read. Against a raw socket
server, so the bytes on the wire (and when they are sent) are exact."""

from __future__ import annotations

import socket
import threading

import pytest

from lowrouter_cli.errors import TruncatedAnswer
from lowrouter_cli.transport import Transport

from conftest import TEST_KEY

HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n")


def chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def event(n: int) -> bytes:
    return b'data: {"choices":[{"delta":{"content":"token %05d "}}]}\n\n' % n


class RawServer:
    """Answers one request with `script`: a list of bytes to send, or callables to wait on."""

    def __init__(self, script, tls=None):
        self.script, self.tls = script, tls
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.listener.accept()
        if self.tls is not None:
            connection = self.tls.wrap_socket(connection, server_side=True)
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                request += connection.recv(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                body += connection.recv(65536)
            for step in self.script:
                if callable(step):
                    step()
                else:
                    connection.sendall(step)

    def open(self):
        transport = Transport(self.base_url, TEST_KEY, sleep=lambda s: None, announce=lambda m: None)
        return transport.open_stream("chat/completions", {"model": "m", "stream": True, "messages": []})


def test_a_burst_is_read_in_blocks_not_one_http_chunk_at_a_time():
    events = [event(n) for n in range(300)]  # 30 kB, all sent before the client reads
    server = RawServer([HEAD + b"".join(chunk(e) for e in events) + b"0\r\n\r\n"])
    blocks = list(server.open())
    assert b"".join(blocks) == b"".join(events)
    # One block per read of the socket file, its chunks undone together: a few blocks (as the
    # bytes happen to arrive), never one per HTTP chunk.
    assert len(blocks) < 10


def test_bytes_read_before_a_dropped_connection_are_passed_on_before_the_error():
    events = [event(n) for n in range(200)]
    server = RawServer([HEAD + b"".join(chunk(e) for e in events) + b"5\r\nda"])  # then closed
    received = []
    with pytest.raises(TruncatedAnswer):
        for block in server.open():
            received.append(block)
    assert b"".join(received) == b"".join(events) + b"da"  # every byte of the body that came


def test_a_connection_that_is_not_ours_is_read_through_urllib3_alone(monkeypatch):
    from lowrouter_cli import byte_stream

    monkeypatch.setattr(byte_stream, "body_file", lambda raw: None)  # as through a SOCKS proxy
    events = [event(n) for n in range(300)]
    blocks = list(RawServer([HEAD + b"".join(chunk(e) for e in events) + b"0\r\n\r\n"]).open())
    assert b"".join(blocks) == b"".join(events) and len(blocks) < 150
    server = RawServer([HEAD + b"".join(chunk(e) for e in events) + b"5\r\nda"])
    received = []
    with pytest.raises(TruncatedAnswer):
        for block in server.open():
            received.append(block)
    assert b"".join(received) == b"".join(events)  # every whole HTTP chunk; the cut one is lost


def test_the_writer_flushes_before_each_blocking_read():
    flushed = threading.Event()
    server = RawServer([HEAD + chunk(event(0)), lambda: flushed.wait(5), chunk(event(1)) + b"0\r\n\r\n"])
    stream = server.open()
    calls = []

    def before_wait():
        calls.append(len(received))
        if len(received) == 1:
            flushed.set()  # the server sends the rest only once the first block was flushed
            # and the read starts once all of it (last chunk, terminator, close) is there: one
            # block, whatever the scheduler does (a read before the close could stop short of it)
            server.thread.join(5)

    stream.before_wait = before_wait
    received = []
    for block in stream:
        received.append(block)
    assert received == [event(0), event(1)] and calls == [0, 1]
    assert flushed.is_set()


@pytest.mark.parametrize("ours", [True, False])
def test_a_writer_holding_tokens_is_asked_again_while_no_bytes_come(ours, monkeypatch):
    """before_wait returning seconds (a live view's next frame): the read waits that long at most,
    then asks again; None: a plain blocking read. Through our socket file and urllib3 alone."""
    if not ours:
        from lowrouter_cli import byte_stream

        monkeypatch.setattr(byte_stream, "body_file", lambda raw: None)  # as through a SOCKS proxy
    asked_again = threading.Event()
    server = RawServer([HEAD + chunk(event(0)), lambda: asked_again.wait(5), chunk(event(1)) + b"0\r\n\r\n"])
    stream = server.open()
    calls, received = [], []

    def before_wait():
        calls.append(len(received))
        if len(received) == 1 and calls.count(1) == 3:
            asked_again.set()  # the rest is sent once the held frame was asked about three times
            server.thread.join(5)
            return None  # nothing held any more: a plain blocking read
        return 0.0 if len(received) == 1 else None  # a frame due now: don't wait for bytes

    stream.before_wait = before_wait
    for block in stream:
        received.append(block)
    assert received == [event(0), event(1)]
    assert calls[:4] == [0, 1, 1, 1]  # asked again (and again) while nothing came, not blocked


class FlushedText:
    """A stdout that shows only what was flushed, as a pipe's reader would see it."""

    def __init__(self, on_flush=lambda text: None):
        self.pending, self.flushed, self.flushes, self.on_flush = [], "", 0, on_flush

    def write(self, text):
        self.pending.append(text)

    def flush(self):
        self.flushed += "".join(self.pending)
        self.pending.clear()
        self.flushes += 1
        self.on_flush(self.flushed)


def test_piped_stream_shows_each_read_before_waiting_for_the_next(fake_env):
    from lowrouter_cli import cli

    def once_token_0_is_shown(flushed):
        if "token 00000" in flushed and "token 00001" not in flushed:
            server.thread.join(5)  # the next read starts once the rest and the close are all there

    stdout = FlushedText(once_token_0_is_shown)
    first_shown = threading.Event()

    def wait_for_first_token():
        for _ in range(500):
            if "token 00000" in stdout.flushed:
                first_shown.set()
                return
            threading.Event().wait(0.01)

    done = b'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    server = RawServer([HEAD + chunk(event(0)), wait_for_first_token, chunk(event(1)) + chunk(done) + b"0\r\n\r\n"])
    env = fake_env(stdout=stdout, environ={"LOWROUTER_API_KEY": TEST_KEY, "LOWROUTER_BASE_URL": server.base_url})
    assert cli.run(env, ["stream", "--no-history", "hi"]) == 0
    assert first_shown.is_set() and stdout.flushed == "token 00000 token 00001 \n"
    assert stdout.flushes == 3  # before each of the two blocking reads, and at the end


# -- the framing undone in blocks (byte_stream.Dechunker, Counted) ---------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from lowrouter_cli.byte_stream import Counted, Dechunker  # noqa: E402


def fed(framing, data: bytes, cuts) -> bytes:
    """Feed `data` cut at `cuts`; what came out, stopping where the framing says the body ended."""
    out, start = [], 0
    for end in [*sorted(set(cuts)), len(data)]:
        if framing.done:
            break
        out.append(framing.feed(data[start:end]))
        start = end
    return b"".join(out)


@given(st.lists(st.binary(min_size=1, max_size=40), max_size=8), st.lists(st.integers(0, 400), max_size=12),
       st.sampled_from([b"", b";name=value", b" "]))
def test_a_chunked_body_cut_anywhere_comes_out_whole(payloads, cuts, extension):
    wire = b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in payloads) + b"0\r\n\r\nnever read"
    framing = Dechunker()
    assert fed(framing, wire, [c % (len(wire) + 1) for c in cuts]) == b"".join(payloads)
    assert framing.done and framing.error is None


def test_bytes_of_a_chunk_pass_on_as_they_come_and_uppercase_and_lf_lines_are_read():
    framing = Dechunker()
    assert framing.feed(b"B\nhello") == b"hello"  # a size line ended by LF alone, in upper case
    assert framing.feed(b" worl") == b" worl" and not framing.done
    assert framing.feed(b"d\r\n3\r\n!!!\r\n0\r\n") == b"d!!!" and framing.done


@pytest.mark.parametrize("line", [b"zz", b"-5", b"0x5", b"", b"1" * 17, b"5 5"])
def test_a_size_line_that_is_not_one_ends_the_body_after_the_bytes_before_it(line):
    framing = Dechunker()
    assert framing.feed(b"2\r\nok\r\n" + line + b"\r\nmore") == b"ok"
    assert framing.done and isinstance(framing.error, TruncatedAnswer)


def test_a_size_line_past_64_kib_is_refused_however_it_is_cut():
    framing = Dechunker()
    for _ in range(64):
        assert framing.feed(b"0" * 1024) == b"" and not framing.done
    assert framing.feed(b"00") == b"" and isinstance(framing.error, TruncatedAnswer)


def test_a_chunked_body_closed_before_its_last_chunk_is_truncated():
    framing = Dechunker()
    framing.feed(b"2\r\nok\r\n")
    with pytest.raises(TruncatedAnswer):
        framing.at_close()


def test_a_counted_body_stops_at_its_length_and_a_short_one_is_truncated():
    framing = Counted(5)
    assert framing.feed(b"abc") == b"abc" and not framing.done
    assert framing.feed(b"defgh") == b"de" and framing.done
    short = Counted(5)
    short.feed(b"abc")
    with pytest.raises(TruncatedAnswer):
        short.at_close()
    to_the_close = Counted(None)
    assert to_the_close.feed(b"abc") == b"abc" and not to_the_close.done
    to_the_close.at_close()  # the close is the end: nothing raised


def test_a_stream_with_a_content_length_stops_at_it_and_a_short_one_is_truncated():
    body = event(0) + event(1)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n"
    assert b"".join(RawServer([head % len(body) + body + b"not the body"]).open()) == body
    received = []
    with pytest.raises(TruncatedAnswer):
        for block in RawServer([head % (len(body) + 10) + body]).open():
            received.append(block)
    assert b"".join(received) == body


def test_the_socket_file_is_only_given_for_the_response_it_belongs_to():
    from lowrouter_cli.http_adapter import body_file

    server = RawServer([HEAD + chunk(event(0)) + b"0\r\n\r\n"])
    stream = server.open()
    raw = stream._response.raw
    assert body_file(raw) is not None and body_file(object()) is None
    raw.connection._last = (lambda: None, raw.connection._last[1])  # as after another request on it
    assert body_file(raw) is None


def test_framing_that_is_not_http_ends_the_stream_truncated_after_the_bytes_before_it():
    server = RawServer([HEAD + chunk(event(0)) + b"zz\r\n" + chunk(event(1))])
    received = []
    with pytest.raises(TruncatedAnswer):
        for block in server.open():
            received.append(block)
    assert received == [event(0)]


def test_an_empty_counted_body_is_over_before_any_read_and_sizes_kept_are_bounded():
    assert Counted(0).done  # a read would wait for bytes that never come
    framing = Dechunker()
    framing.feed(b"".join(b"%x\r\n%s\r\n" % (n, b"x" * n) for n in range(1, 4200)))
    assert len(framing._sizes) == 4096



def test_an_https_stream_is_read_from_its_socket_file_in_blocks():
    import ssl
    from pathlib import Path

    from lowrouter_cli.http_adapter import body_file

    tls = Path(__file__).parent / "tls"  # a self-signed certificate for 127.0.0.1, for tests only
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
    events = [event(n) for n in range(300)]
    server = RawServer([HEAD + b"".join(chunk(e) for e in events) + b"0\r\n\r\n"], context)
    transport = Transport(server.base_url.replace("http://", "https://"), TEST_KEY, sleep=lambda s: None,
                          announce=lambda m: None, environ={"REQUESTS_CA_BUNDLE": str(tls / "cert.pem")})
    stream = transport.open_stream("chat/completions", {"model": "m", "stream": True, "messages": []})
    assert body_file(stream._response.raw) is not None  # our read path, not urllib3's
    blocks = list(stream)
    assert b"".join(blocks) == b"".join(events) and len(blocks) < 40
