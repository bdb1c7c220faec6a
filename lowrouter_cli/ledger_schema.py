"""The ledger's schema and its migrations: `PRAGMA user_version` is the number of migrations applied.

A migration runs inside one write transaction, after checking the version again, so that many runs
starting on a fresh ledger at once apply it exactly once. Add a migration at the end; never edit
one that has shipped.
"""

from __future__ import annotations

import datetime
import sqlite3
from typing import Any, Callable

from lowrouter_cli.context import Environment
from lowrouter_cli.ledger import Exchange, Ledger, LedgerError, cost_text, new_conversation_id, utc_time

MAX_HISTORY_BYTES = 64 * 1024 * 1024  # the old file kept 1,000 lines: far less than this

CREATE_EXCHANGES = """
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    time TEXT NOT NULL,
    base_url TEXT, requested_model TEXT, model TEXT, provider TEXT, region TEXT,
    route_region TEXT, route_provider TEXT,
    system TEXT, prompt TEXT NOT NULL DEFAULT '', answer TEXT, reasoning TEXT,
    finish_reason TEXT, outcome TEXT NOT NULL, exit_code INTEGER,
    prompt_tokens INTEGER, completion_tokens INTEGER, reasoning_tokens INTEGER,
    cost_usd TEXT, latency_ms INTEGER, ttft_ms INTEGER, generation_id TEXT,
    energy_wh REAL, it_energy_wh REAL, pue REAL, co2e_g REAL, grid_zone TEXT,
    grid_intensity_g_per_kwh REAL, routing_trace TEXT, record TEXT,
    imported INTEGER NOT NULL DEFAULT 0
)"""

# Full-text search over prompts and answers, kept in step by triggers (external content).
CREATE_FTS = [
    "CREATE VIRTUAL TABLE exchanges_fts USING fts5(prompt, answer, content='exchanges', content_rowid='id')",
    "CREATE TRIGGER exchanges_ai AFTER INSERT ON exchanges BEGIN "
    "INSERT INTO exchanges_fts(rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer); END",
    "CREATE TRIGGER exchanges_ad AFTER DELETE ON exchanges BEGIN "
    "INSERT INTO exchanges_fts(exchanges_fts, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer); END",
    "CREATE TRIGGER exchanges_au AFTER UPDATE OF prompt, answer ON exchanges BEGIN "
    "INSERT INTO exchanges_fts(exchanges_fts, rowid, prompt, answer) VALUES ('delete', old.id, old.prompt, old.answer); "
    "INSERT INTO exchanges_fts(rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer); END",
]


def _version_1(ledger: Ledger, env: Environment) -> None:
    ledger.execute(CREATE_EXCHANGES)
    for index in ("time", "conversation_id, time", "generation_id"):
        name = "exchanges_" + index.split(",")[0]
        ledger.execute(f"CREATE INDEX {name} ON exchanges ({index})")
    try:
        for statement in CREATE_FTS:
            ledger.connection.execute(statement)
    except sqlite3.OperationalError:  # SQLite built without FTS5: `logs -q` falls back to LIKE
        ledger.connection.execute("DROP TABLE IF EXISTS exchanges_fts")
    _import_history(ledger, env)


MIGRATIONS: list[Callable[[Ledger, Environment], None]] = [_version_1]


def migrate(ledger: Ledger, env: Environment) -> None:
    version = _version(ledger)
    if version < len(MIGRATIONS):
        with ledger.write():
            version = _version(ledger)  # another run may have done it while we waited
            for step in MIGRATIONS[version:]:
                step(ledger, env)
            ledger.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    elif version > len(MIGRATIONS):
        raise LedgerError(f"the ledger {ledger.path} was written by a newer lowrouter (schema {version})")
    ledger.has_fts = ledger.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'exchanges_fts'").fetchone() is not None


def _version(ledger: Ledger) -> int:
    return int(ledger.execute("PRAGMA user_version").fetchone()[0])


# -- the one-time import of history.jsonl (which is then left alone) -------------------------------


def _import_history(ledger: Ledger, env: Environment) -> None:
    from lowrouter_cli.ledger import COLUMNS, _clean

    for entry in _history_entries(env):
        row = history_row(entry)
        if row is not None:
            ledger.execute(f"INSERT INTO exchanges ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                           [_clean(name, getattr(row, name)) for name in COLUMNS])


def _history_entries(env: Environment) -> list[Any]:
    """The old file's lines, split on "\\n" only (U+2028 or U+0085 inside a value is not a line end);
    damaged lines are skipped."""
    from lowrouter_cli.jsontext import loads_or_none

    try:
        with open(env.data_dir / "history.jsonl", "rb") as handle:
            data = handle.read(MAX_HISTORY_BYTES)
    except OSError:
        return []
    entries = []
    for line in data.split(b"\n"):
        entries.append(loads_or_none(line.decode("utf-8", "replace")))
    return entries


_OLD_OUTCOMES = {"ok": "ok", "interrupted": "cancelled", "output closed": "output_closed",
                 "route unavailable": "route_unavailable", "rate limited": "rate_limited",
                 "truncated answer": "truncated", "network": "network_error", "gateway": "gateway_error",
                 "request rejected": "rejected", "auth": "auth_failed", "terminated": "terminated"}


def history_row(entry: Any) -> Exchange | None:
    """An exchange from one old history line (no text: the history never held any)."""
    if not isinstance(entry, dict):
        return None
    when = _parse_time(entry.get("time"))
    if when is None:
        return None
    text = lambda key: entry.get(key) if isinstance(entry.get(key), str) else None  # noqa: E731
    outcome = _OLD_OUTCOMES.get(text("outcome") or "", "error")
    return Exchange(conversation_id=new_conversation_id(), prompt="", outcome=outcome, time=when,
                    model=text("model"), requested_model=text("model"), provider=text("provider"),
                    region=text("region"), generation_id=text("generation_id"),
                    prompt_tokens=entry.get("prompt_tokens"), completion_tokens=entry.get("completion_tokens"),
                    cost_usd=cost_text(entry.get("cost")), imported=1)


def _parse_time(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    try:
        return utc_time(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        return None
