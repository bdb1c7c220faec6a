"""The job behind `lowrouter usage`: the ledger's exchanges in a time window, their missing
generation records fetched (8 at a time) and kept, then totalled and printed."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Callable

from lowrouter_cli.errors import AuthError, LowRouterError, UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages

IN_FLIGHT = 8  # generation records fetched at once: fast, and gentle with the gateway
DEFAULT_SINCE = "7d"


@dataclass
class Fetched:
    records: dict[str, Any]  # generation id -> GenerationRecord
    not_ready: int = 0  # 404: the record is not readable yet (pending)
    failed: int = 0  # any other failure (counted as pending too)
    reason: str | None = None  # the first failure's message


def run_usage(invocation: Invocation, *, since: str | None, until: str | None, by: str, offline: bool,
              as_json: bool, csv: str | None) -> None:
    from lowrouter_cli import ledger
    from lowrouter_cli.ledger_search import parse_when
    from lowrouter_cli.render.usage_view import print_codecarbon, print_usage
    from lowrouter_cli.usage import GROUPINGS, Report, Totals, summarize

    env = invocation.env
    if by not in GROUPINGS:
        raise UsageError(f"--by takes one of {', '.join(GROUPINGS)}, not {by!r}")
    if csv not in (None, "codecarbon"):
        raise UsageError(f"--csv takes codecarbon, not {csv!r}")
    now = env.wall_clock()
    start = parse_when(since or DEFAULT_SINCE, now, "--since")
    end = parse_when(until, now, "--until") if until else None
    rows: list[Any] = []
    report = None
    for opened in ledger.read(env):
        if not offline:
            missing = opened.missing_records(start, end)
            if missing:
                fetched = fetch_records(invocation, missing)
                # a record that is not a JSON object stays pending
                opened.store_records({generation_id: record.raw for generation_id, record in fetched.records.items()
                                      if isinstance(record.raw, dict)})
                _report_gaps(invocation, fetched)
        if csv:
            rows = opened.select("time >= ?" + (" AND time < ?" if end else ""), [start] + ([end] if end else []),
                                 order="time, id")
        else:
            report = summarize(opened, by, start, end)
    if csv:
        print_codecarbon(env, rows)
        env.stdout.flush()
        return
    print_usage(env, report or Report(by, start, end, [], Totals()), as_json=as_json)


def fetch_records(invocation: Invocation, generation_ids: list[str],
                  on_done: Callable[[], None] | None = None) -> Fetched:
    """GET /generation for each id, IN_FLIGHT at a time (a Client per worker: a requests session is
    not shared across threads), with a progress bar on a terminal. An unreadable record is pending."""
    env = invocation.env
    settings = invocation.settings()
    if not settings.api_key:
        return Fetched({}, failed=len(generation_ids), reason="no API key (records not fetched)")
    local = threading.local()
    clients: list[Any] = []
    lock = threading.Lock()

    def fetch(generation_id: str) -> Any:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = invocation.client(settings)
            with lock:
                clients.append(client)
        return client.get_generation(generation_id)

    result = Fetched({})
    progress = _Progress(env, len(generation_ids))
    try:
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            futures = {pool.submit(fetch, generation_id): generation_id for generation_id in generation_ids}
            for future in as_completed(futures):
                try:
                    result.records[futures[future]] = future.result()
                except CancelledError:  # after a refused key: not asked at all
                    result.failed += 1
                except LowRouterError as error:
                    if error.status == 404:
                        result.not_ready += 1
                    else:
                        result.failed += 1
                        result.reason = result.reason or error.one_line()
                        if isinstance(error, AuthError):  # every other request would fail the same way
                            for other in futures:
                                other.cancel()
                progress.advance()
                if on_done:
                    on_done()
    finally:
        progress.stop()
        for client in clients:
            client.close()
    return result


def _report_gaps(invocation: Invocation, fetched: Fetched) -> None:
    env = invocation.env
    if fetched.failed:
        messages.notice(env, f"warning: {fetched.failed} generation record(s) could not be fetched "
                             f"({fetched.reason}); shown as pending")
    elif fetched.not_ready and invocation.verbose:
        messages.notice(env, f"{fetched.not_ready} generation record(s) not readable yet; shown as pending")


class _Progress:
    """A rich progress bar on stderr (terminal only); nothing in a pipe."""

    def __init__(self, env: Any, total: int) -> None:
        self._bar = None
        if env.stderr_isatty and total > 1:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            from lowrouter_cli.render.console import make_console

            self._bar = Progress(TextColumn("fetching generation records"), BarColumn(), MofNCompleteColumn(),
                                 console=make_console(env, stderr=True), transient=True)
            self._task = self._bar.add_task("records", total=total)
            self._bar.start()

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


