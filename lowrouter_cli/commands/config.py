"""`lowrouter config get|set|unset|list|path`: defaults in config.toml."""

from __future__ import annotations

from typing import Annotated

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation

app = typer.Typer(help="Read and change defaults in config.toml.", no_args_is_help=True, add_completion=False,
                  rich_markup_mode=None)
KeyArg = Annotated[str, typer.Argument(
    metavar="KEY",  # settings.CONFIG_KEYS (commands don't import settings; a test keeps them equal)
    help="One of: base_url, model, region, provider, timeout, models_ttl, max_time, reasoning, budget_daily, "
         "budget_monthly, eco.")]


@app.command("get")
@with_shared_options
def get(invocation: Invocation, key: KeyArg) -> None:
    """Print the value in force: the config file's, else the environment's or the default (said on stderr)."""
    from lowrouter_cli import account

    account.config_get(invocation.env, key)


@app.command("set")
@with_shared_options
def set_(invocation: Invocation, key: KeyArg,
         value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")]) -> None:
    """Set a default (options and environment variables still beat it)."""
    from lowrouter_cli import account

    account.config_set(invocation.env, key, value)


@app.command("unset")
@with_shared_options
def unset(invocation: Invocation, key: KeyArg) -> None:
    """Remove a default."""
    from lowrouter_cli import account

    account.config_unset(invocation.env, key)


@app.command("list")
@with_shared_options
def list_(invocation: Invocation,
          json: Annotated[bool, typer.Option("--json", help="Print the values as JSON.")] = False) -> None:
    """Print every value in the config file."""
    from lowrouter_cli import account

    account.config_list(invocation.env, json)


@app.command("path")
@with_shared_options
def path(invocation: Invocation) -> None:
    """Print where the config file is (it may not exist yet)."""
    from lowrouter_cli import account

    account.config_path(invocation.env)
