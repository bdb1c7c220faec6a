from hypothesis import given, settings, strategies as st

from lowrouter_cli.sse import Event, SSEDecoder

STREAM = (
    b": LOWROUTER PROCESSING\n\n"
    b'data: {"a": 1}\n\n'
    b"event: ping\r\nid: 7\r\nretry: 10\r\ndata: x\r\n\r\n"
    b"data: line one\rdata:line two\r\r"
    b"data: caf\xc3\xa9 \xe2\x80\xa8 ok\n\n"
    b"unknown: field\ndata\n\n"
    b"data: unfinished"
)
EXPECTED = [
    Event('{"a": 1}'),
    Event("x", event="ping", id="7", retry=10),
    Event("line one\nline two", id="7", retry=10),
    Event("caf\u00e9 \u2028 ok", id="7", retry=10),
    Event("", id="7", retry=10),
]


def decode(chunks):
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    decoder.end()
    return events


def test_whole_stream_decodes_by_the_whatwg_rules():
    assert decode([STREAM]) == EXPECTED


def test_one_byte_at_a_time_gives_the_same_events():
    assert decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_bom_only_at_start_even_when_split():
    assert decode([b"\xef", b"\xbb", b"\xbfdata: a\n\n"]) == [Event("a")]
    assert decode([b"data: \xef\xbb\xbfa\n\n"]) == [Event("\ufeffa")]


def test_crlf_split_across_reads_is_one_line_end():
    assert decode([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]) == [Event("a\nb")]


def test_event_dispatched_without_waiting_for_more_bytes():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n") == [Event("a")]
    assert decoder.feed(b"data: b\r\r") == [Event("b")]  # CR alone: no waiting for a possible LF


def test_comments_are_counted_as_keepalives():
    decoder = SSEDecoder()
    decoder.feed(b": keep-alive\n\n: again\r\n")
    assert decoder.comments == 2


def test_unfinished_event_at_eof_is_dropped():
    assert decode([b"data: a\n\ndata: b\n"]) == [Event("a")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_any_split_decodes_to_the_same_events(cuts):
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)])]
    assert decode(chunks) == EXPECTED


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise(chunks):
    events = decode(chunks)
    assert all(isinstance(event, Event) for event in events)


def test_end_drops_the_unfinished_event_and_leaves_a_clean_decoder():
    decoder = SSEDecoder()
    assert decoder.feed(b"event: odd\ndata: a\ndata: partial line") == []
    decoder.end()
    assert decoder.feed(b"data: b\n\n") == [Event("b")]  # neither "a", the line, nor the event type
    decoder.feed(b"data: c")
    decoder.end()
    assert decoder.feed(b"\n\n") == []


def test_event_and_line_caps_are_exact(monkeypatch):
    import pytest

    from lowrouter_cli import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 20)
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 0123456789ab\n") == []  # 18 bytes with "data: "
    with pytest.raises(sse.EventTooLarge, match="^a stream event is longer than 0 MiB$"):
        decoder.feed(b"data: x\n")  # 8 more: 26 in one event
    whole = SSEDecoder()
    assert whole.feed(b"data: 0123456789abcd\n\n") == [Event("0123456789abcd")]  # exactly 20
    assert whole.feed(b"data: 0123456789abcd\n\n") == [Event("0123456789abcd")]  # counted afresh
    with pytest.raises(sse.EventTooLarge, match="^a stream line is longer than 0 MiB$"):
        SSEDecoder().feed(b"data: 0123456789abcde\n"[:-1] + b"xx")
    pending = SSEDecoder()
    pending.feed(b"data: 0123456")
    pending.feed(b"789abcd")  # 20 bytes, still no line end: fine
    with pytest.raises(sse.EventTooLarge):
        pending.feed(b"e")


def test_the_caps_are_16_mib_and_say_so():
    import pytest

    from lowrouter_cli.sse import EventTooLarge

    big = b"x" * (16 * 1024 * 1024)
    with pytest.raises(EventTooLarge, match="^a stream line is longer than 16 MiB$"):
        SSEDecoder().feed(b"data: " + big)
    with pytest.raises(EventTooLarge, match="^a stream line is longer than 16 MiB$"):
        SSEDecoder().feed(b"data: a\n" + big + b"x")  # what follows the line end: the unfinished line
    decoder = SSEDecoder()
    assert decoder.feed(b"data: " + big[:-16] + b"\n") == []
    with pytest.raises(EventTooLarge, match="^a stream event is longer than 16 MiB$"):
        decoder.feed(b"data: 0123456789\n")


def test_the_line_cap_counts_what_was_kept_before_and_starts_afresh(monkeypatch):
    import pytest

    from lowrouter_cli import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 20)
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\n\ndata: 01234") == [Event("x")]  # 11 bytes kept of the next line
    decoder.feed(b"56789abcd")  # 20 with them
    with pytest.raises(sse.EventTooLarge):
        decoder.feed(b"e")
    again = SSEDecoder()
    again.feed(b"data: a")
    assert again.feed(b"b\n\n") == [Event("ab")]
    again.feed(b"data: 01234567890123")  # a new line: 20 bytes, counted from zero
    assert again.feed(b"\n\n") == [Event("01234567890123")]


def test_bad_utf8_becomes_replacement_characters_on_both_paths():
    assert decode([b"data: caf\xff\n\n"]) == [Event("caf\ufffd")]
    assert decode([b"data:caf\xff\n\n"]) == [Event("caf\ufffd")]


def test_a_long_data_line_keeps_its_first_character():
    text = b"y" + b"x" * 70000
    assert decode([b"data: " + text + b"\n\n"]) == [Event(text.decode())]


def test_a_bom_is_not_stripped_from_a_later_read():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a") == []
    assert decoder.feed(b"\xef\xbb\xbfb\n\n") == [Event("a\ufeffb")]


def test_a_fresh_read_after_end_is_a_new_line(monkeypatch):
    from lowrouter_cli import sse

    decoder = SSEDecoder()
    decoder.feed(b"data: left\ndata: over")
    decoder.end()
    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 20)
    assert decoder.feed(b"data: 01234567890123") == []  # no line end yet: 20 bytes, counted from zero
    assert decoder.feed(b"\n\n") == [Event("01234567890123")]


def test_an_unfinished_line_of_exactly_the_cap_is_kept(monkeypatch):
    from lowrouter_cli import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 20)
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\n\ndata: 01234567890123") == [Event("x")]
    assert decoder.feed(b"\n\n") == [Event("01234567890123")]
