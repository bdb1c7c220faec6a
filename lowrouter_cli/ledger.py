"""The ledger: one SQLite database in the user data folder with a row for every exchange.

Opened only when something is recorded or read (sqlite3 is imported here and nowhere else), with
care: the file is created 0600 without following a symbolic link, runs in WAL mode with a busy
timeout so that many concurrent runs all get their row in, and carries a schema version that
`_MIGRATIONS` brings up to date (the first one imports the old history.jsonl once).
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.ledger_names import (  # noqa: F401 - part of this module's interface
    FILE_NAME,
    OFF_MARKER,
    ledger_exists,
    ledger_path,
    logging_enabled,
    new_conversation_id,
    off_reason,
    set_logging,
)
from lowrouter_cli.ledger_rows import (  # noqa: F401 - the row's names are part of this module's interface
    COLUMNS,
    MAX_INT,
    OUTCOMES,
    Exchange,
    _clean,
    cost_text,
    outcome_of,
    record_columns,
    row_to_exchange,
)

BUSY_TIMEOUT = 5.0  # seconds a write waits for another run's write; each holds the lock ~1 ms

class LedgerError(UsageError):
    """The ledger can't be opened or read: one line naming the file (exit 2 where it is read; a
    warning where an exchange is recorded)."""


# -- names, switches, small helpers -----------------------------------------------------------------


def utc_time(wall_clock: float) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(wall_clock, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- opening -------------------------------------------------------------------------------------------


def _prepare_file(path: Path) -> None:
    """Create the file 0600 (its folder 0700) without following a link, and refuse anything that
    is not a regular file of ours; SQLite gives its -wal and -shm files the same mode."""
    from lowrouter_cli.store import NotFollowed, not_ours, open_no_follow

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = open_no_follow(path, os.O_RDWR | os.O_CREAT, 0o600)
    except NotFollowed as error:
        raise LedgerError(str(error)) from None
    except OSError as error:
        raise LedgerError(f"cannot open {path}: {error.strerror or error}") from None
    try:
        problem = not_ours(fd, path)
        if problem:
            raise LedgerError(problem)
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.is_symlink():
            raise LedgerError(f"{side} is a symbolic link; not following it")


class Ledger:
    """An open ledger. Every method raises LedgerError (one line) on a corrupt or locked file."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.has_fts = False

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        try:
            return self.connection.execute(sql, parameters)
        except sqlite3.Error as error:
            raise self._error(error) from None

    def _error(self, error: sqlite3.Error) -> LedgerError:
        return LedgerError(f"the ledger {self.path} can't be used: {error}")

    def write(self) -> "_Transaction":
        """`with ledger.write():` one short transaction that takes the write lock at once, so a
        busy ledger is waited for (BUSY_TIMEOUT) rather than failed on a lock upgrade."""
        return _Transaction(self)

    # -- rows ------------------------------------------------------------------------------------

    def insert(self, exchange: Exchange) -> int:
        values = [_clean(name, getattr(exchange, name)) for name in COLUMNS]
        with self.write():
            cursor = self.execute(f"INSERT INTO exchanges ({', '.join(COLUMNS)}) "
                                  f"VALUES ({', '.join('?' * len(COLUMNS))})", values)
        exchange.id = cursor.lastrowid
        return cursor.lastrowid or 0

    def update(self, exchange_id: int, **values: Any) -> None:
        names = [name for name in values if name in COLUMNS]
        if not names:
            return
        with self.write():
            self.execute(f"UPDATE exchanges SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                         [_clean(n, values[n]) for n in names] + [exchange_id])

    def select(self, where: str = "", parameters: Any = (), *, order: str = "time DESC, id DESC",
               limit: int | None = None, source: str = "exchanges") -> list[Exchange]:
        """Rows of `source` (the table, or a join with it), every column named by its table."""
        sql = f"SELECT {', '.join('exchanges.' + name for name in ('id', *COLUMNS))} FROM {source}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order}"
        if limit:
            sql += f" LIMIT {min(int(limit), MAX_INT)}"  # a huge -n is "all", not an SQL error
        return [row_to_exchange(row) for row in self.execute(sql, parameters).fetchall()]

    def count(self) -> tuple[int, int]:
        """(exchanges, conversations)."""
        row = self.execute("SELECT count(*), count(DISTINCT conversation_id) FROM exchanges").fetchone()
        return int(row[0]), int(row[1])

    # -- conversations ---------------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> list[Exchange]:
        """Its exchanges, oldest first."""
        return self.select("conversation_id = ?", (conversation_id,), order="time, id")

    def latest_conversation_id(self) -> str | None:
        """The conversation of the newest exchange by time, whichever process wrote it."""
        row = self.execute("SELECT conversation_id FROM exchanges WHERE imported = 0 "
                           "ORDER BY time DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def resolve_conversation(self, prefix: str) -> str:
        """The one conversation id starting with `prefix`; LedgerError naming why otherwise."""
        if not prefix or not re.fullmatch(r"[0-9A-Za-z_-]+", prefix):
            raise LedgerError(f"no conversation {prefix!r} in the ledger")
        rows = self.execute("SELECT DISTINCT conversation_id FROM exchanges WHERE conversation_id >= ? "
                            "AND conversation_id < ? LIMIT 3", (prefix, prefix + "\U0010ffff")).fetchall()
        ids = [row[0] for row in rows]
        if prefix in ids:
            return prefix
        if not ids:
            raise LedgerError(f"no conversation {prefix!r} in the ledger (lowrouter logs lists them)")
        if len(ids) > 1:
            raise LedgerError(f"conversation id {prefix!r} is ambiguous ({', '.join(ids[:2])}, …): give more of it")
        return ids[0]

    def delete_conversation(self, conversation_id: str) -> int:
        """Remove it; secure_delete overwrites its pages, and the checkpoint empties the WAL, which
        would otherwise keep older copies of them."""
        with self.write():
            removed = self.execute("DELETE FROM exchanges WHERE conversation_id = ?", (conversation_id,)).rowcount
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # -- generation records ----------------------------------------------------------------------

    def latest_generation_id(self) -> str | None:
        row = self.execute("SELECT generation_id FROM exchanges WHERE generation_id IS NOT NULL "
                           "ORDER BY time DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def stored_record(self, generation_id: str) -> Any:
        """The generation record fetched earlier, or None."""
        row = self.execute("SELECT record FROM exchanges WHERE generation_id = ? AND record IS NOT NULL "
                           "LIMIT 1", (generation_id,)).fetchone()
        from lowrouter_cli.jsontext import loads_or_none

        return loads_or_none(row[0]) if row else None

    def store_record(self, generation_id: str, record: Any) -> bool:
        """Keep a fetched generation record (eco numbers, routing trace) on its exchange's row;
        False when no row has that generation id."""
        return self.store_records({generation_id: record}) > 0

    def store_records(self, records: dict[str, Any]) -> int:
        """Keep many fetched records in one transaction (`usage` fetches hundreds); rows updated."""
        updated = 0
        with self.write():
            for generation_id, record in records.items():
                values = record_columns(record)
                updated += self.execute(f"UPDATE exchanges SET {', '.join(f'{n} = ?' for n in values)} "
                                        "WHERE generation_id = ?", [*values.values(), generation_id]).rowcount
        return updated

    def missing_records(self, since: str | None = None, until: str | None = None) -> list[str]:
        """Generation ids whose record is not stored yet (for `usage` to fetch), newest first."""
        where, parameters = ["generation_id IS NOT NULL", "record IS NULL"], []
        if since:
            where.append("time >= ?")
            parameters.append(since)
        if until:
            where.append("time < ?")
            parameters.append(until)
        rows = self.execute(f"SELECT DISTINCT generation_id FROM exchanges WHERE {' AND '.join(where)} "
                            "ORDER BY time DESC", parameters).fetchall()
        return [row[0] for row in rows]


class _Transaction:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __enter__(self) -> None:
        self.ledger.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, *rest: Any) -> None:
        try:
            self.ledger.connection.execute("COMMIT" if kind is None else "ROLLBACK")
        except sqlite3.Error as error:
            if kind is None:
                raise self.ledger._error(error) from None


def open_ledger(env: Environment, *, create: bool = True) -> Ledger | None:
    """The ledger, migrated to the current schema; None when `create` is false and there is none yet."""
    path = ledger_path(env)
    if not create and not ledger_exists(env):
        return None
    _prepare_file(path)
    try:
        connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT, isolation_level=None,
                                     check_same_thread=False)
    except sqlite3.Error as error:
        raise LedgerError(f"cannot open the ledger {path}: {error}") from None
    no_checkpoint = getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", None)
    if no_checkpoint is not None:  # Python 3.12+: closing skips the checkpoint's fsyncs (ms each); the
        connection.setconfig(no_checkpoint, True)  # WAL is checkpointed by a later commit every 1,000 pages
    ledger = Ledger(connection, path)
    try:
        _configure(ledger)
        from lowrouter_cli.ledger_schema import migrate

        migrate(ledger, env)
    except BaseException:
        connection.close()
        raise
    return ledger


def _configure(ledger: Ledger) -> None:
    _switch_to_wal(ledger)
    ledger.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable across a crash of ours, fast
    ledger.execute("PRAGMA secure_delete = ON")  # `logs rm` overwrites what it removes
    ledger.execute("PRAGMA journal_size_limit = 4194304")  # a WAL grown by a big write shrinks back


def _switch_to_wal(ledger: Ledger) -> None:
    """WAL mode, once per file. Switching takes an exclusive lock and SQLite answers "locked" at
    once, without its busy handler, while another run has the new file open: so try again, briefly,
    until the switch is done (by us or by that other run) or BUSY_TIMEOUT has passed."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT
    delay = 0.001
    while True:
        try:
            mode = ledger.connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            if str(ledger.connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() == "wal":
                return
            if time.monotonic() + delay > deadline:
                return  # a file system without WAL: the rollback journal works too, only slower
        except sqlite3.Error as error:  # "file is not a database" too: one line, never a traceback
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise ledger._error(error) from None
        time.sleep(delay)  # a lock held for a millisecond or two by another run: no clock to inject here
        delay = min(delay * 2, 0.05)


# -- recording, the one call every exchange makes ------------------------------------------------------


def record(env: Environment, exchange: Exchange, warn: Callable[[str], None]) -> int | None:
    """Store one exchange; never raises: a failure is one warning line (the answer is already out)."""
    if not exchange.time:
        exchange.time = utc_time(env.wall_clock())
    try:
        with open_ledger(env) as ledger:  # type: ignore[union-attr]
            return ledger.insert(exchange)
    except LedgerError as error:
        warn(f"warning: not recorded in the ledger: {error}")
    except (OSError, sqlite3.Error, ValueError, OverflowError) as error:
        reason = getattr(error, "strerror", None) or error
        warn(f"warning: not recorded in the ledger {ledger_path(env)}: {reason}")
    return None


def read(env: Environment) -> Iterator[Ledger]:
    """`for ledger in read(env):` the ledger if there is one (nothing when there isn't)."""
    ledger = open_ledger(env, create=False)
    if ledger is None:
        return
    with ledger:
        yield ledger
