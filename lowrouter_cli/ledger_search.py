"""Finding exchanges in the ledger: filters (text, model, time, conversation) to SQL.

Text search uses the FTS5 index when the ledger has one (each word matched as a prefix, all words
required) and a LIKE over prompts and answers otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lowrouter_cli.errors import UsageError
from lowrouter_cli.ledger import Exchange, Ledger, utc_time


@dataclass
class Filter:
    query: str | None = None  # words that must all appear in the prompt or the answer
    model: str | None = None  # the requested or routed model
    since: str | None = None  # ISO UTC, inclusive
    until: str | None = None  # ISO UTC, exclusive
    conversation_id: str | None = None
    limit: int | None = 20  # None or 0: all


def find(ledger: Ledger, wanted: Filter) -> list[Exchange]:
    """Matching exchanges, newest first."""
    where: list[str] = []
    parameters: list[object] = []
    indexed = False
    if wanted.query and wanted.query.strip():
        if ledger.has_fts and _fts_query(wanted.query):
            indexed = True
            where.append("exchanges_fts MATCH ?")
            parameters.append(_fts_query(wanted.query))
        else:
            for word in wanted.query.split():
                where.append("(prompt LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\')")
                pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"
                parameters += [pattern, pattern]
    if wanted.model:
        where.append("(model = ? OR requested_model = ?)")
        parameters += [wanted.model, wanted.model]
    if wanted.since:
        where.append("time >= ?")
        parameters.append(wanted.since)
    if wanted.until:
        where.append("time < ?")
        parameters.append(wanted.until)
    if wanted.conversation_id:
        where.append("conversation_id = ?")
        parameters.append(wanted.conversation_id)
    if not indexed:
        return ledger.select(" AND ".join(where), parameters, limit=wanted.limit or None)
    # The index walked newest row first (ids grow as rows are written), stopping at the limit: a
    # word in most of 100,000 exchanges costs milliseconds, not a sort of every match.
    rows = ledger.select(" AND ".join(where), parameters, limit=wanted.limit or None, order="exchanges_fts.rowid DESC",
                         source="exchanges_fts CROSS JOIN exchanges ON exchanges.id = exchanges_fts.rowid")
    return sorted(rows, key=lambda row: (row.time, row.id or 0), reverse=True)


def _fts_query(text: str) -> str:
    """Each word as a quoted FTS5 string with a prefix star: no FTS syntax reaches SQLite."""
    words = [w for w in re.findall(r"\w+", text)]
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str, now: float, option: str) -> str:
    """`7d`, `12h`, `30m` (ago), a date (`2026-11-20`, midnight UTC) or an ISO time, as the ledger's
    UTC text; a usage error otherwise."""
    import datetime

    value = text.strip()
    match = _RELATIVE.fullmatch(value)
    if match:
        seconds = float(match.group(1)) * _SECONDS[match.group(2).lower()]
        return utc_time(max(now - seconds, 0))
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} wants 7d, 12h, 30m, a date (2026-11-20) or an ISO time, not {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    try:
        return utc_time(moment.timestamp())
    except (OverflowError, OSError, ValueError):
        raise UsageError(f"{option} {text!r} is out of range") from None
