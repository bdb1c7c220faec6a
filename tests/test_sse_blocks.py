"""The SSE decoder's block path (a whole read of plain `data:` events decoded in C) gives exactly
what the line-by-line path gives: the same events, ids, retries and comment count, however the
bytes are cut, and whatever the lines are."""

from hypothesis import given, settings, strategies as st

from lowrouter_cli.sse import Event, SSEDecoder

LINES = [b"data: {\"a\": 1}", b"data: x", b"data:tight", b"data: caf\xc3\xa9 \xe2\x80\xa8", b"data: \xf0\x9f",
         b"data: \xff\xfe", b"data: [DONE]", b": keep-alive", b"event: ping", b"id: 7", b"id", b"retry: 10",
         b"data", b"", b"", b"", b"unknown: field", b"data: a\n\ndata: b"]


def one_byte_at_a_time(stream: bytes) -> tuple[list[Event], int]:
    """The line-by-line path alone: a read of one byte ends at most one line, never a block."""
    decoder = SSEDecoder()
    events = [event for i in range(len(stream)) for event in decoder.feed(stream[i:i + 1])]
    return events, decoder.comments


def in_blocks(stream: bytes, cuts: list[int], data_only: bool) -> tuple[list, int]:
    decoder = SSEDecoder()
    events: list = []
    start = 0
    for end in [*sorted(set(cuts)), len(stream)]:
        events += (decoder.feed_data if data_only else decoder.feed)(stream[start:end])
        start = end
    return events, decoder.comments


@settings(max_examples=400)
@given(st.lists(st.sampled_from(LINES), max_size=30), st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]),
       st.lists(st.integers(0, 2000), max_size=6))
def test_blocks_decode_exactly_as_line_by_line(lines, newline, cuts):
    stream = newline.join(lines) + newline
    cuts = [cut % (len(stream) + 1) for cut in cuts]
    expected, comments = one_byte_at_a_time(stream)
    assert in_blocks(stream, cuts, data_only=False) == (expected, comments)
    assert in_blocks(stream, cuts, data_only=True) == ([event.data for event in expected], comments)


def test_a_block_of_plain_events_and_what_comes_after_it():
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 4\nretry: 9\n\n") == []
    assert decoder.feed(b"data: one\n\ndata: two \xe2\x80\xa8\n\ndata: thr") == [
        Event("one", id="4", retry=9), Event("two \u2028", id="4", retry=9)]
    assert decoder.feed(b"ee\nevent: named\n") == []  # the lines after the last event carry on
    assert decoder.feed(b"\ndata: four\n\n") == [Event("three", event="named", id="4", retry=9),
                                                   Event("four", id="4", retry=9)]
    assert decoder.feed_data(b"data: five\n\ndata: six\n\n") == ["five", "six"]


def test_an_event_carried_over_from_the_last_read_is_finished_first():
    decoder = SSEDecoder()
    assert decoder.feed_data(b"data: a\n") == []
    assert decoder.feed_data(b"data: b\n\ndata: c\n\n") == ["a\nb", "c"]


def test_a_field_carried_over_alone_still_names_the_next_event():
    decoder = SSEDecoder()
    assert decoder.feed(b"event: ping\n") == []
    assert decoder.feed(b"data: x\n\ndata: y\n\n") == [Event("x", event="ping"), Event("y")]
