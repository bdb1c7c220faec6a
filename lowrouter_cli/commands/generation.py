"""`lowrouter generation`: what one generation cost, or the list of recent ones."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation


@with_shared_options
def generation(
    invocation: Invocation,
    generation_id: Annotated[Optional[str], typer.Argument(
        metavar="[ID|last]", show_default=False,
        help="A generation id, or 'last' for the newest in the ledger.")] = None,
    wait: Annotated[Optional[float], typer.Option(
        "--wait", metavar="SECONDS", min=0, show_default=False,
        help="Keep asking while the record is not readable yet (404), up to this long.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List recent generations from the ledger, newest first.")] = False,
    limit: Annotated[int, typer.Option(
        "-n", "--limit", metavar="N", min=0, help="With --list: how many (0: all).")] = 20,
    json: Annotated[bool, typer.Option("--json", help="Print the record (or the list) as JSON.")] = False,
) -> None:
    """Show what a generation cost: tokens, money, energy and CO2e, and how it was routed."""
    from lowrouter_cli.generation_job import run_generation

    run_generation(invocation, generation_id, wait=wait, list_=list_, limit=limit, as_json=json)
