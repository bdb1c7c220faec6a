"""A stream taken a read at a time: ChatStream.blocks() gives the events of each read as one list
(the same events, in the same order, as iterating it), and the read loop writes each run of
content in a read as one text."""

import json

import pytest

from lowrouter_cli import api
from lowrouter_cli.answering import show
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import GatewayError, TruncatedAnswer
from lowrouter_cli.events import Content, Finish, Reasoning, Failure
from lowrouter_cli.exchange import Exchange


class Reads:
    def __init__(self, reads):
        self.reads, self.headers = reads, {}

    def __iter__(self):
        return iter(self.reads)

    def close(self):
        pass


def data(*payloads):
    return b"".join(f"data: {p if isinstance(p, str) else json.dumps(p)}\n\n".encode() for p in payloads)


def delta(**fields):
    finish = fields.pop("finish", None)
    return {"choices": [{"index": 0, "delta": fields, "finish_reason": finish}]}


READS = [b": hello\n\n", data(delta(content="a"), delta(reasoning="r"), delta(content="b")),
         data(delta(content="c")) + b"data: {\"cho", b"ices\": []}\n\n" + data(delta(finish="stop"), "[DONE]")]


def test_blocks_are_the_reads_events_and_flatten_to_the_iteration():
    blocks = list(api.ChatStream(Reads(READS)).blocks())
    assert blocks == [[Content("a"), Reasoning("r"), Content("b")], [Content("c")], [Finish("stop")]]
    assert [e for block in blocks for e in block] == list(api.ChatStream(Reads(READS)))


def test_a_block_ends_at_a_failure_which_is_raised_after_it():
    stream = api.ChatStream(Reads([data(delta(content="a"), "not json", delta(content="lost"))]))
    blocks = stream.blocks()
    first = next(blocks)
    assert first[0] == Content("a") and type(first[1]) is Failure and len(first) == 2
    with pytest.raises(GatewayError, match="not JSON"):
        next(blocks)
    assert stream.answer.content_seen


def test_events_before_an_error_in_the_same_read_come_first():
    stream = api.ChatStream(Reads([data(delta(content="a")) + b"data: " + b"[" * 1_100_000 + b"\n\n"]))
    blocks = stream.blocks()
    assert next(blocks) == [Content("a")]
    with pytest.raises(GatewayError):
        next(blocks)


def test_a_stream_without_finish_is_truncated_after_its_last_block():
    blocks = api.ChatStream(Reads([data(delta(content="a"), "[DONE]")])).blocks()
    assert next(blocks) == [Content("a")]
    with pytest.raises(TruncatedAnswer):
        next(blocks)


class Writer:
    def __init__(self):
        self.written = []

    def write(self, event):
        self.written.append(event)


def test_each_run_of_content_in_a_read_is_written_and_shown_as_one_text():
    writer, exchange = Writer(), Exchange(api.ChatRequest("m", "hi"))
    clock = iter([1.0, 2.0, 3.0])
    env = Environment(monotonic=lambda: next(clock))
    show([Content("a"), Content("b")], writer, exchange, env)
    show([Content("c"), Reasoning("r"), Content("d"), Content("e"), Finish("stop")], writer, exchange, env)
    assert writer.written == [Content("ab"), Content("c"), Reasoning("r"), Content("de"), Finish("stop")]
    assert exchange.answer_parts == ["ab", "c", "de"] and exchange.reasoning_parts == ["r"]
    assert exchange.first_token == 1.0


class Interrupted:
    def write(self, event):
        raise KeyboardInterrupt  # Ctrl-C while the live view draws the text it has just taken


@pytest.mark.parametrize("events", [[Content("a")], [Content("a"), Content("b")]])
def test_a_reads_text_is_noted_as_shown_before_it_is_written(events):
    exchange = Exchange(api.ChatRequest("m", "hi"))
    with pytest.raises(KeyboardInterrupt):
        show(events, Interrupted(), exchange, Environment(monotonic=lambda: 1.0))
    assert exchange.answer_parts == ["".join(e.text for e in events)]

