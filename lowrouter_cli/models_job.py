"""The jobs behind `models` and `generation`: read (cache or gateway), then hand to the output."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import api, catalog, generations, store
from lowrouter_cli.chat import build_transport
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.render.answer import print_json


def run_models(invocation: Invocation, *, query: str | None, provider: str | None,
               region: str | None, free: bool, max_price: float | None, sort: str | None,
               refresh: bool, as_json: bool) -> None:
    from lowrouter_cli.render.tables import print_models

    env, settings, verbose = invocation.env, invocation.settings(), invocation.verbose

    warn = lambda message: messages.notice(env, message)  # noqa: E731
    transport = None

    def fetch(etag: str | None) -> Any:
        nonlocal transport
        transport = build_transport(env, settings, verbose=verbose)
        return api.list_models(transport, etag)

    try:
        body = catalog.load_catalog(env, settings.base_url, settings.models_ttl, fetch, warn, refresh=refresh)
    finally:
        if transport is not None:
            transport.close()
    chosen = catalog.select(catalog.parse_models(body), query=query, provider=provider, region=region,
                            free=free, max_price=max_price, sort=sort)
    if as_json:
        print_json(env, [model.raw for model in chosen])
    else:
        print_models(env, chosen)


def run_generation(invocation: Invocation, generation_id: str | None, *, wait: float | None, list_: bool,
                   as_json: bool) -> None:
    """`lowrouter generation ID|last`, or `--list` (the local history, no gateway)."""
    from lowrouter_cli.render.tables import print_generation

    if list_:
        return run_history(invocation.env, as_json=as_json)
    if not generation_id:
        raise UsageError("give a generation id, 'last', or --list")
    env, settings, verbose = invocation.env, invocation.settings(), invocation.verbose

    generation_id = generations.resolve_id(env, generation_id)
    transport = build_transport(env, settings, verbose=verbose)
    try:
        record = generations.fetch(env, transport, generation_id, wait,
                                   lambda message: messages.notice(env, message) if verbose else None)
    finally:
        transport.close()
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
