"""Every exchange lands in the ledger (answered, failed, cancelled); -c and --cid send the earlier
turns with the new prompt and take the model and route from the conversation."""

from __future__ import annotations

import json
import sqlite3

import pytest

from lowrouter_cli import ledger
from lowrouter_cli.events import Content
from ledger_run import Runner


@pytest.fixture
def lr(emulator):
    return Runner(emulator.base_url)


def sent_messages(emulator, n=-1):
    return json.loads(emulator.chat_requests()[n]["body"])["messages"]


def test_chat_and_stream_are_recorded_whole(lr):
    first = lr("chat", "-s", "Be brief", "hello there")
    second = lr("stream", "one\u2028two\u0085three")
    assert first.returncode == second.returncode == 0
    rows = lr.rows()
    assert [(r["prompt"], r["system"], r["outcome"], r["exit_code"]) for r in rows] == [
        ("hello there", "Be brief", "ok", 0), ("one\u2028two\u0085three", None, "ok", 0)]
    assert rows[0]["answer"] + "\n" == first.stdout and rows[1]["answer"] + "\n" == second.stdout
    for row in rows:
        assert row["generation_id"].startswith("gen-") and row["finish_reason"] == "stop"
        assert row["model"] == "openai/gpt-4o-mini" and row["requested_model"] == "lowrouter/auto"
        assert row["provider"] and row["region"] and row["base_url"] == lr.base_url
        assert row["prompt_tokens"] > 0 and row["completion_tokens"] > 0
        assert row["cost_usd"] and "e" not in row["cost_usd"] and row["latency_ms"] >= 0
        assert row["time"].endswith("Z") and row["conversation_id"]
    assert rows[1]["ttft_ms"] is not None
    assert rows[0]["conversation_id"] != rows[1]["conversation_id"]


def test_failures_and_a_cancel_are_recorded(lr, monkeypatch):
    assert lr("chat", "hi [[fault:429 retry_after=0]]").returncode == 5
    assert lr("chat", "--region", "eu-west", "--provider", "bedrock", "hi").returncode == 6
    from lowrouter_cli.render import stream as stream_render

    real = stream_render.stream_writer
    seen_writes: list = []

    def interrupting(*args, **kwargs):
        writer = real(*args, **kwargs)

        def write(chunk):
            seen_writes.append(chunk)
            if len(seen_writes) == 3:
                raise KeyboardInterrupt
            type(writer).write(writer, chunk)

        writer.write = write
        return writer

    monkeypatch.setattr(stream_render, "stream_writer", interrupting)
    cancelled = lr("stream", "tell me a story")
    assert cancelled.returncode == 130
    rows = lr.rows()
    assert [(r["outcome"], r["exit_code"]) for r in rows] == [
        ("rate_limited", 5), ("route_unavailable", 6), ("cancelled", 130)]
    assert rows[1]["route_region"] == "eu-west" and rows[1]["route_provider"] == "bedrock"
    assert rows[1]["generation_id"].startswith("gen-")
    # What reached stdout, and the text of the write the Ctrl-C cut: noted as shown before it is
    # written, as a live view keeps on screen what it was drawing.
    cut = seen_writes[2].text if type(seen_writes[2]) is Content else ""
    assert rows[2]["answer"] and rows[2]["answer"] == cancelled.stdout.rstrip("\n") + cut


def test_continue_sends_the_earlier_turns_and_keeps_the_model_and_route(lr, emulator):
    first = lr("chat", "-m", "openai/gpt-4o-mini", "--region", "eu-west", "-s", "Be brief", "first question")
    second = lr("stream", "-c", "second question")
    assert second.returncode == 0, second.stderr
    body = json.loads(emulator.chat_requests()[-1]["body"])
    assert body["model"] == "openai/gpt-4o-mini" and body["route"] == {"region": "eu-west"}
    assert body["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": first.stdout[:-1]},
        {"role": "user", "content": "second question"}]
    third = lr("chat", "-c", "-m", "mistral/mistral-small", "-s", "Be long", "third")
    assert third.returncode == 0, third.stderr
    body = json.loads(emulator.chat_requests()[-1]["body"])
    assert body["model"] == "mistral/mistral-small" and body["messages"][0]["content"] == "Be long"
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert len({r["conversation_id"] for r in lr.rows()}) == 1


def test_cid_takes_a_unique_prefix_and_c_takes_the_most_recent(lr, emulator):
    lr("chat", "about cats")
    lr("chat", "about dogs")
    cats, dogs = (r["conversation_id"] for r in lr.rows())
    lr.clock -= 3600  # a run whose clock says earlier does not become "the most recent"
    assert lr("chat", "--cid", cats[:6] if not dogs.startswith(cats[:6]) else cats, "more cats").returncode == 0
    assert [m["content"] for m in sent_messages(emulator) if m["role"] == "user"] == ["about cats", "more cats"]
    lr.clock += 7200
    assert lr("chat", "-c", "more dogs").returncode == 0
    assert [m["content"] for m in sent_messages(emulator) if m["role"] == "user"] == ["about dogs", "more dogs"]


def test_nothing_to_continue_is_a_usage_error(lr):
    for args in (["-c"], ["--cid", "zzzz"]):
        result = lr("chat", *args, "hi")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr == "lowrouter: error: no conversation to continue: the ledger is empty (lowrouter logs status)\n"
    lr("chat", "hello")
    unknown = lr("chat", "--cid", "zzzz", "hi")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "no conversation 'zzzz'" in unknown.stderr
    assert lr("chat", "-c", "hi").returncode == 0


def test_an_ambiguous_prefix_is_a_usage_error(lr):
    for cid in ("abc1000000", "abc2000000"):
        ledger.record(lr.env(), ledger.Exchange(conversation_id=cid, prompt="x", answer="y"), print)
    result = lr("chat", "--cid", "abc", "hi")
    assert result.returncode == 2 and "ambiguous" in result.stderr and result.stderr.count("\n") == 1


def test_the_footer_names_the_conversation_and_a_long_one_gets_a_notice(lr, emulator):
    assert lr("models").returncode == 0  # prices in the cache
    first = lr("chat", "-m", "openai/gpt-4o-mini", "[[answer:long words=4000]]", tty=True)
    [row] = lr.rows()
    assert f"cid {row['conversation_id']}" in first.stderr.splitlines()[-1]
    again = lr("chat", "-c", "summarise that", tty=True)
    notice = [line for line in again.stderr.splitlines() if "continuing conversation" in line]
    assert len(notice) == 1 and f"continuing conversation {row['conversation_id']}: resending 2" in notice[0]
    assert "tokens (estimated)" in notice[0] and "$0.00" in notice[0] and "openai/gpt-4o-mini" in notice[0]
    short = lr("chat", "hi", tty=True)
    assert "continuing" not in lr("chat", "-c", "and?", tty=True).stderr and short.returncode == 0


def test_no_log_still_continues_but_records_nothing(lr, emulator):
    lr("chat", "remember me")
    assert lr("chat", "-c", "--no-log", "private follow-up").returncode == 0
    assert [m["content"] for m in sent_messages(emulator) if m["role"] == "user"] == [
        "remember me", "private follow-up"]
    assert lr("chat", "--no-log", "hi", tty=True).stderr.count("cid ") == 0
    assert [r["prompt"] for r in lr.rows()] == ["remember me"]


def test_curl_shows_the_conversation_it_would_send(lr):
    lr("chat", "first")
    shown = lr("chat", "-c", "--curl", "second")
    assert shown.returncode == 0 and '"content": "first"' in shown.stdout and '"role": "assistant"' in shown.stdout
    assert len(lr.rows()) == 1


def test_a_corrupt_ledger_costs_one_warning_and_never_the_answer(lr):
    lr.data_dir.mkdir(parents=True)
    (lr.data_dir / "ledger.db").write_bytes(b"\x00garbage" * 1000)
    for command in ("chat", "stream"):
        result = lr(command, "hi")
        assert result.returncode == 0 and result.stdout.startswith("Hello")
        assert result.stderr.count("\n") == 1 and "warning: not recorded in the ledger" in result.stderr
    assert lr("chat", "-c", "hi").returncode == 2


def test_a_locked_ledger_costs_one_warning_and_never_the_answer(lr, monkeypatch):
    lr("chat", "make the ledger")
    monkeypatch.setattr(ledger, "BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(lr.data_dir / "ledger.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = lr("stream", "hi")
    finally:
        holder.execute("ROLLBACK")
    assert result.returncode == 0 and result.stdout.startswith("Hello")
    assert result.stderr.count("\n") == 1 and "locked" in result.stderr
