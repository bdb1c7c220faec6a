"""A stream's content chunks read as one string in a known template (jsontext.StringSlot) give
exactly what parsing each chunk whole gives: the same events, errors, route and generation id,
whatever the chunks hold, however they change, and however hostile their layout."""

import json

from hypothesis import given, settings, strategies as st

from lowrouter_cli import api, jsontext
from lowrouter_cli.events import Failure

PATH = ("choices", 0, "delta", "content")


def chunk(content: str, model: str = "m", gen: str = "g", finish: str = "null", extra: str = "") -> str:
    return ('{"id": "c1", "model": "%s", "choices": [{"index": 0, "delta": {"content": %s}, "finish_reason": %s}]'
            '%s, "lowrouter": {"generation_id": "%s"}}' % (model, content, finish, extra, gen))


CONTENTS = st.one_of(
    st.text(max_size=12).map(json.dumps),
    st.text(max_size=12).map(lambda t: json.dumps(t, ensure_ascii=False)),
    st.sampled_from(['"\\ud83d"', '"\\ude00"', '"\\ud83d\\ude00"', '"a\x01b"', '""', "42", "null", '"x" ',
                     '"a", "content": "b"', '"a\\"', '"\\u00e9\\n"', '"[' + "[" * 5 + '"']))
CHUNKS = st.one_of(
    CONTENTS.map(chunk),
    CONTENTS.map(chunk), CONTENTS.map(chunk), CONTENTS.map(chunk),
    CONTENTS.map(lambda c: chunk(c, model="other")),
    CONTENTS.map(lambda c: chunk(c, gen="g2")),
    CONTENTS.map(lambda c: chunk(c, extra=', "usage": {"completion_tokens": 3}')),
    CONTENTS.map(lambda c: chunk(c, extra=', "provider": "p"')),
    CONTENTS.map(lambda c: chunk(c, extra=', "error": {"code": 502, "message": "gone"}')),
    CONTENTS.map(lambda c: chunk(c, finish='"stop"')),
    CONTENTS.map(lambda c: chunk(c, finish='"error"')),
    st.sampled_from(['{"choices": [{"delta": {"reasoning": "r"}}]}', '{"choices": []}', "not json", "[1]",
                     '{"a\\"content": "x", "choices": [{"delta": {"content": "x"}}]}']))


def outcome(chunks: list[str], shortcut: bool, keep_raw: bool = False):
    reads = [("".join(f"data: {c}\n\n" for c in chunks[i:i + 3])).encode() for i in range(0, len(chunks), 3)]
    stream = api.ChatStream(Reads(reads + [b"data: [DONE]\n\n"]), keep_raw=keep_raw)
    if not shortcut:
        stream._slot_tries = 0
    events, error = [], None
    try:
        for event in stream:  # an error compares by its type and message
            events.append((type(event.error), str(event.error)) if type(event) is Failure else event)
    except Exception as raised:  # noqa: BLE001 - the outcome compared is whatever happened
        error = (type(raised), str(raised))
    return events, error, stream.generation_id, stream.routed, stream.answer


class Reads:
    def __init__(self, reads):
        self.reads, self.headers = reads, {"X-LowRouter-Generation-Id": "g"}

    def __iter__(self):
        return iter(self.reads)

    def close(self):
        pass


@settings(max_examples=300)
@given(st.lists(CHUNKS, max_size=24))
def test_the_shortcut_gives_exactly_what_parsing_every_chunk_gives(chunks):
    assert outcome(chunks, shortcut=True) == outcome(chunks, shortcut=False)


def test_the_shortcut_is_taken_for_a_steady_stream_and_its_text_is_exact():
    chunks = [chunk(json.dumps(t)) for t in ["Hel", "lo \u00e9", "\ud83d", "\ude00", "", "\x1b[2J", "end"]]
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    events = next(stream._event_blocks())
    assert [e.text for e in events] == ["Hel", "lo \u00e9", "\U0001F600", "\x1b[2J", "end"]
    assert stream._content_slot is not None and stream._slot_tries == 7  # learned once, then reused


def test_a_chunk_that_changes_every_time_is_tried_a_few_times_then_parsed_whole():
    chunks = [chunk(json.dumps("t"), extra=f', "nonce": "{n}"') for n in range(20)]
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    assert len(next(stream._event_blocks())) == 20 and stream._slot_tries == 0


def test_json_lines_never_take_the_shortcut():
    chunks = [chunk(json.dumps(t)) for t in "abc"]
    assert outcome(chunks, shortcut=True, keep_raw=True) == outcome(chunks, shortcut=False, keep_raw=True)
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]), keep_raw=True)
    next(stream._event_blocks())
    assert stream._content_slot is None


def test_a_slot_is_only_where_the_path_is_and_is_proven():
    text = chunk('"x"', extra=', "other": "x"')
    slot = jsontext.string_slot(text, PATH)
    assert slot.prefix.endswith('"delta": {"content": ') and slot.suffix.startswith('}, "finish_reason"')
    assert slot.value(chunk('"y\\u00e9"', extra=', "other": "x"')) == "y\u00e9"
    assert slot.value(chunk('"y"', extra=', "other": "z"')) is None  # another document
    assert slot.value(chunk('"y" "z"', extra=', "other": "x"')) is None  # not one string
    assert slot.value(chunk('"a\x01"', extra=', "other": "x"')) is None  # not strict JSON
    assert slot.value(slot.prefix + '"' + slot.suffix) is None  # a quote alone: the string runs on
    assert slot.value(slot.prefix + slot.suffix) is None  # no string at all
    assert slot.value(slot.prefix + 'ab"' + slot.suffix) is None  # ends like a string, never began as one
    assert slot.value(slot.prefix + '"\\"' + slot.suffix) is None  # an escaped quote: no end
    # A quote inside a key that reads like a value, and a later duplicate key: never the slot.
    assert jsontext.string_slot('{"a\\": ": "x", "choices": [{"delta": {"content": "x"}}]}', PATH).prefix \
        == '{"a\\": ": "x", "choices": [{"delta": {"content": '
    assert jsontext.string_slot('{"choices": [{"delta": {"content": "x", "content": "x"}}]}', PATH).prefix \
        == '{"choices": [{"delta": {"content": "x", "content": '
    assert jsontext.string_slot('{"choices": [{"delta": {"content": 1}}]}', PATH) is None
    assert jsontext.string_slot("not json", PATH) is None


def test_a_text_past_one_mib_is_left_to_loads_which_counts_its_brackets():
    slot = jsontext.string_slot(chunk('"x"'), PATH)
    assert slot.value(chunk(json.dumps("[" * (1 << 20)))) is None
    assert slot.value(chunk(json.dumps("[" * 1000))) == "[" * 1000


def test_learning_tries_a_few_strings_equal_to_the_content_not_every_one():
    many = ", ".join(f'"k{n}": "x"' for n in range(4))
    assert jsontext.string_slot('{%s, "choices": [{"delta": {"content": "x"}}]}' % many, PATH) is None
    few = ", ".join(f'"k{n}": "x"' for n in range(3))
    assert jsontext.string_slot('{%s, "choices": [{"delta": {"content": "x"}}]}' % few, PATH) is not None


def test_a_chunk_without_content_between_keeps_the_template():
    chunks = [chunk('"a"'), '{"choices": []}', chunk('"\\u00e9"'), chunk('"b"')]
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    assert next(stream._event_blocks()) == [api.Content("a"), api.Content("\u00e9"), api.Content("b")]
    assert stream._slot_tries == 7  # learned from the third chunk (the first names the route), used for the last


def test_a_content_chunk_no_template_fits_keeps_the_one_there_was():
    odd = '{"k1": "x", "k2": "x", "k3": "x", "k4": "x", ' + chunk('"x"')[1:]  # too many equal strings to prove
    chunks = [chunk('"a"'), chunk('"b"'), odd, chunk('"c"')]  # the first names the route: nothing learned
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    assert next(stream._event_blocks()) == [api.Content(t) for t in "abxc"]
    assert stream._slot_tries == 6  # tried on b and the odd one; c read by b's template


def test_a_held_half_of_a_pair_joins_the_next_token_even_a_plain_one():
    chunks = [chunk(json.dumps(t)) for t in ["a", "b", "\ud83d", "c", "d"]]
    stream = api.ChatStream(Reads([("".join(f"data: {c}\n\n" for c in chunks)).encode()]))
    assert [e.text for e in next(stream._event_blocks())] == ["a", "b", "\ufffdc", "d"]
