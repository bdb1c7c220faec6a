"""Routing help: when a pinned route can't be met (503), say where the model is up right now,
from the cached model list (never the network: the failure is already slow enough)."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import store
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import RouteUnavailable


def add_where_up(env: Environment, base_url: str, request: Any, error: BaseException) -> None:
    """Append "… is up at openai/eu-west, openai/us-east" to a pinned-route 503's message."""
    if not isinstance(error, RouteUnavailable) or not (request.region or request.provider):
        return
    hint = where_up(env, base_url, request.model)
    if hint:
        error.message = f"{error.message.rstrip()} {hint}"


def where_up(env: Environment, base_url: str, model_id: str) -> str | None:
    """A sentence naming the provider/region pairs where `model_id` is up in the cached list, or
    None when the cache doesn't know the model (or lists no endpoints for it, as for auto)."""
    from lowrouter_cli.catalog import parse_models

    cached = store.read_models_cache(env, base_url)
    model = next((m for m in parse_models(cached["body"]) if m.id == model_id), None) if cached else None
    if model is None or not model.endpoints:
        return None
    up = [f"{e.provider}/{e.region}" for e in model.endpoints if e.status == "up"]
    if not up:
        return f"(the cached model list has no endpoint of {model_id} up)"
    return f"({model_id} is up at {', '.join(up)}, by the cached model list; pin one of those with --provider/--region)"
