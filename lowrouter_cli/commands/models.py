"""`lowrouter models`: the catalog, filtered and sorted."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation


class Sort(str, Enum):
    price = "price"
    context = "context"
    name = "name"
    co2 = "co2"


@with_shared_options
def models(
    invocation: Invocation,
    query: Annotated[Optional[str], typer.Argument(
        metavar="[QUERY]", show_default=False, help="Show models whose id or name contains this.")] = None,
    provider: Annotated[Optional[str], typer.Option(
        "--provider", metavar="PROVIDER", show_default=False, help="Only models served by this provider.")] = None,
    region: Annotated[Optional[str], typer.Option(
        "--region", metavar="REGION", show_default=False, help="Only models served in this region.")] = None,
    free: Annotated[bool, typer.Option("--free", help="Only free models.")] = False,
    max_price: Annotated[Optional[float], typer.Option(
        "--max-price", metavar="USD", min=0, show_default=False,
        help="Only models whose prompt and completion prices are at most this, per million tokens.")] = None,
    sort: Annotated[Optional[Sort], typer.Option(
        "--sort", case_sensitive=False, show_default=False,
        help="Order by price, context, name, or co2 (your own measured g CO2e per 1,000 tokens, from the ledger).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Fetch the list now, ignoring the cache.")] = False,
    endpoints: Annotated[bool, typer.Option(
        "--endpoints", help="One row per endpoint: model, provider, region, status and prices.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the models as a JSON list.")] = False,
) -> None:
    """List models with prices per million tokens and where they run (cached for an hour)."""
    from lowrouter_cli.models_job import run_models

    run_models(invocation, query=query, provider=provider, region=region, free=free, max_price=max_price,
               sort=sort.value if sort else None, refresh=refresh, as_json=json, endpoints=endpoints)
