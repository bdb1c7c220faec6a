"""`lowrouter logs`: the ledger of exchanges. Alone, it lists or searches them; `show`, `path`,
`status`, `off`, `on` and `rm` are its subcommands."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.invocation import Invocation

app = typer.Typer(help="List, search and show the exchanges in the local ledger; turn it off or on.",
                  invoke_without_command=True, no_args_is_help=False, add_completion=False, rich_markup_mode=None)
IdArg = Annotated[str, typer.Argument(metavar="ID", help="A conversation id (a unique prefix is enough).")]


@app.callback(invoke_without_command=True)
@with_shared_options
def logs(
    invocation: Invocation,
    limit: Annotated[int, typer.Option("-n", "--limit", metavar="N", min=0, help="How many, newest first (0: all).")] = 20,
    query: Annotated[Optional[str], typer.Option(
        "-q", "--query", metavar="TEXT", show_default=False,
        help="Only exchanges whose prompt or answer holds these words (full-text search).")] = None,
    model: Annotated[Optional[str], typer.Option(
        "-m", "--model", metavar="MODEL", show_default=False, help="Only exchanges asked of or answered by this model.")] = None,
    since: Annotated[Optional[str], typer.Option(
        "--since", metavar="WHEN", show_default=False, help="Only from then on: 7d, 12h, 30m, a date or an ISO time.")] = None,
    until: Annotated[Optional[str], typer.Option(
        "--until", metavar="WHEN", show_default=False, help="Only before then: 7d, 12h, 30m, a date or an ISO time.")] = None,
    cid: Annotated[Optional[str], typer.Option(
        "--cid", metavar="ID", show_default=False, help="Only this conversation (a unique prefix is enough).")] = None,
    json: Annotated[bool, typer.Option("--json", help="A JSON array, one object per exchange.")] = False,
    response: Annotated[bool, typer.Option(
        "-r", "--response", help="Print only the latest matching answer, exactly as received.")] = False,
    extract: Annotated[bool, typer.Option(
        "-x", "--extract", help="Print only the first fenced code block of the latest matching answer.")] = False,
    extract_last: Annotated[bool, typer.Option(
        "--xl", "--extract-last", help="Print only the last fenced code block of the latest matching answer.")] = False,
) -> None:
    """List the newest exchanges (a table on a terminal, TSV in a pipe), or search them."""
    from lowrouter_cli.logs_job import LogsOptions, list_logs

    list_logs(invocation.env, LogsOptions(limit, query, model, since, until, cid, json, response,
                                          "last" if extract_last else "first" if extract else None))


@app.command("show")
@with_shared_options
def show(invocation: Invocation, cid: Annotated[Optional[str], typer.Argument(
        metavar="[ID]", show_default=False, help="A conversation id or prefix [default: the most recent].")] = None) -> None:
    """Show a whole conversation with each turn's tokens and cost (Markdown on a terminal)."""
    from lowrouter_cli.logs_job import show_conversation

    show_conversation(invocation.env, cid)


@app.command("path")
@with_shared_options
def path(invocation: Invocation) -> None:
    """Print where the ledger is (it may not exist yet)."""
    from lowrouter_cli.logs_job import print_path

    print_path(invocation.env)


@app.command("status")
@with_shared_options
def status(invocation: Invocation,
           json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False) -> None:
    """Say whether exchanges are recorded (and what turned it off), where, and how many."""
    from lowrouter_cli.logs_job import status as show_status

    show_status(invocation.env, json)


@app.command("off")
@with_shared_options
def off(invocation: Invocation) -> None:
    """Record nothing from now on, in every run, until `lowrouter logs on`."""
    from lowrouter_cli.logs_job import switch

    switch(invocation.env, False)


@app.command("on")
@with_shared_options
def on(invocation: Invocation) -> None:
    """Record every exchange again."""
    from lowrouter_cli.logs_job import switch

    switch(invocation.env, True)


@app.command("rm")
@with_shared_options
def rm(invocation: Invocation, cid: IdArg) -> None:
    """Remove a conversation and everything recorded of it."""
    from lowrouter_cli.logs_job import remove

    remove(invocation.env, cid)
