"""The job behind `generation`: one record from the gateway (waiting for it if asked), checked and
printed; or, with --list, the local history."""

from __future__ import annotations

from lowrouter_cli import generations, store
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.render.answer import print_json


def run_generation(invocation: Invocation, generation_id: str | None, *, wait: float | None, list_: bool,
                   as_json: bool) -> None:
    """`lowrouter generation ID|last`, or `--list` (the local history, no gateway)."""
    from lowrouter_cli.render.tables import print_generation

    if list_:
        return run_history(invocation.env, as_json=as_json)
    if not generation_id:
        raise UsageError("give a generation id, 'last', or --list")
    env, settings = invocation.env, invocation.settings()
    generation_id = generations.resolve_id(env, generation_id)
    announce = (lambda message: messages.notice(env, message)) if invocation.verbose else (lambda message: None)
    with invocation.client(settings) as client:
        record = generations.fetch(env, client, generation_id, wait, announce)
    if as_json:
        print_json(env, record)
        return
    print_generation(env, record, generations.eco_problems(record))


def run_history(env: Environment, *, as_json: bool) -> None:
    from lowrouter_cli.render.tables import print_history

    entries = store.read_history(env)[-50:]
    if as_json:
        print_json(env, entries)
    else:
        print_history(env, entries)
