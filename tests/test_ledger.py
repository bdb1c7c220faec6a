"""The ledger on its own: file mode and links, WAL, schema version and the history import, rows
that read back exactly, search, conversations, generation records, and concurrent writers."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from decimal import Decimal

import pytest

from lowrouter_cli import ledger, ledger_schema
from lowrouter_cli.ledger import Exchange, LedgerError, cost_text, open_ledger
from lowrouter_cli.ledger_search import Filter, find, parse_when

NOW = 1_795_000_000.0  # 2026-11-18T…Z


@pytest.fixture
def env(fake_env):
    return fake_env(wall_clock=lambda: NOW)


def record(env, **values):
    values.setdefault("conversation_id", "c0000000001")
    values.setdefault("prompt", "hello")
    warnings = []
    row_id = ledger.record(env, Exchange(**values), warnings.append)
    assert warnings == []
    return row_id


def test_the_file_is_0600_in_a_0700_folder_in_wal_mode_with_a_schema_version(env):
    record(env)
    path = ledger.ledger_path(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(ledger_schema.MIGRATIONS) == 1
    for side in path.parent.glob("ledger.db-*"):
        assert stat.S_IMODE(side.stat().st_mode) == 0o600, side


def test_a_looser_mode_is_tightened(env):
    record(env)
    path = ledger.ledger_path(env)
    os.chmod(path, 0o644)
    record(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_symbolic_link_is_never_followed(env, tmp_path):
    target = tmp_path / "elsewhere.db"
    target.write_bytes(b"")
    env.data_dir.mkdir(parents=True)
    ledger.ledger_path(env).symlink_to(target)
    warnings = []
    assert ledger.record(env, Exchange(conversation_id="c1", prompt="hi"), warnings.append) is None
    assert len(warnings) == 1 and "symbolic link" in warnings[0]
    assert target.read_bytes() == b""


def test_text_reads_back_exactly_as_written_line_separators_included(env):
    """U+2028, U+0085, CR, NUL, tabs and emoji: the history file lost lines holding some of them."""
    odd = "one\u2028two\u0085three\r\nfour\x00five\tsix 🦜 \u2029"
    record(env, prompt=odd, answer=odd + "!", model="m\u2028odel", provider="p\u0085",
           cost_usd="0.000006", prompt_tokens=12, completion_tokens=7)
    with open_ledger(env) as opened:
        [row] = opened.select()
    assert (row.prompt, row.answer, row.model, row.provider) == (odd, odd + "!", "m\u2028odel", "p\u0085")
    assert (row.cost_usd, row.prompt_tokens, row.completion_tokens) == ("0.000006", 12, 7)
    assert row.time == "2026-11-18T11:06:40.000000Z"


def test_hostile_values_are_stored_as_null_or_replaced_never_raised(env):
    record(env, prompt="lone \ud800 surrogate", prompt_tokens=10**5000, completion_tokens=True,
           energy_wh=float("nan"), co2e_g=float("inf"), model=123)
    with open_ledger(env) as opened:
        [row] = opened.select()
    assert row.prompt == "lone \ufffd surrogate"
    assert (row.prompt_tokens, row.completion_tokens, row.energy_wh, row.co2e_g, row.model) == (None,) * 5


@pytest.mark.parametrize("value, expected", [
    (0.000006, "0.000006"), (6e-06, "0.000006"), (Decimal("0.00000150"), "0.0000015"), (0, "0"),
    (1.5, "1.5"), (float("nan"), None), (float("inf"), None), (True, None), ("x", None), (None, None),
    ("1e999999", None)])
def test_cost_is_an_exact_decimal_string(value, expected):
    assert cost_text(value) == expected


def test_history_jsonl_is_imported_once_and_left_alone(env):
    env.data_dir.mkdir(parents=True)
    history = env.data_dir / "history.jsonl"
    lines = [
        {"time": "2026-11-01T10:00:00+00:00", "generation_id": "gen-old1", "model": "openai/gpt-4o-mini",
         "provider": "openai", "region": "eu-west", "prompt_tokens": 12, "completion_tokens": 7,
         "cost": 6e-06, "outcome": "ok"},
        {"time": "2026-11-02T10:00:00+00:00", "generation_id": "gen-old2", "model": "a\u2028b\u0085c",
         "provider": None, "region": None, "prompt_tokens": None, "completion_tokens": None,
         "cost": None, "outcome": "route unavailable"},
    ]
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines) + '{"broken\n'
    history.write_text(text, encoding="utf-8")
    record(env, prompt="new")
    record(env, prompt="newer")
    with open_ledger(env) as opened:
        rows = opened.select(order="time, id")
    assert [r.generation_id for r in rows] == ["gen-old1", "gen-old2", None, None]
    old1, old2 = rows[0], rows[1]
    assert (old1.time, old1.model, old1.provider, old1.region, old1.cost_usd, old1.outcome, old1.imported) == (
        "2026-11-01T10:00:00.000000Z", "openai/gpt-4o-mini", "openai", "eu-west", "0.000006", "ok", 1)
    assert (old2.model, old2.outcome) == ("a\u2028b\u0085c", "route_unavailable")
    assert history.read_text(encoding="utf-8") == text  # left alone
    with open_ledger(env) as opened:
        assert opened.latest_conversation_id() == rows[3].conversation_id  # imported rows are never "-c"


def test_a_corrupt_ledger_is_one_warning(env):
    env.data_dir.mkdir(parents=True)
    ledger.ledger_path(env).write_bytes(b"this is not a database" * 100)
    os.chmod(ledger.ledger_path(env), 0o600)
    warnings = []
    assert ledger.record(env, Exchange(conversation_id="c1", prompt="hi"), warnings.append) is None
    assert len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("warning: not recorded in the ledger") and "not a database" in warnings[0]


def test_a_locked_ledger_is_one_warning_after_the_busy_timeout(env, monkeypatch):
    record(env)
    monkeypatch.setattr(ledger, "BUSY_TIMEOUT", 0.05)
    holder = sqlite3.connect(ledger.ledger_path(env), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        warnings = []
        assert ledger.record(env, Exchange(conversation_id="c1", prompt="hi"), warnings.append) is None
        assert len(warnings) == 1 and "locked" in warnings[0]
    finally:
        holder.execute("ROLLBACK")


def test_a_ledger_from_a_newer_lowrouter_is_refused(env):
    record(env)
    sqlite3.connect(ledger.ledger_path(env)).execute("PRAGMA user_version = 99")
    with pytest.raises(LedgerError, match="newer lowrouter"):
        open_ledger(env)


def test_reading_creates_nothing(env):
    assert open_ledger(env, create=False) is None
    assert not env.data_dir.exists()


def _seed(env):
    times = iter(range(100))
    env.wall_clock = lambda: NOW + next(times) * 3600
    record(env, conversation_id="abc1230000", prompt="how do vector databases index", answer="With HNSW graphs",
           model="openai/gpt-4o-mini", requested_model="lowrouter/auto")
    record(env, conversation_id="abc4560000", prompt="write a haiku", answer="autumn moonlight 100%_done",
           model="anthropic/claude-3-haiku", requested_model="anthropic/claude-3-haiku")
    record(env, conversation_id="abc1230000", prompt="and in PostgreSQL?", answer="pgvector has HNSW too",
           model="openai/gpt-4o-mini", requested_model="lowrouter/auto")


@pytest.mark.parametrize("fts", [True, False])
def test_search_by_words_model_time_and_conversation(env, fts):
    _seed(env)
    with open_ledger(env) as opened:
        assert opened.has_fts
        opened.has_fts = fts
        prompts = lambda **kw: [r.prompt for r in find(opened, Filter(**kw))]  # noqa: E731
        assert prompts(query="hnsw") == ["and in PostgreSQL?", "how do vector databases index"]
        assert prompts(query="HNSW pgvector") == ["and in PostgreSQL?"]
        assert prompts(query="haiku") == ["write a haiku"]
        assert prompts(query="nothing-like-this") == []
        assert prompts(model="lowrouter/auto", limit=1) == ["and in PostgreSQL?"]
        assert prompts(model="anthropic/claude-3-haiku") == ["write a haiku"]
        assert prompts(since=ledger.utc_time(NOW + 3600)) == ["and in PostgreSQL?", "write a haiku"]
        assert prompts(until=ledger.utc_time(NOW + 3600)) == ["how do vector databases index"]
        assert prompts(conversation_id="abc1230000") == ["and in PostgreSQL?", "how do vector databases index"]


def test_fts_syntax_in_a_query_is_only_text(env):
    _seed(env)
    with open_ledger(env) as opened:
        for query in ('"', "NEAR(", "a OR", "*", "100%_", "-x", "col:hnsw"):
            find(opened, Filter(query=query))  # never an FTS syntax error
        opened.has_fts = False
        assert [r.prompt for r in find(opened, Filter(query="100%_"))] == ["write a haiku"]
        assert find(opened, Filter(query="x%y")) == []


def test_conversation_prefixes_and_removal(env):
    _seed(env)
    with open_ledger(env) as opened:
        assert opened.resolve_conversation("abc1") == "abc1230000"
        assert opened.resolve_conversation("abc4560000") == "abc4560000"
        with pytest.raises(LedgerError, match="ambiguous"):
            opened.resolve_conversation("abc")
        for unknown in ("zzz", "", "abc%", "a'b"):
            with pytest.raises(LedgerError, match="no conversation"):
                opened.resolve_conversation(unknown)
        assert opened.latest_conversation_id() == "abc1230000"
        assert [r.prompt for r in opened.conversation("abc1230000")] == [
            "how do vector databases index", "and in PostgreSQL?"]
        assert opened.delete_conversation("abc1230000") == 2
        assert opened.count() == (1, 1)
        assert find(opened, Filter(query="hnsw")) == []  # gone from the index too


def test_a_fetched_generation_record_is_kept_on_its_row(env):
    record(env, generation_id="gen-1")
    fetched = {"id": "gen-1", "lowrouter": {
        "eco": {"energy_wh": 0.048, "it_energy_wh": 0.04, "pue": 1.2, "co2e_g": 0.002688, "grid_zone": "FR",
                "grid_carbon_intensity_g_per_kwh": 56},
        "routing_trace": {"strategy": "auto", "attempts": []}}}
    with open_ledger(env) as opened:
        assert opened.missing_records() == ["gen-1"]
        assert opened.store_record("gen-1", fetched) is True
        assert opened.store_record("gen-unknown", fetched) is False
        [row] = opened.select()
        assert opened.stored_record("gen-1") == fetched
        assert opened.missing_records() == []
        assert opened.latest_generation_id() == "gen-1"
    assert (row.energy_wh, row.it_energy_wh, row.pue, row.co2e_g, row.grid_zone, row.grid_intensity_g_per_kwh) == (
        0.048, 0.04, 1.2, 0.002688, "FR", 56.0)
    assert json.loads(row.routing_trace) == {"strategy": "auto", "attempts": []}


@pytest.mark.parametrize("text, expected", [
    ("7d", NOW - 7 * 86400), ("12h", NOW - 12 * 3600), ("30m", NOW - 1800), ("1w", NOW - 7 * 86400),
    ("2026-11-20", 1795132800.0), ("2026-11-20T01:00:00Z", 1795136400.0),
    ("2026-11-20T02:00:00+01:00", 1795136400.0)])
def test_since_and_until(text, expected):
    assert parse_when(text, NOW, "--since") == ledger.utc_time(expected)


@pytest.mark.parametrize("text", ["yesterday", "7 days", "-1d", "2026-13-01", ""])
def test_since_rejects_what_it_cannot_read(text):
    from lowrouter_cli.errors import UsageError

    with pytest.raises(UsageError, match="--since"):
        parse_when(text, NOW, "--since")


WRITER = """
import sys
from pathlib import Path
from lowrouter_cli import ledger
from lowrouter_cli.context import Environment
env, worker = Environment(data_dir=Path(sys.argv[1])), sys.argv[2]
for n in range(25):
    ledger.record(env, ledger.Exchange(conversation_id="w" + worker, prompt=f"{worker}-{n}"), print)
"""


def test_concurrent_writers_on_a_fresh_ledger_lose_nothing(env):
    """Eight processes race to create, migrate and write: every row lands, no "database is locked"."""
    import subprocess
    import sys

    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(env.data_dir), str(worker)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for worker in range(8)]
    outputs = [writer.communicate(timeout=60) for writer in writers]
    assert outputs == [("", "")] * 8  # a warning would be printed
    with open_ledger(env) as opened:
        prompts = sorted(r.prompt for r in opened.select())
    assert prompts == sorted(f"{w}-{n}" for w in range(8) for n in range(25))
