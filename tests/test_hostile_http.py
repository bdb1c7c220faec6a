"""Regression tests for issue 14, HTTP side: caps while decoding, bounded time, 1xx, short
bodies and compressed streams. Each runs the CLI in-process against a loopback gateway that
misbehaves on purpose (tests/hostile.py)."""

import gzip
import json
import threading
import time
import zlib

from hostile import (HostileGateway, chunk, completion, drip, head, json_response, run_cli, sse,
                     sse_response)

MiB = 1024 * 1024


def test_a_gzip_bomb_stops_at_the_json_cap(tmp_path):
    bomb = gzip.compress(b" " * (40 * MiB), compresslevel=9)
    with HostileGateway(lambda x: x.send(json_response(bomb, "Content-Encoding: gzip"))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert out.code == 7
    assert out.stderr == "lowrouter: error: the gateway's answer is larger than 32 MiB (the cap on a JSON body)\n"
    assert out.stdout == ""


def test_gzip_and_deflate_answers_are_read(tmp_path):
    for encoding, pack in (("gzip", gzip.compress), ("deflate", zlib.compress),
                           ("deflate", lambda d: zlib.compress(d)[2:-4])):  # raw deflate too
        data = pack(json.dumps(completion("Hi there.")).encode())
        with HostileGateway(lambda x: x.send(json_response(data, f"Content-Encoding: {encoding}"))) as gw:
            out = run_cli(tmp_path, gw.base_url, "chat", "--no-history", "hi")
        assert (out.code, out.stdout, out.stderr) == (0, "Hi there.\n", "")
        assert gw.requests[0].headers["accept-encoding"].startswith("gzip, deflate")


def test_a_corrupt_gzip_body_is_a_gateway_failure(tmp_path):
    with HostileGateway(lambda x: x.send(json_response(b"\x1f\x8b\x08\x00garbage!", "Content-Encoding: gzip"))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stderr) == (7, "lowrouter: error: the gateway's compressed body is corrupt (it stops mid-stream)\n")


def test_a_gzip_encoded_event_stream_is_decoded(tmp_path):
    stream = gzip.compress(sse(chunk("Hel"), chunk("lo."), chunk(finish="stop")))
    with HostileGateway(lambda x: x.send(sse_response(stream, "Content-Encoding: gzip"))) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert (out.code, out.stdout, out.stderr) == (0, "Hello.\n", "")


def test_an_endless_stream_line_stops_at_the_event_cap(tmp_path):
    def respond(x):
        x.send(sse_response(b"data: "))
        piece = b"x" * 65536
        for _ in range(17 * 16 + 8):  # a little past 16 MiB, never a newline
            x.send(piece)

    with HostileGateway(respond) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert out.code == 7
    assert out.stderr == ("lowrouter: error: a stream line is longer than 16 MiB (the cap on one stream line "
                          "or event) (generation gen-1)\n") or out.stderr.startswith(
        "lowrouter: error: a stream line is longer than 16 MiB (the cap on one stream line or event)")


def test_an_event_of_many_data_lines_stops_at_the_event_cap(tmp_path):
    line = b"data: " + b"y" * (MiB - 7) + b"\n"
    with HostileGateway(lambda x: x.send(sse_response(line * 17))) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert out.code == 7
    assert "a stream event is longer than 16 MiB (the cap on one stream line or event)" in out.stderr


def test_an_early_hints_response_is_skipped(tmp_path):
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    with HostileGateway(lambda x: x.send(early + early + json_response(completion("Final.")))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stdout) == (0, "Final.\n")


def test_a_short_body_is_truncated_on_every_path(tmp_path):
    data = b'{"choices": ['
    short = head("200 OK", "Content-Type: application/json", length=len(data) + 100) + data
    with HostileGateway(lambda x: x.send(short)) as gw:
        for command in ("chat", "stream", "generation"):
            argv = [command, "hi"] if command != "generation" else [command, "gen-1"]
            out = run_cli(tmp_path, gw.base_url, *argv)
            assert (command, out.code, out.stderr) == (
                command, 8, "lowrouter: error: answer truncated: the body ended before its announced length\n")


def test_a_short_event_stream_is_truncated(tmp_path):
    data = sse(chunk("Par"), done=False)
    short = head("200 OK", "Content-Type: text/event-stream", length=len(data) + 50) + data
    with HostileGateway(lambda x: x.send(short)) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert (out.code, out.stdout) == (8, "Par\n")
    assert out.stderr.startswith("lowrouter: error: answer truncated")


def test_a_dripped_body_is_bounded_by_timeout(tmp_path):
    stop = threading.Event()
    data = json_response(completion("x" * 200))
    arrived = []  # when the request reached the gateway: the CLI's own start-up is not timed
    with HostileGateway(lambda x: (arrived.append(time.monotonic()), x.send(data[:200]),
                                   drip(x, data[200:], 0.05, stop))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "--timeout", "0.4", "hi")
        elapsed = time.monotonic() - arrived[0]
        stop.set()
    assert (out.code, out.stdout) == (8, "")
    assert out.stderr == "lowrouter: error: no complete answer from 127.0.0.1 within 0.4 s (--timeout)\n"
    assert elapsed < 2.5


def test_dripped_headers_are_a_timeout_never_an_answer(tmp_path):
    stop = threading.Event()
    data = head("200 OK", "Content-Type: text/event-stream", *[f"X-Pad-{i}: {'p' * 20}" for i in range(40)])
    for command in ("chat", "stream"):
        arrived = []  # when the request reached the gateway: the CLI's own start-up is not timed
        with HostileGateway(lambda x: (arrived.append(time.monotonic()), drip(x, data, 0.02, stop))) as gw:
            out = run_cli(tmp_path, gw.base_url, command, "--timeout", "0.3", "hi")
            elapsed = time.monotonic() - arrived[0]
            stop.set()
        what = "complete answer" if command == "chat" else "headers"
        assert (command, out.code, out.stderr) == (
            command, 8, f"lowrouter: error: no {what} from 127.0.0.1 within 0.3 s (--timeout)\n")
        assert elapsed < 2.5
        stop.clear()


def test_max_time_stops_an_endless_stream_and_keeps_the_text(tmp_path):
    stop = threading.Event()

    arrived = []  # when the request reached the gateway: the CLI's own start-up is not timed

    def respond(x):
        arrived.append(time.monotonic())
        x.send(sse_response(sse(chunk("tick "), done=False)))
        while not stop.is_set():  # a token every 50 ms: never silent long enough for --timeout
            x.send(sse(chunk("tick "), done=False))
            time.sleep(0.05)

    for how in (["--max-time", "0.3"], []):
        with HostileGateway(respond) as gw:
            out = run_cli(tmp_path, gw.base_url, "stream", "--timeout", "5", *how, "hi",
                          environ={} if how else {"LOWROUTER_MAX_TIME": "0.3"})
            elapsed = time.monotonic() - arrived[-1]
            stop.set()
        stop.clear()
        assert out.code == 8
        assert out.stderr == ("lowrouter: error: stopped after 0.3 s (--max-time); the answer is incomplete "
                              "(generation gen-1)\n")
        assert out.stdout.startswith("tick tick ") and set(out.stdout.split()) == {"tick"}
        assert elapsed < 3


def test_a_header_block_cut_by_the_connection_closing_is_no_answer(tmp_path):
    with HostileGateway(lambda x: x.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Le")) as gw:
        for command in ("chat", "stream"):
            out = run_cli(tmp_path, gw.base_url, command, "hi")
            assert (command, out.code, out.stdout, out.stderr.splitlines()[-1]) == (
                command, 8, "", "lowrouter: error: 127.0.0.1 closed the connection without answering")


def test_a_body_of_millions_of_tiny_values_is_refused_before_it_is_parsed(tmp_path):
    for body in (b"[" + b"{}," * 400_000 + b"{}]", b"[" + b"1," * 1_100_000 + b"1]"):
        with HostileGateway(lambda x: x.send(json_response(body))) as gw:
            out = run_cli(tmp_path, gw.base_url, "chat", "hi")
        assert (out.code, out.stdout) == (7, "")
        assert out.stderr == ("lowrouter: error: a JSON document holds more than 200,000 objects and arrays or "
                              "1,000,000 values (the cap on JSON values)\n")


def test_text_shown_on_a_terminal_stays_when_the_stream_breaks(tmp_path):
    stream = sse(chunk("Kept \ud83d"), chunk("\ude00 text."), done=False) + b"data: {\"choices\": [{\"delta\": {\"con"
    with HostileGateway(lambda x: x.send(sse_response(stream))) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi", tty=True, environ={"TERM": "xterm", "NO_COLOR": "1"})
    assert out.code == 8
    assert "Kept \U0001F600 text." in out.stdout
    assert out.stderr.splitlines()[-1].startswith("lowrouter: error: answer truncated")


def test_an_error_status_with_a_short_or_corrupt_body_keeps_its_meaning(tmp_path):
    short = head("429 Too Many Requests", "Content-Type: application/json", "Retry-After: 0", length=500) + b'{"err'
    corrupt = head("401 Unauthorized", "Content-Type: application/json", "Content-Encoding: gzip",
                   length=12) + b"\x1f\x8b\x08\x00garbage!"
    for response, code in ((short, 5), (corrupt, 3)):
        with HostileGateway(lambda x: x.send(response)) as gw:
            out = run_cli(tmp_path, gw.base_url, "chat", "hi")
        assert (out.code, out.stdout) == (code, "")
        assert out.stderr.splitlines()[-1].startswith("lowrouter: error: HTTP ")


def test_a_retry_field_of_5000_digits_is_ignored(tmp_path):
    stream = b"retry: " + b"9" * 5000 + b"\n" + sse(chunk("Still."), chunk(finish="stop"))
    with HostileGateway(lambda x: x.send(sse_response(stream))) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert (out.code, out.stdout, out.stderr) == (0, "Still.\n", "")
