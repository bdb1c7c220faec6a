"""Property: whatever a gateway sends, `chat`, `stream` and `generation` end with a documented exit
code (never 1), at most one line on stderr and no traceback, only valid JSON/TOML in the files we
write, and any answer text printed is a prefix of the answer sent.

Hypothesis builds responses of valid shape with random types, sizes, nesting, string contents
(lone surrogates, control characters), encodings (identity, gzip, deflate, CESU-ish UTF-8),
framings (Content-Length, chunked, close-delimited; CRLF/CR/LF event lines), statuses, interim
1xx responses and cut points, and a loopback gateway serves them to the CLI run in-process.
20 derandomized examples per command in the suite; HOSTILE_EXAMPLES=300 runs more, at random."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from hostile import HostileGateway, run_cli

from lowrouter_cli.errors import ExitCode
from lowrouter_cli.jsontext import clean_text
from lowrouter_cli.paths import toml

DOCUMENTED = {int(code) for code in ExitCode} - {ExitCode.UNEXPECTED}
EXAMPLES = settings(max_examples=int(__import__("os").environ.get("HOSTILE_EXAMPLES", 20)), deadline=None,
                    derandomize=not __import__("os").environ.get("HOSTILE_EXAMPLES"),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

odd_text = st.lists(st.one_of(st.characters(), st.sampled_from(["\ud83d", "\ude00", "\udcff", "\n", "\r", "\x1b[2J",
                                                                "\u2028", "\x85", "\x00", "é", "😀"])),
                    max_size=10).map("".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(min_value=10**60).map(str),
                    st.floats(allow_nan=False, allow_infinity=False), odd_text,
                    st.sampled_from(["NaN", "Infinity", "1e999999", "-1", "0"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
                      max_leaves=8)


def maybe(strategy, good):
    """Mostly the right type, sometimes any value at all."""
    return st.one_of(st.just(good), strategy, values) if good is not None else st.one_of(strategy, values)


@st.composite
def routed(draw):
    return {"generation_id": draw(maybe(odd_text, "gen-1")),
            "routed": draw(st.one_of(st.fixed_dictionaries({"model": maybe(odd_text, "m"),
                                                            "provider": maybe(odd_text, "p"),
                                                            "region": maybe(odd_text, "r")}), values))}


@st.composite
def usage(draw):
    return draw(st.one_of(st.fixed_dictionaries({"prompt_tokens": maybe(st.integers(), 3),
                                                 "completion_tokens": maybe(st.integers(), 2),
                                                 "cost": maybe(st.floats(), 0.001)}), values))


@st.composite
def completion_body(draw):
    content = draw(st.one_of(odd_text, odd_text, values))
    body = {"id": "c", "model": draw(maybe(odd_text, "m")),
            "choices": draw(st.one_of(st.just([{"index": 0, "message": {"role": "assistant", "content": content},
                                                "finish_reason": draw(maybe(odd_text, "stop"))}]), values)),
            "usage": draw(usage()), "lowrouter": draw(st.one_of(routed(), values))}
    text = (content if isinstance(content, str) else "" if content is None else None) \
        if isinstance(body["choices"], list) else None
    return body, text


@st.composite
def stream_events(draw):
    pieces = draw(st.lists(st.one_of(odd_text, odd_text, values), max_size=6))
    events = [{"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
               "lowrouter": draw(st.one_of(routed(), values))} for piece in pieces]
    ending = draw(st.sampled_from(["finish", "finish", "error", "none"]))
    if ending == "finish":
        events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": draw(usage())})
    elif ending == "error":
        events.append({"error": draw(maybe(values, {"message": "boom", "code": 502}))})
    if draw(st.booleans()):
        events.insert(draw(st.integers(0, len(events))), draw(values))  # a stray event of any shape
    return events, [piece for piece in pieces if isinstance(piece, str)]


def to_json(value, ascii_only: bool) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8 bytes


@st.composite
def wire(draw, body: bytes, content_type: str):
    """Status line, headers and body as sent: encoding, framing, interim responses, a cut point."""
    status = draw(st.sampled_from(["200 OK"] * 6 + ["500 Oops", "429 Slow", "503 Busy", "404 Gone", "401 No"]))
    encoding = draw(st.sampled_from([None, None, "gzip", "deflate"]))
    if encoding == "gzip":
        body = gzip.compress(body)
    elif encoding == "deflate":
        body = zlib.compress(body)
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    headers = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", "Connection: close"]
    if encoding:
        headers.append(f"Content-Encoding: {encoding}")
    if status.startswith("429") or status.startswith("503"):
        headers.append("Retry-After: 0")
    if framing == "length":
        headers.append(f"Content-Length: {len(body) + draw(st.sampled_from([0, 0, 0, 7]))}")
    elif framing == "chunked":
        headers.append("Transfer-Encoding: chunked")
        size = draw(st.integers(1, 64))
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                        for i in range(0, len(body), size)) + b"0\r\n\r\n"
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" if draw(st.booleans()) else b""
    data = interim + ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    if draw(st.integers(0, 4)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return data


# On a terminal, a slow answer (a loaded machine) shows the spinner's frames, each erased by the
# next and the last by blanks: none of them is a line of the outcome.
SPINNER_FRAMES = re.compile(r"\r(?:\x1b\[2m)?[\u2800-\u28ff] [^\r\n]*|\r *\r")


def check_outcome(out, tmp_path: Path) -> None:
    assert out.code in DOCUMENTED, (out.code, out.stderr)
    assert "Traceback" not in out.stderr
    stderr = SPINNER_FRAMES.sub("", out.stderr)
    lines = [line for line in stderr.splitlines(keepends=True) if "retrying in" not in line]  # notices
    assert len(lines) <= 1 and "".join(lines).endswith("\n") == bool(lines), out.stderr
    for path in tmp_path.rglob("*"):
        if path.suffix in (".json", ".jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines() if path.suffix == ".jsonl" else [path.read_text()]:
                json.loads(line, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        elif path.suffix == ".toml":
            toml().loads(path.read_text(encoding="utf-8"))


def check_prefix(printed: str, sent: str | None) -> None:
    """What was printed is the start of what was sent (lone surrogates shown as U+FFFD)."""
    if not printed:
        return
    assert sent is not None, repr(printed)
    sent = clean_text(sent)
    assert sent.startswith(printed) or (printed.endswith("\n") and sent.startswith(printed[:-1])), (printed, sent)


def serve_and_run(data, tmp_path: Path, body: bytes, content_type: str, *argv: str, tty: bool = False):
    """Serve `body` as hypothesis frames it, run the CLI against it, check what every run must meet."""
    response = data.draw(wire(body, content_type))
    with HostileGateway(lambda x: x.send(response)) as gw:
        out = run_cli(tmp_path, gw.base_url, *argv, tty=tty)
    check_outcome(out, tmp_path)
    return out


@given(data=st.data())
@EXAMPLES
def test_chat_against_a_hostile_gateway(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("chat")
    body, text = data.draw(completion_body())
    tty = data.draw(st.booleans())  # on a terminal the answer is rendered: only the outcome is checked
    out = serve_and_run(data, tmp_path, to_json(body, data.draw(st.booleans())), "application/json", "chat", "hi",
                        tty=tty)
    if not tty:
        check_prefix(out.stdout, text)


@given(data=st.data())
@EXAMPLES
def test_stream_against_a_hostile_gateway(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("stream")
    events, pieces = data.draw(stream_events())
    newline = data.draw(st.sampled_from(["\n", "\r\n", "\r"]))
    ascii_only = data.draw(st.booleans())
    if not ascii_only:  # a lone surrogate went out as invalid UTF-8: each bad byte reads as U+FFFD
        pieces = [p.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for p in pieces]
    text = "".join(pieces)
    fields = data.draw(st.lists(st.sampled_from([b": keep-alive", b"retry: 3000", b"retry: " + b"9" * 5000,
                                                  b"id: 7", b"id: \x00", b"event: ping", b"data", b"\xef\xbb\xbf"]),
                                max_size=3))
    stream = b"".join(field + newline.encode() for field in fields)
    stream += b"".join(b"data: " + to_json(event, ascii_only) + (newline * 2).encode() for event in events)
    if data.draw(st.booleans()):
        stream += f"data: [DONE]{newline}{newline}".encode()
    tty = data.draw(st.booleans())
    out = serve_and_run(data, tmp_path, stream, "text/event-stream", "stream", "hi", tty=tty)
    if not tty:
        check_prefix(out.stdout, text)


@given(data=st.data())
@EXAMPLES
def test_generation_against_a_hostile_gateway(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("generation")
    record = data.draw(st.one_of(values, st.fixed_dictionaries({
        "id": maybe(odd_text, "gen-1"), "model": maybe(odd_text, "m"), "streamed": maybe(odd_text, True),
        "total_cost": maybe(st.floats(), 0.1), "tokens_prompt": maybe(st.integers(), 3),
        "lowrouter": st.fixed_dictionaries({"eco": maybe(values, {"energy_wh": 1.0, "pue": 1.2}),
                                            "routing_trace": maybe(values, {"candidates": [{"provider": "p"}]})}),
    })))
    raw = to_json({"data": record} if data.draw(st.booleans()) else record, data.draw(st.booleans()))
    out = serve_and_run(data, tmp_path, raw, "application/json", "generation", "gen-1", tty=data.draw(st.booleans()))
    assert re.search(r"\x1b\[[0-9;]*J", out.stdout) is None  # no screen-clearing from the record's text
