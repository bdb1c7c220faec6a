"""`lowrouter usage`: what was spent and emitted, from the ledger."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation


class Grouping(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    model = "model"
    provider = "provider"
    region = "region"


@with_shared_options
def usage(
    invocation: Invocation,
    since: Annotated[Optional[str], typer.Option(
        "--since", metavar="WHEN", show_default=False,
        help="From this time: 7d, 12h, a date (2026-11-20) or an ISO time [default 7d].")] = None,
    until: Annotated[Optional[str], typer.Option(
        "--until", metavar="WHEN", show_default=False, help="Up to this time (same forms as --since).")] = None,
    by: Annotated[Grouping, typer.Option(
        "--by", case_sensitive=False, help="Group by day, week, month (UTC), model, provider or region.")] = Grouping.day,
    offline: Annotated[bool, typer.Option(
        "--offline", help="Use only what the ledger holds: fetch no missing generation records.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the report as a JSON object.")] = False,
    csv: Annotated[Optional[str], typer.Option(
        "--csv", metavar="FORMAT", show_default=False,
        help="Write CSV instead: 'codecarbon' (CodeCarbon's emissions.csv columns, one row per exchange).")] = None,
) -> None:
    """What you spent and emitted: requests, tokens, cost, energy and CO2e from the ledger."""
    from lowrouter_cli.usage_job import run_usage

    run_usage(invocation, since=since, until=until, by=by.value, offline=offline, as_json=json, csv=csv)
