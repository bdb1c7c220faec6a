"""The job behind `models`: the catalog from the cache or the gateway, filtered, then printed."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import catalog
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.render.answer import print_json


def run_models(invocation: Invocation, *, query: str | None, provider: str | None,
               region: str | None, free: bool, max_price: float | None, sort: str | None,
               refresh: bool, as_json: bool, endpoints: bool = False) -> None:
    from lowrouter_cli.render.tables import print_endpoints, print_models

    env, settings = invocation.env, invocation.settings()

    def fetch(etag: str | None) -> Any:  # only when the cache can't answer
        with invocation.client(settings) as client:
            return client.list_models(etag)

    body = catalog.load_catalog(env, settings.base_url, settings.models_ttl, fetch,
                                lambda message: messages.notice(env, message), refresh=refresh)
    chosen = catalog.select(catalog.parse_models(body), query=query, provider=provider, region=region,
                            free=free, max_price=max_price, sort=sort)
    if not chosen:
        messages.notice(env, "no model matches" + (f" '{query}'" if query else "") + _filters_text(
            provider=provider, region=region, free=free, max_price=max_price))
    if as_json:
        print_json(env, [model.raw for model in chosen])
    elif endpoints:
        print_endpoints(env, [(model, endpoint) for model in chosen
                              for endpoint in catalog.matching_endpoints(model, provider=provider, region=region)])
    elif chosen:
        print_models(env, chosen)


def _filters_text(**filters: Any) -> str:
    given = [f"--{name.replace('_', '-')}" + ("" if value is True else f" {value}")
             for name, value in filters.items() if value not in (None, False)]
    return f" with {' '.join(given)}" if given else ""
