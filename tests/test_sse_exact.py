"""Exact outcomes of the SSE decoder's field rules and line splitting, one rule a test (written
against the mutants mutmut left alive: scripts/mutmut.sh)."""

from lowrouter_cli.sse import Event, SSEDecoder


def feed_all(*chunks):
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events


def test_retry_takes_twelve_ascii_digits_and_no_more():
    assert feed_all(b"retry: 123456789012\ndata: a\n\n") == [Event("a", retry=123456789012)]
    assert feed_all(b"retry: 1234567890123\ndata: a\n\n") == [Event("a")]


def test_retry_ignores_signs_spaces_and_non_ascii_digits():
    for value in (b"-5", b"+5", b"5 ", b"1.5", b"", b"\xd9\xa3"):  # the last is ARABIC-INDIC DIGIT THREE
        assert feed_all(b"retry: " + value + b"\ndata: a\n\n") == [Event("a")], value


def test_retry_keeps_its_last_valid_value_for_later_events():
    assert feed_all(b"retry: 7\ndata: a\n\nretry: x\ndata: b\n\n") == [Event("a", retry=7), Event("b", retry=7)]


def test_an_id_with_nul_is_ignored_and_the_last_id_stays():
    assert feed_all(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [Event("a", id="1"), Event("b", id="1")]


def test_an_empty_id_resets_the_last_id_to_empty():
    assert feed_all(b"id: 1\ndata: a\n\nid\ndata: b\n\n") == [Event("a", id="1"), Event("b", id="")]


def test_only_one_space_after_the_colon_is_dropped():
    assert feed_all(b"data:  two\n\n") == [Event(" two")]
    assert feed_all(b"event:  x\ndata: a\n\n") == [Event("a", event=" x")]
    assert feed_all(b"data:no space\n\n") == [Event("no space")]


def test_a_field_name_must_match_exactly():
    assert feed_all(b"Data: a\nevent : x\nDATA: b\n\n") == []
    assert feed_all(b"data : a\n\n") == []


def test_the_event_type_applies_to_one_event_only():
    assert feed_all(b"event: add\ndata: a\n\ndata: b\n\n") == [Event("a", event="add"), Event("b")]


def test_an_event_type_without_data_is_forgotten_at_the_blank_line():
    assert feed_all(b"event: add\n\ndata: b\n\n") == [Event("b")]


def test_a_value_keeps_later_colons():
    assert feed_all(b"data: a: b:c\n\n") == [Event("a: b:c")]
    assert feed_all(b"data:a:b\n\n") == [Event("a:b")]


def test_comments_count_one_per_line_and_are_not_data():
    decoder = SSEDecoder()
    assert decoder.feed(b":\n: x\n:data: y\n\n") == []
    assert decoder.comments == 3


def test_lf_cr_pairs_are_two_line_ends():
    # LF then CR: an LF ends the line, and the CR ends an empty one (a dispatch)
    assert feed_all(b"data: a\n\rdata: b\n\r") == [Event("a"), Event("b")]


def test_mixed_line_ends_in_one_read():
    assert feed_all(b"data: a\ndata: b\r\ndata: c\rdata: d\n\r\n") == [Event("a\nb\nc\nd")]


def test_a_cr_in_the_middle_of_a_read_does_not_wait_for_an_lf():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\rdata: b") == [Event("a")]
    assert decoder.feed(b"\r\n\r\n") == [Event("b")]


def test_a_cr_ending_a_read_swallows_only_one_lf_of_the_next():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\n") == [Event("a")]  # the first LF pairs with the CR, the second dispatches


def test_a_cr_ending_a_read_then_no_lf():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"data: b\r\r") == [Event("a\nb")]


def test_text_after_the_last_line_end_waits_for_its_end():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\ndata: b") == []
    assert decoder.feed(b"c\r\n") == []
    assert decoder.feed(b"\r\n") == [Event("a\nbc")]


def test_a_line_split_over_reads_without_line_ends_is_joined_in_order():
    decoder = SSEDecoder()
    assert decoder.feed(b"da") == []
    assert decoder.feed(b"ta: x") == []
    assert decoder.feed(b"y") == []
    assert decoder.feed(b"z\n\n") == [Event("xyz")]
    assert decoder.feed(b"data: 1") == []
    assert decoder.feed(b"2\r\r") == [Event("12")]


def test_an_empty_read_changes_nothing():
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\ndata: b\n\n") == [Event("a\nb")]


def test_a_bom_alone_then_the_stream():
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef\xbb\xbf") == []
    assert decoder.feed(b"data: a\n\n") == [Event("a")]
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == []  # a later BOM is kept: an unknown field name


def test_a_short_first_read_that_is_not_a_bom_is_kept():
    decoder = SSEDecoder()
    assert decoder.feed(b"d") == []
    assert decoder.feed(b"ata: a\n\n") == [Event("a")]


def test_a_partial_bom_then_other_bytes_keeps_them_all():
    assert feed_all(b"\xef\xbb", b"data: a\n\n") == []  # the two bytes make an unknown field name
    assert feed_all(b"\xef", b"\xbb\xbf", b"data: a\n\n") == [Event("a")]


def test_id_is_the_one_set_before_the_blank_line():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\nid: 5\n\n") == [Event("a", id="5")]
    assert decoder.feed(b"data: b\n\n") == [Event("b", id="5")]


def test_multiline_data_joined_with_lf():
    assert feed_all(b"data: a\ndata:\ndata: b\n\n") == [Event("a\n\nb")]


def test_a_comment_in_a_short_first_read_is_counted_at_once():
    decoder = SSEDecoder()
    assert decoder.feed(b":\n") == []
    assert decoder.comments == 1


# feed_data and the plain path (a buffer of `data: ` events alone, decoded in one pass)


def both(*chunks):
    """feed's events and feed_data's strings for the same reads, each from a fresh decoder."""
    full, plain = SSEDecoder(), SSEDecoder()
    events, data = [], []
    for chunk in chunks:
        events.extend(full.feed(chunk))
        data.extend(plain.feed_data(chunk))
    assert data == [event.data for event in events]
    return events


def test_plain_events_carry_the_id_and_retry_they_were_sent_under():
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\nretry: 7\n\n") == []
    assert decoder.feed(b"data: a\n\ndata: b\n\n") == [Event("a", id="1", retry=7), Event("b", id="1", retry=7)]
    assert decoder.feed(b"data: c\n\nid: 2\n") == [Event("c", id="1", retry=7)]  # the id after the event
    assert decoder.feed(b"data: d\n\n") == [Event("d", id="2", retry=7)]


def test_plain_events_and_the_start_of_the_next():
    assert both(b"data: a\n\ndata: b\n\ndata: c", b"\n\n") == [Event("a"), Event("b"), Event("c")]
    assert both(b"data: a\n\ndata: b\n", b"data: c\n\n") == [Event("a"), Event("b\nc")]
    assert both(b"data: a\n\nevent: e\n", b"data: b\n\n") == [Event("a"), Event("b", event="e")]
    assert both(b"data: a\n\n: keep\n", b"data: b\n\n") == [Event("a"), Event("b")]


def test_what_the_plain_path_leaves_to_the_line_path():
    assert both(b"data: x\n", b"data: a\n\n") == [Event("x\na")]  # data carried over
    assert both(b"event: e\n", b"data: a\n\n") == [Event("a", event="e")]  # an event type carried over
    assert both(b"data: a\ndata: b\n\ndata: c\n\n") == [Event("a\nb"), Event("c")]  # two data lines
    assert both(b"data:a\n\n") == [Event("a")]  # no space after the colon
    assert both(b"data: a\n\ndata:b\n\n") == [Event("a"), Event("b")]
    assert both(b": hi\n\ndata: a\n\n") == [Event("a")]
    assert both(b"data: a\n\n\n\ndata: b\n\n") == [Event("a"), Event("b")]
    assert both(b"data: a\r\n\r\ndata: b\n\n") == [Event("a"), Event("b")]
    assert both(b"id: 3\ndata: a\n\ndata: b\n\n") == [Event("a", id="3"), Event("b", id="3")]
    assert both(b"data: a\n\n", b"id: 4\n\n", b"data: b\n\n") == [Event("a"), Event("b", id="4")]


def test_the_plain_path_replaces_bad_utf8_and_keeps_colons_and_spaces():
    assert both(b"data: caf\xff\n\ndata:  two: x \n\n") == [Event("caf\ufffd"), Event(" two: x ")]
    assert both(b"data: \n\n") == [Event("")]


def test_comments_are_counted_on_the_plain_path_too():
    decoder = SSEDecoder()
    assert decoder.feed_data(b": a\n\ndata: x\n\n: b\n") == ["x"]
    assert decoder.comments == 2


def test_an_event_over_the_cap_is_refused_when_it_comes_whole(monkeypatch):
    import pytest

    from lowrouter_cli import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 20)
    for feed in (SSEDecoder().feed, SSEDecoder().feed_data):
        with pytest.raises(sse.EventTooLarge, match="^a stream event is longer than 0 MiB$"):
            feed(b"data: " + b"x" * 15 + b"\n\n")  # 21 bytes of line
    assert SSEDecoder().feed_data(b"data: " + b"x" * 14 + b"\n\n") == ["x" * 14]  # 20: at the cap
    assert SSEDecoder().feed_data(b"data: " + b"x" * 12 + b"\n\n") == ["x" * 12]  # 20 bytes of read


def test_feed_data_waits_for_a_line_end_and_an_empty_read_gives_nothing():
    decoder = SSEDecoder()
    assert decoder.feed_data(b"") == []
    assert decoder.feed_data(b"\xef\xbb") == []
    assert decoder.feed_data(b"\xbfdata: a") == []
    assert decoder.feed_data(b"\n\ndata: b\r") == ["a"]
    assert decoder.feed_data(b"\n\n") == ["b"]


def test_the_line_path_keeps_a_long_data_line_whole_and_replaces_bad_utf8():
    text = b"y" + b"x" * 70000
    assert feed_all(b"data: " + text + b"\r\n\r\n") == [Event(text.decode())]
    assert feed_all(b"data: caf\xff\r\n\r\n") == [Event("caf\ufffd")]
    assert feed_all(b"data: a\xff\ndata: b\n\n") == [Event("a\ufffd\nb")]
    long_bad = b"\xff" + b"x" * 70000
    assert feed_all(b"data: " + long_bad + b"\r\r") == [Event("\ufffd" + "x" * 70000)]


def test_one_byte_after_the_plain_events_starts_the_next_line():
    assert both(b"data: a\n\nd", b"ata: b\n\n") == [Event("a"), Event("b")]
    assert both(b"data: a\n\n:", b"\ndata: b\n\n") == [Event("a"), Event("b")]


def test_what_follows_the_plain_events_is_read_from_its_first_byte():
    # The last event's data ends in "id": read again as a line, it would set an empty last id.
    assert both(b"data: xid\n\nd", b"ata: b\n\n") == [Event("xid"), Event("b")]
