"""The job behind `models`: the catalog from the cache or the gateway, filtered, then printed."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import catalog
from lowrouter_cli.invocation import Invocation


def run_models(invocation: Invocation, *, query: str | None, provider: str | None,
               region: str | None, free: bool, max_price: float | None, sort: str | None,
               refresh: bool, as_json: bool, endpoints: bool = False) -> None:
    from lowrouter_cli.render import messages
    from lowrouter_cli.render.tables import print_endpoints, print_models

    env, settings = invocation.env, invocation.settings()

    def fetch(etag: str | None) -> Any:  # only when the cache can't answer
        with invocation.client(settings) as client:
            return client.list_models(etag)

    body = catalog.load_catalog(env, settings.base_url, settings.models_ttl, fetch,
                                lambda message: messages.notice(env, message), refresh=refresh)
    chosen = catalog.select(catalog.parse_models(body), query=query, provider=provider, region=region,
                            free=free, max_price=max_price, sort=None if sort == "co2" else sort)
    measured = _measured_co2e(env) if (not as_json and not endpoints) or sort == "co2" else {}
    if sort == "co2":  # the user's own measured g CO2e per 1,000 tokens, least first; unmeasured last
        chosen.sort(key=lambda m: (m.id not in measured, measured.get(m.id, 0.0), m.id))
        if not any(m.id in measured for m in chosen):
            messages.notice(env, "no measured CO2e yet: --sort co2 needs 3 exchanges with a model whose "
                                 "generation records are in the ledger (lowrouter usage fetches them)")
    if not chosen:
        messages.notice(env, "no model matches" + (f" '{query}'" if query else "") + _filters_text(
            provider=provider, region=region, free=free, max_price=max_price))
    if as_json:
        from lowrouter_cli.render.answer import print_json

        print_json(env, [model.raw for model in chosen])
    elif endpoints:
        print_endpoints(env, [(model, endpoint) for model in chosen
                              for endpoint in catalog.matching_endpoints(model, provider=provider, region=region)])
    elif chosen:
        print_models(env, chosen, measured)


def _filters_text(**filters: Any) -> str:
    given = [f"--{name.replace('_', '-')}" + ("" if value is True else f" {value}")
             for name, value in filters.items() if value not in (None, False)]
    return f" with {' '.join(given)}" if given else ""


def _measured_co2e(env: Any) -> dict[str, float]:
    """g CO2e per 1,000 tokens by model, from the ledger's exchanges whose records carried eco
    numbers (3 at least per model); nothing when there is no ledger."""
    from lowrouter_cli.ledger_names import ledger_exists

    if not ledger_exists(env):  # nothing measured yet: sqlite3 isn't even imported
        return {}
    from lowrouter_cli.estimates import MIN_MEASURED
    from lowrouter_cli.ledger import LedgerError, read

    try:
        for opened in read(env):
            return {model: co2e / tokens * 1000 for model, count, co2e, tokens in opened.execute(
                "SELECT model, count(*), sum(co2e_g), sum(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0))"
                " FROM exchanges WHERE co2e_g IS NOT NULL AND model IS NOT NULL GROUP BY model")
                if count >= MIN_MEASURED and tokens}
    except LedgerError:
        return {}
    return {}
