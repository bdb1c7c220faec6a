"""The job behind `generation`: one record from the gateway (waiting for it if asked), checked and
printed and kept in the ledger; or, with --list, the ledger's recent generations."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import generations
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import GatewayError, UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.records import left_out
from lowrouter_cli.render import messages
from lowrouter_cli.render.answer import print_json


def run_generation(invocation: Invocation, generation_id: str | None, *, wait: float | None, list_: bool,
                   limit: int = 20, as_json: bool) -> None:
    """`lowrouter generation ID|last`, or `--list` (the ledger, no gateway). A record kept in the
    ledger is shown without the network; one fetched is kept there."""
    from lowrouter_cli.render.tables import print_generation

    if list_:
        return run_history(invocation.env, limit=limit, as_json=as_json)
    if not generation_id:
        raise UsageError("give a generation id, 'last', or --list")
    env = invocation.env
    generation_id = generations.resolve_id(env, generation_id)
    record = generations.stored_record(env, generation_id)
    if record is None:
        settings = invocation.settings()
        announce = (lambda message: messages.notice(env, message)) if invocation.verbose else (lambda message: None)
        with invocation.client(settings) as client:
            record = generations.fetch(env, client, generation_id, wait, announce)
        if not isinstance(record.raw, dict):
            raise GatewayError("malformed response: the generation record is not a JSON object",
                               generation_id=generation_id)
        generations.store_record(env, generation_id, record.raw,
                                 lambda message: messages.notice(env, message))
    if invocation.verbose:
        for name in left_out(record):
            messages.notice(env, f"warning: left out {name}: the gateway sent a value of the wrong type")
    if as_json:
        print_json(env, record.raw)
        return
    print_generation(env, record, generations.eco_problems(record))


def run_history(env: Environment, *, limit: int, as_json: bool) -> None:
    """Recent exchanges with a generation id, newest first, from the ledger."""
    from lowrouter_cli.ledger import read
    from lowrouter_cli.render.tables import print_history

    rows = []
    for opened in read(env):
        rows = opened.select("generation_id IS NOT NULL", limit=limit or None)
    if as_json:
        print_json(env, [history_json(row) for row in rows])
    else:
        print_history(env, rows)


def history_json(row: Any) -> dict[str, Any]:
    return {"time": row.time, "generation_id": row.generation_id, "model": row.model, "provider": row.provider,
            "region": row.region, "prompt_tokens": row.prompt_tokens, "completion_tokens": row.completion_tokens,
            "reasoning_tokens": row.reasoning_tokens, "cost_usd": row.cost_usd, "co2e_g": row.co2e_g, "outcome": row.outcome,
            "conversation_id": row.conversation_id}
