"""A hostile review of the piped stream's read path (byte_stream.Dechunker, sse.SSEDecoder's plain
path, jsontext.StringSlot in ChatStream): each part checked against an independent reference
(int(size, 16) framing, the WHATWG line rules, json.loads per chunk), and end to end through a
gateway on 127.0.0.1 that frames its answer in every odd way HTTP allows or forbids."""

import json

from hypothesis import example, given, settings, strategies as st

from hostile import HostileGateway, head, run_cli
from test_hostile_data import ledger_rows

from lowrouter_cli import api
from lowrouter_cli.byte_stream import Dechunker
from lowrouter_cli.errors import TruncatedAnswer
from lowrouter_cli.events import Content, Failure
from lowrouter_cli.sse import SSEDecoder

FAST = settings(max_examples=60, deadline=None)


def fed(framing, wire: bytes, cuts) -> tuple[bytes, bool, bool]:
    out, start = [], 0
    for end in [*sorted(set(cuts)), len(wire)]:
        if framing.done:
            break
        if end > start:
            out.append(framing.feed(wire[start:end]))
        start = end
    return b"".join(out), framing.done, framing.error is not None


# -- chunked framing ----------------------------------------------------------------------------

SIZE_LINES = st.tuples(st.integers(0, 22), st.sampled_from(["%x", "%X"]),
                       st.sampled_from(["", ";a=b", ';x="1;2"', " ", "\t;q"]), st.sampled_from(["\r\n", "\n"]))


@FAST
@given(st.lists(st.tuples(st.binary(min_size=1, max_size=30), SIZE_LINES), max_size=6),
       st.lists(st.integers(0, 500), max_size=10))
def test_every_size_line_http_allows_reads_as_int_of_its_hex_reads_it(chunks, cuts):
    """Leading zeros (any number: RFC 9112's chunk-size is 1*HEXDIG), either case, extensions,
    whitespace before them, LF-only lines: the size is what int(digits, 16) says, cut anywhere."""
    wire = b""
    for payload, (zeros, digits, extension, end) in chunks:
        wire += ("0" * zeros + digits % len(payload) + extension + end).encode() + payload + b"\r\n"
    wire += b"0" * 21 + b"\r\nTrailer: x\r\n\r\nnever read"
    assert fed(Dechunker(), wire, [c % (len(wire) + 1) for c in cuts]) == (
        b"".join(payload for payload, _ in chunks), True, False)


def test_a_size_line_of_twenty_digits_with_leading_zeros_is_a_size():
    framing = Dechunker()
    assert framing.feed(b"0000000000000000000005\r\nhello\r\n00000000000000000000\r\n\r\n") == b"hello"
    assert framing.done and framing.error is None


def test_sizes_past_64_bits_signs_and_inner_spaces_are_not_sizes():
    for line in (b"10000000000000000", b"+5", b"-5", b"5 5", b"0x5", b"5_0", b"\xef\xbc\x95"):  # last: a fullwidth 5
        framing = Dechunker()
        assert fed(framing, b"2\r\nok\r\n" + line + b"\r\nhello\r\n0\r\n\r\n", []) == (b"ok", True, True), line


def test_size_lines_kept_to_parse_once_are_short_ones_never_a_gateways_long_extensions():
    """4096 distinct 64 kB size lines (a long extension each) were all kept: 256 MB held for a
    cache of a few hundred sizes."""
    framing = Dechunker()
    wire = b"".join(b"1;n=%04d%s\r\n%d\r\n" % (n, b"x" * 2000, n % 10) for n in range(300))
    assert fed(framing, wire, range(0, len(wire), 4096)) == (b"".join(b"%d" % (n % 10) for n in range(300)), False, False)
    assert framing.feed(b"1\r\n!\r\n1;short\r\n?\r\n") == b"!?"
    assert framing._sizes == {b"1\r": 1, b"1;short\r": 1}


# -- SSE lines, against the WHATWG rules written out plainly ------------------------------------------

def whatwg_data(stream: bytes) -> list[str]:
    if stream.startswith(b"\xef\xbb\xbf"):
        stream = stream[3:]
    lines, line, at = [], b"", 0
    while at < len(stream):
        byte = stream[at:at + 1]
        if byte in (b"\r", b"\n"):
            lines.append(line)
            line = b""
            at += 2 if stream[at:at + 2] == b"\r\n" else 1
            continue
        line += byte
        at += 1
    events, data = [], []
    for raw in lines:
        text = raw.decode("utf-8", "replace")
        if not text:
            if data:
                events.append("\n".join(data))
            data = []
            continue
        name, colon, value = text.partition(":")
        if name == "data":
            data.append(value[1:] if colon and value.startswith(" ") else value)
    return events


PIECES = st.sampled_from([b"data: ", b"data:", b"data", b"\n", b"\r", b"\r\n", b"\n\n", b"{}", b"x", b"id: 3\n",
                          b"event: e\n", b": c\n", b"retry: 5\n", b"\xef\xbb\xbf", b"\xc3", b"\xa9", b"\xe2\x80\xa8",
                          b"data: [DONE]\n\n", b"data: a\n\ndata: b\n\n"])


@FAST
@given(st.lists(PIECES, max_size=16), st.lists(st.integers(0, 200), max_size=6))
@example([b"data: a\r", b"\n\n"], [])  # a CR before the blank line: no part of the data
@example([b"data: a\r\n\r\n", b"data: b\n\n"], [])
def test_the_data_of_each_event_is_what_the_line_rules_give_however_the_bytes_are_cut(pieces, cuts):
    stream = b"".join(pieces)
    decoder, data, start = SSEDecoder(), [], 0
    for end in [*sorted({c % (len(stream) + 1) for c in cuts}), len(stream)]:
        data += decoder.feed_data(stream[start:end])
        start = end
    assert data == whatwg_data(stream)


# -- content chunks read through a template, against json.loads per chunk -----------------------------

PREFIX = '{"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":'
SUFFIX = '},"finish_reason":null}],"lowrouter":{"generation_id":"gen-1"}}'
SHAPED = st.sampled_from([  # each fits between PREFIX and SUFFIX, and is not one plain string
    '"x","content":"y"', '"x"},"delta":{"content":"y"', '"x","refusal":"no"', '"x","role":"tool"',
    '"x","tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]', '42', 'null', '{"a":"b"}', '["y"]',
    '"x"},"finish_reason":"length"}],"q":[{"r":{"s":"y"', '"x"}}],"error":{"code":502,"message":"boom"},"q":[{"r":{"s":"y"',
    '"x"}}],"usage":{"completion_tokens":9},"q":[{"r":{"s":"y"', '"x"}}],"model":"other","q":[{"r":{"s":"y"',
    '"x"}}],"lowrouter":{"generation_id":"gen-9"},"q":[{"r":{"s":"y"', ' "x"', '"x" ', '"x\x01"', '"x', '"\\x41"',
    '"\\ud83d"', '"\\ude00"', '"\\"\\\\"', '"x"} '])
MIDDLES = st.one_of(st.text(max_size=6).map(json.dumps), st.text(max_size=6).map(lambda t: json.dumps(t, ensure_ascii=False)),
                    SHAPED)


FINISH = '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'  # no model or id: the last one sent stays'


def reference(chunks: list[str]) -> tuple[str, list[str], str, str]:
    """What json.loads of each chunk says the stream holds: its text (a surrogate pair split across
    chunks joined, a lone half as U+FFFD), the other events in order, the generation id, the model."""
    text, kinds, generation, model = "", [], "gen-1", "m"
    for chunk in chunks:
        try:
            payload = json.loads(chunk)
        except ValueError:
            kinds.append("Failure")
            break
        generation = payload.get("lowrouter", {}).get("generation_id", generation)
        model = payload.get("model", model)
        choice = payload["choices"][0]
        delta = choice.get("delta", {})
        if delta.get("refusal"):
            kinds.append("Refusal")
        kinds += ["ToolCallFragment"] * len(delta.get("tool_calls", []))
        if not isinstance(delta.get("content"), (str, type(None))):
            kinds.append("Failure")
            break
        text += delta.get("content") or ""
        if choice.get("finish_reason"):
            kinds.append("Finish")
            if text and "\ud800" <= text[-1] <= "\udbff":
                text = text[:-1] + "\ufffd"  # its other half never came
        if "usage" in payload:
            kinds.append("Usage")
        if payload.get("error"):
            kinds.append("Failure")
            break
    if text and "\ud800" <= text[-1] <= "\udbff":
        text = text[:-1]  # held for its other half, which never came
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"), kinds, generation, model


# Around the string, the same length but not the same text: another model, id, finish or error.
PREFIXES = st.sampled_from([PREFIX] * 6 + [PREFIX.replace('"m"', '"n"'), PREFIX.replace('"c1"', '"c2"')])
SUFFIXES = st.sampled_from([SUFFIX] * 6 + [SUFFIX.replace("null", '"st"'), SUFFIX.replace("gen-1", "gen-9"),
                                           SUFFIX.replace('"finish_reason":null', '"error":"stop!!!!"')])


@FAST
@given(st.lists(st.tuples(PREFIXES, MIDDLES, SUFFIXES), min_size=1, max_size=10))
def test_a_chunk_shaped_to_fit_the_template_reads_as_json_loads_reads_it(parts):
    chunks = [PREFIX + '"a"' + SUFFIX] * 2 + ["".join(part) for part in parts] + [FINISH]
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    events = []
    try:
        for event in stream:
            events.append(event)
    except Exception:  # noqa: BLE001 - a Failure is among the events compared
        pass
    text = "".join(event.text for event in events if type(event) is Content)
    kinds = [type(event).__name__ for event in events if type(event) is not Content]
    assert (text, kinds, stream.generation_id, stream.routed.model) == reference(chunks)


class Reads:
    def __init__(self, reads):
        self.reads, self.headers = reads, {"X-LowRouter-Generation-Id": "gen-1"}

    def __iter__(self):
        return iter(self.reads)

    def close(self):
        pass


# -- end to end: a gateway on 127.0.0.1 ---------------------------------------------------------------

STREAM_HEAD = head("200 OK", "Content-Type: text/event-stream", "Transfer-Encoding: chunked")


def sse_chunk(text=None, finish=None, model="openai/gpt-4o-mini"):
    return ("data: " + json.dumps({"id": "c1", "model": model, "choices": [
        {"index": 0, "delta": {} if text is None else {"content": text}, "finish_reason": finish}],
        "lowrouter": {"generation_id": "gen-1"}}) + "\n\n").encode()


def framed(body: bytes, size_format: str, every: int) -> bytes:
    return b"".join((size_format % len(body[i:i + every])).encode() + b"\r\n" + body[i:i + every] + b"\r\n"
                    for i in range(0, len(body), every))


def test_a_stream_framed_with_zero_padded_sizes_and_extensions_sent_a_byte_at_a_time_is_read_whole(tmp_path):
    body = sse_chunk("Hel") + sse_chunk("lo") + sse_chunk(" wo") + sse_chunk("rld") + sse_chunk(None, "stop") \
        + b"data: [DONE]\n\n"
    wire = STREAM_HEAD + framed(body, "%020X;ext=1", 37) + b"0\r\n\r\n"

    def respond(exchange):
        for i in range(len(wire)):
            exchange.send(wire[i:i + 1])

    with HostileGateway(respond) as gateway:
        out = run_cli(tmp_path, gateway.base_url, "stream", "hi")
    assert (out.code, out.stdout, out.stderr) == (0, "Hello world\n", "")
    assert [(row["answer"], row["exit_code"]) for row in ledger_rows(tmp_path)] == [("Hello world", 0)]


def test_a_size_line_that_is_no_size_mid_stream_ends_in_exit_8_with_the_text_before_it_kept(tmp_path):
    before = framed(sse_chunk("Par") + sse_chunk("tial"), "%x", 1000)
    wire = STREAM_HEAD + before + b"+5\r\n" + framed(sse_chunk(" lost") + sse_chunk(None, "stop"), "%x", 1000)
    with HostileGateway(lambda exchange: exchange.send(wire)) as gateway:
        out = run_cli(tmp_path, gateway.base_url, "stream", "hi")
    assert (out.code, out.stdout) == (8, "Partial\n")
    assert out.stderr == "lowrouter: error: answer truncated: the connection was lost mid-answer (generation gen-1)\n"
    assert [(row["answer"], row["exit_code"]) for row in ledger_rows(tmp_path)] == [("Partial", 8)]


def test_an_error_shaped_to_fit_the_template_is_an_error_not_content(tmp_path):
    chunks = [sse_chunk("a"), sse_chunk("b"), sse_chunk("c").replace(
        b'"c"}', b'"c"}}], "error": {"code": 502, "message": "boom"}, "q": [{"r": {"s": "y"}')]
    wire = STREAM_HEAD + framed(b"".join(chunks), "%x", 4096) + b"0\r\n\r\n"
    with HostileGateway(lambda exchange: exchange.send(wire)) as gateway:
        out = run_cli(tmp_path, gateway.base_url, "stream", "hi")
    assert (out.code, out.stdout, out.stderr) == (7, "abc\n", "lowrouter: error: boom (generation gen-1)\n")


def test_events_complete_inside_a_chunk_the_connection_cut_are_shown_before_exit_8(tmp_path):
    """The last chunk announces 0x200 bytes and brings fewer: the events whole within them were
    sent, and are shown (urllib3's read_chunked dropped the whole chunk)."""
    head_of_chunk = sse_chunk("Part") + sse_chunk("ial") + b'data: {"choi'
    wire = STREAM_HEAD + framed(sse_chunk("Whole "), "%x", 4096) + b"200\r\n" + head_of_chunk
    with HostileGateway(lambda exchange: exchange.send(wire)) as gateway:
        out = run_cli(tmp_path, gateway.base_url, "stream", "hi")
    assert (out.code, out.stdout) == (8, "Whole Partial\n")
    assert out.stderr == "lowrouter: error: answer truncated: the connection was lost mid-answer (generation gen-1)\n"


def test_the_body_ends_at_the_last_chunk_whatever_follows_it_and_a_content_length_beside_it_counts_for_nothing(tmp_path):
    body = sse_chunk("Hel") + sse_chunk("lo")
    after_last = b"0\r\n\r\n" + sse_chunk(" smuggled") + sse_chunk(None, "stop")  # not the body: never shown
    both = head("200 OK", "Content-Type: text/event-stream", "Transfer-Encoding: chunked", "Content-Length: 10")
    with HostileGateway(lambda exchange: exchange.send(both + framed(body, "%x", 9) + after_last)) as gateway:
        out = run_cli(tmp_path, gateway.base_url, "stream", "hi")
    assert (out.code, out.stdout) == (8, "Hello\n")
    assert out.stderr == ("lowrouter: error: answer truncated: the stream ended before the answer was finished "
                          "(generation gen-1)\n")
