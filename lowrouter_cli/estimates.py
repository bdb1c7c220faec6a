"""What a prompt will cost before it is sent: its size in tokens (an approximation), the cost from
"prompt only" to "prompt plus the longest answer allowed", and, from the user's own ledger, the
energy and CO2e that range of tokens measured before. Pure functions of the request, the model
catalog and ledger rows; no I/O.

Tokens are estimated at 4 characters each, plus 4 per message for the chat template: OpenAI's own
rule of thumb for English. Real counts depend on the model's tokenizer and the language (code and
non-Latin scripts take more tokens), so every figure here is labelled an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from lowrouter_cli.usage import decimal_text

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4
MIN_MEASURED = 3  # exchanges with eco numbers needed before the user's own figures are used
AUTO_MODEL = "lowrouter/auto"


def estimate_tokens(messages: Iterable[dict[str, Any]]) -> int:
    """About 4 characters a token, plus 4 a message; a list of parts counts its text parts."""
    total = 3  # the reply's priming
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content
                              if isinstance(part, dict) and isinstance(part.get("text"), str))
        total += TOKENS_PER_MESSAGE + math.ceil(len(content if isinstance(content, str) else "") / CHARS_PER_TOKEN)
    return total


@dataclass
class Measured:
    """Energy and CO2e per token from the user's own exchanges with a model."""

    exchanges: int
    wh_per_token: float
    g_per_token: float


@dataclass
class Estimate:
    model: str  # as requested
    prompt_tokens: int
    completion_limit: int | None  # the longest answer: --max-tokens, or the model's own limit
    completion_limit_source: str | None  # "--max-tokens", "the model's completion limit", "its context length"
    priced_by: str | None = None  # the model whose prices bound the cost (itself, or the dearest for auto)
    bounded_by_dearest: bool = False  # lowrouter/auto or a dynamic price: bounded by the dearest model
    cost_low: Decimal | None = None  # the prompt alone
    cost_high: Decimal | None = None  # the prompt and the longest answer; None: no bound known
    measured: Measured | None = None

    @property
    def worst_cost(self) -> Decimal | None:
        return self.cost_high

    def energy_range(self) -> tuple[float, float] | None:
        return self._range(self.measured.wh_per_token) if self.measured else None

    def co2e_range(self) -> tuple[float, float] | None:
        return self._range(self.measured.g_per_token) if self.measured else None

    def _range(self, per_token: float) -> tuple[float, float] | None:
        if self.completion_limit is None:
            return None
        return (self.prompt_tokens * per_token, (self.prompt_tokens + self.completion_limit) * per_token)

    def as_dict(self) -> dict[str, Any]:
        energy, co2e = self.energy_range(), self.co2e_range()
        return {
            "model": self.model,
            "estimated": True,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens_max": self.completion_limit,
            "completion_limit_source": self.completion_limit_source,
            "priced_by": self.priced_by,
            "bounded_by_dearest_model": self.bounded_by_dearest,
            "cost_usd_min": None if self.cost_low is None else decimal_text(self.cost_low),
            "cost_usd_max": None if self.cost_high is None else decimal_text(self.cost_high),
            "energy_wh_min": None if energy is None else energy[0],
            "energy_wh_max": None if energy is None else energy[1],
            "co2e_g_min": None if co2e is None else co2e[0],
            "co2e_g_max": None if co2e is None else co2e[1],
            "measured_exchanges": self.measured.exchanges if self.measured else 0,
        }


def estimate(model_id: str, messages: list[dict[str, Any]], max_tokens: int | None, models: list[Any],
             *, region: str | None = None, provider: str | None = None,
             measured: Measured | None = None) -> Estimate:
    """The estimate for sending `messages` to `model_id`, with the catalog's `models`
    (catalog.Model). For lowrouter/auto or a dynamic ("-1") price, the cost is bounded by the dearest
    model the router may pick (one served where the route is pinned, if it is); a model the catalog
    doesn't list has no price, and its cost stays unknown."""
    prompt_tokens = estimate_tokens(messages)
    model = next((m for m in models if m.id == model_id), None)
    limit, source = _completion_limit(model, max_tokens, prompt_tokens)
    result = Estimate(model_id, prompt_tokens, limit, source, measured=measured)
    if model is not None and _priced(model) and model_id != AUTO_MODEL:
        result.priced_by = model.id
        _price(result, model)
        return result
    if model is None and model_id != AUTO_MODEL:
        return result  # not in the catalog: no price to go by
    candidates = [m for m in models if _priced(m) and _served(m, region, provider)]
    if not candidates:
        return result
    if limit is None:  # auto with no --max-tokens: the dearest model's own limit bounds the answer
        limits = [_completion_limit(m, None, prompt_tokens)[0] for m in candidates]
        if any(value is None for value in limits):
            return result
        result.completion_limit, result.completion_limit_source = max(limits), "the largest limit the router may pick"
    dearest = max(candidates, key=lambda m: (_cost(m, prompt_tokens, result.completion_limit or 0), m.id))
    result.priced_by, result.bounded_by_dearest = dearest.id, True
    _price(result, dearest)
    return result


def measured_per_token(rows: Iterable[Any]) -> Measured | None:
    """Wh and g CO2e per token over the rows that carry both eco numbers and token counts; None
    with fewer than MIN_MEASURED such rows."""
    count, tokens, energy, co2e = 0, 0, 0.0, 0.0
    for row in rows:
        used = (row.prompt_tokens or 0) + (row.completion_tokens or 0)
        if row.energy_wh is None or row.co2e_g is None or used <= 0:
            continue
        count, tokens, energy, co2e = count + 1, tokens + used, energy + row.energy_wh, co2e + row.co2e_g
    if count < MIN_MEASURED:
        return None
    return Measured(count, energy / tokens, co2e / tokens)


def _completion_limit(model: Any, max_tokens: int | None, prompt_tokens: int) -> tuple[int | None, str | None]:
    if max_tokens is not None:
        return max_tokens, "--max-tokens"
    if model is None:
        return None, None
    raw = model.raw if isinstance(model.raw, dict) else {}
    top = raw.get("top_provider") if isinstance(raw.get("top_provider"), dict) else {}
    limit = top.get("max_completion_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit, "the model's completion limit"
    if model.context_length:
        return max(model.context_length - prompt_tokens, 0), "its context length"
    return None, None


def _priced(model: Any) -> bool:
    prices = (model.prompt_price, model.completion_price)
    return all(price is not None and price >= 0 for price in prices)


def _served(model: Any, region: str | None, provider: str | None) -> bool:
    if model.id == AUTO_MODEL:
        return False
    if not region and not provider:
        return True
    return any((not region or e["region"] == region) and (not provider or e["provider"] == provider)
               for e in model.endpoints)


def _cost(model: Any, prompt_tokens: int, completion_tokens: int) -> Decimal:
    return model.prompt_price * prompt_tokens + model.completion_price * completion_tokens


def _price(result: Estimate, model: Any) -> None:
    result.cost_low = _cost(model, result.prompt_tokens, 0)
    if result.completion_limit is not None:
        result.cost_high = _cost(model, result.prompt_tokens, result.completion_limit)
