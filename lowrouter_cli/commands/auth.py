"""`lowrouter auth login|status|logout`: the stored key."""

from __future__ import annotations

from typing import Annotated

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation

app = typer.Typer(help="Store, check or remove the API key.", no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None)
VerifyOpt = Annotated[bool, typer.Option("--verify/--no-verify", help="Check the key against the gateway.")]


@app.command("login")
@with_shared_options
def login(invocation: Invocation, verify: VerifyOpt = True) -> None:
    """Store a key (read from stdin or a hidden prompt, never the command line) with mode 0600."""
    from lowrouter_cli import account

    account.login(invocation, verify=verify)


@app.command("status")
@with_shared_options
def status(invocation: Invocation, verify: VerifyOpt = True) -> None:
    """Show where the key comes from, the key masked, and whether the gateway accepts it."""
    from lowrouter_cli import account

    account.status(invocation, verify=verify)


@app.command("logout")
@with_shared_options
def logout(invocation: Invocation) -> None:
    """Remove the stored key."""
    from lowrouter_cli import account

    account.logout(invocation.env)
