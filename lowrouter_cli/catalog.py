"""The model catalog: fetched from GET /models, cached per base URL, filtered and sorted.

Prices are decimal strings in USD per token; people read them per million tokens. "0" is free
and "-1" is dynamic (set per request by the router): never shown or summed as a negative number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from lowrouter_cli import store
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import NetworkError, UsageError
from lowrouter_cli.jsontext import clean_text, count

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Endpoint:
    """Where a model runs (ours: `lowrouter.endpoints`)."""

    provider: str
    region: str
    status: str | None = None


@dataclass
class Model:
    id: str
    name: str
    context_length: int | None
    prompt_price: Decimal | None  # USD per token; None when unknown; negative means dynamic
    completion_price: Decimal | None
    endpoints: list[Endpoint] = field(default_factory=list)
    raw: Any = None

    @property
    def providers(self) -> list[str]:
        return sorted({e.provider for e in self.endpoints})

    @property
    def regions(self) -> list[str]:
        return sorted({e.region for e in self.endpoints})

    @property
    def is_free(self) -> bool:
        return self.prompt_price == 0 and self.completion_price == 0


def parse_price(value: Any) -> Decimal | None:
    """USD per token; None for anything that is not a plain number of sane size ("1e999999"
    would overflow the moment it is scaled to a million tokens)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value)
    if len(text) > 64:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        return None
    if not price.is_finite() or (price != 0 and not -30 <= price.adjusted() <= 6):
        return None
    return price


def parse_models(body: Any) -> list[Model]:
    data = body.get("data") if isinstance(body, dict) else None
    models = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        pricing = item.get("pricing") if isinstance(item.get("pricing"), dict) else {}
        extras = item.get("lowrouter") if isinstance(item.get("lowrouter"), dict) else {}
        context = item.get("context_length")
        models.append(Model(
            id=clean_text(item["id"]),
            name=_text(item.get("name")) or clean_text(item["id"]),
            context_length=count(context),
            prompt_price=parse_price(pricing.get("prompt")),
            completion_price=parse_price(pricing.get("completion")),
            endpoints=[endpoint for endpoint in map(_endpoint, _list(extras.get("endpoints"))) if endpoint],
            raw=item,
        ))
    return models


def _endpoint(value: Any) -> Endpoint | None:
    """An endpoint whose provider and region are not both text is left out."""
    if not isinstance(value, dict):
        return None
    provider, region = _text(value.get("provider")), _text(value.get("region"))
    return Endpoint(provider, region, _text(value.get("status"))) if provider and region else None


def _text(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def load_catalog(env: Environment, base_url: str, ttl: float, fetch: Callable[[str | None], Any],
                 warn: Callable[[str], None], *, refresh: bool = False) -> Any:
    """The /models body: from the cache while fresh, else fetched (a 304 keeps the cache). When
    the fetch fails and a stale copy exists, the copy is used with a warning.

    `fetch(etag)` returns (status, body, etag)."""
    cached = store.read_models_cache(env, base_url)
    age = env.wall_clock() - cached["fetched_at"] if cached else None
    if cached and not refresh and age is not None and 0 <= age < ttl:
        return cached["body"]
    try:
        status, body, etag = fetch(cached.get("etag") if cached else None)
    except NetworkError as error:
        if cached is None:
            raise
        warn(f"warning: {error.one_line()}; using the model list cached {_age(age)} ago")
        return cached["body"]
    if status == 304 and cached is not None:
        body, etag = cached["body"], cached.get("etag") or etag
    store.write_models_cache(env, base_url, body, etag, warn)
    return body


def cached_model_ids(env: Environment, base_url: str) -> list[str]:
    """Model ids from the cache alone (no network), for shell completion of --model."""
    from lowrouter_cli.completion import model_ids_in

    return model_ids_in(store.models_cache_path(env, base_url))


def cached_prices(env: Environment, base_url: str, model_id: str | None) -> Model | None:
    if not model_id:
        return None
    cached = store.read_models_cache(env, base_url)
    models = parse_models(cached["body"]) if cached else []
    return next((m for m in models if m.id == model_id), None)


def estimate_cost(model: Model | None, prompt_tokens: int | None, completion_tokens: int | None) -> float | None:
    """Cost from token counts and cached per-token prices; None when a price is unknown or dynamic."""
    if model is None or prompt_tokens is None or completion_tokens is None:
        return None
    prices = (model.prompt_price, model.completion_price)
    if any(p is None or p < 0 for p in prices):
        return None
    return float(prices[0] * prompt_tokens + prices[1] * completion_tokens)


SORTS = ("price", "context", "name")


def select(models: list[Model], *, query: str | None = None, provider: str | None = None,
           region: str | None = None, free: bool = False, max_price: float | None = None,
           sort: str | None = None) -> list[Model]:
    chosen = []
    for model in models:
        if query and query.lower() not in model.id.lower() and query.lower() not in model.name.lower():
            continue
        if (provider or region) and not matching_endpoints(model, provider=provider, region=region):
            continue
        if free and not model.is_free:
            continue
        if max_price is not None:
            limit = Decimal(str(max_price)) / MILLION
            prices = (model.prompt_price, model.completion_price)
            if any(p is None or p < 0 or p > limit for p in prices):
                continue
        chosen.append(model)
    if sort == "price":
        chosen.sort(key=lambda m: (_price_key(m.prompt_price), _price_key(m.completion_price), m.id))
    elif sort == "context":
        chosen.sort(key=lambda m: (-(m.context_length or 0), m.id))
    elif sort == "name":
        chosen.sort(key=lambda m: m.name.lower())
    elif sort is not None:
        raise UsageError(f"--sort must be one of {', '.join(SORTS)}")
    return chosen


def matching_endpoints(model: Model, *, provider: str | None = None,
                       region: str | None = None) -> list[Endpoint]:
    """The endpoints that meet both pins at once, as the router matches a pinned route: a model
    served by anthropic in us-east and by bedrock in eu-central does not match
    `--provider anthropic --region eu-central`."""
    return [e for e in model.endpoints
            if (not provider or e.provider.lower() == provider.lower())
            and (not region or e.region.lower() == region.lower())]


def _price_key(price: Decimal | None) -> Decimal:
    # Unknown and dynamic prices sort after every known one.
    return price if price is not None and price >= 0 else Decimal("Infinity")


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "some time"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"
