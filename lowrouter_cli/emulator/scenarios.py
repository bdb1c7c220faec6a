"""What the emulated gateway knows: the model catalog, deterministic answers, generation records,
and the faults a request can ask for. No HTTP here; `server.py` speaks the protocol."""

from __future__ import annotations

import hashlib
import json
import random
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

AUTO_MODEL = "lowrouter/auto"

# The catalog is data: models.json beside this file (ids, prices per token, endpoints by region).
MODELS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "models.json").read_text(encoding="utf-8"))

AUTO_TARGET = "openai/gpt-4o-mini"

# OpenAI's fields on each entry of the list (openai-python's Model type requires them).
for _model in MODELS:
    _model.update(object="model", created=1735689600, owned_by=_model["id"].split("/")[0])

# Power usage effectiveness and grid intensity (g CO2e per kWh) per region, for the eco numbers.
REGIONS: dict[str, tuple[str, str, float, int]] = {
    # region: (data region, grid zone, PUE, grid intensity)
    "eu-west": ("europe", "FR", 1.2, 56),
    "eu-central": ("europe", "DE", 1.25, 381),
    "us-east": ("us", "US-MIDA-PJM", 1.3, 410),
    "us-west": ("us", "US-CAL-CISO", 1.15, 210),
}


def model_by_id(model_id: str) -> dict[str, Any] | None:
    return next((model for model in MODELS if model["id"] == model_id), None)


# -- faults ---------------------------------------------------------------------------------------


@dataclass
class Fault:
    """A fault a request asked for: a name and its parameters, e.g. `429 retry_after=2`."""

    name: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> "Fault":
        words = shlex.split(spec)
        if not words:
            return cls("ok")
        params = {}
        for word in words[1:]:
            key, _, value = word.partition("=")
            params[key] = value or "true"
        return cls(words[0], params)

    def number(self, key: str, default: float) -> float:
        try:
            return float(self.params.get(key, default))
        except ValueError:
            return default

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.params.get(key)
        return default if value is None else value.lower() in ("1", "true", "yes")


# What a status fault says, and its error_type, unless the fault gives a message.
STATUS_MESSAGES = {429: "Rate limit exceeded", 408: "Upstream timed out before the first byte",
                   402: "Insufficient credits", 403: "This key may not use this model", 413: "Request too large",
                   500: "Internal gateway error", 502: "Provider returned an invalid response",
                   503: "Every endpoint is down", 504: "Provider timed out"}
STATUS_TYPES = {429: "rate_limit_exceeded", 503: "provider_overloaded", 402: "insufficient_credits"}

_DIRECTIVE = re.compile(r"\[\[(fault|answer):([^\]]*)\]\]")


def directives(prompt: str) -> tuple[Fault | None, str | None]:
    """`[[fault:NAME k=v]]` and `[[answer:KIND k=v]]` in the prompt let a person trying the CLI
    offline ask for a fault or a long answer without touching the emulator."""
    fault = answer = None
    for kind, spec in _DIRECTIVE.findall(prompt):
        if kind == "fault" and fault is None:
            fault = Fault.parse(spec)
        elif kind == "answer" and answer is None:
            answer = spec.strip()
    return fault, answer


# -- answers --------------------------------------------------------------------------------------


def answer_for(prompt: str, answer_spec: str | None) -> str:
    if answer_spec:
        spec = Fault.parse(answer_spec)
        if spec.name == "long":
            return long_markdown(int(spec.number("words", 1000)), int(spec.number("seed", 7)))
        if spec.name == "echo":  # bare=1: without the directives (the answer is exactly the text)
            return _DIRECTIVE.sub("", prompt).rstrip() if spec.flag("bare") else prompt
        if spec.name == "unicode":
            return "Grüße aus Zürich — 東京 🌍 and U+2028 here:\u2028done. Ünïcödé ✓"
    digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:12]
    words = len(prompt.split())
    return (
        "Hello from the **LowRouter emulator**. "
        f"Your prompt had {words} words and {len(prompt)} characters (sha256 {digest}).\n\n"
        "- Answers here are deterministic.\n"
        "- Nothing left this machine."
    )


_WORDS = (
    "router gateway token region provider carbon energy latency stream model cache price "
    "answer prompt vector database request response header socket buffer render terminal "
    "markdown list paragraph table grid zone intensity joule watt budget policy retry"
).split()


def long_markdown(total_words: int, seed: int = 7) -> str:
    """A deterministic Markdown answer of about `total_words` words: headings, paragraphs,
    bullet and numbered lists, inline code and fenced code, like a long LLM answer."""
    rng = random.Random(seed)
    parts: list[str] = []
    count = 0
    section = 0

    def sentence(n: int) -> str:
        words = [rng.choice(_WORDS) for _ in range(n)]
        if rng.random() < 0.3:
            words[rng.randrange(n)] = f"`{rng.choice(_WORDS)}`"
        if rng.random() < 0.3:
            words[rng.randrange(n)] = f"**{rng.choice(_WORDS)}**"
        return " ".join(words).capitalize() + "."

    while count < total_words:
        section += 1
        new = [f"## Section {section}: {rng.choice(_WORDS)} and {rng.choice(_WORDS)}"]
        kind = section % 4
        if kind == 0:
            items = [f"- {sentence(rng.randint(5, 10))}" for _ in range(rng.randint(3, 5))]
            new.append("\n".join(items))
        elif kind == 1:
            items = [f"{i}. {sentence(rng.randint(5, 10))}" for i in range(1, rng.randint(3, 6))]
            new.append("\n".join(items))
        elif kind == 2:
            lines = [f"def {rng.choice(_WORDS)}_{i}(x):\n    return x * {i}" for i in range(3)]
            new.append("```python\n" + "\n".join(lines) + "\n```")
        for _ in range(2):
            new.append(" ".join(sentence(rng.randint(8, 14)) for _ in range(rng.randint(2, 4))))
        count += sum(len(part.split()) for part in new)
        parts.extend(new)
    return "\n\n".join(parts)


_TOKEN = re.compile(r"\s*\S+|\s+")


def tokenize(text: str) -> list[str]:
    """Split an answer into stream deltas: one word with its leading whitespace each."""
    return _TOKEN.findall(text)


def cost_of(model: dict[str, Any], prompt: int, completion: int) -> float:
    pricing = model.get("pricing", {})
    price_in, price_out = Decimal(pricing.get("prompt", "0")), Decimal(pricing.get("completion", "0"))
    if price_in < 0 or price_out < 0:
        return 0.0
    return float(price_in * prompt + price_out * completion)


# -- routing and generation records ------------------------------------------------------------------


@dataclass
class Route:
    model: dict[str, Any]
    provider: str
    region: str
    candidates: list[dict[str, Any]]
    attempts: list[dict[str, Any]]


def choose_route(model_id: str, route: dict[str, Any] | None) -> Route | None:
    """The endpoint a request lands on, or None when a pinned route can't be met."""
    model = model_by_id(AUTO_TARGET if model_id == AUTO_MODEL else model_id)
    assert model is not None
    route = route or {}
    endpoints = [
        e
        for e in model["lowrouter"]["endpoints"]
        if route.get("region") in (None, e["region"]) and route.get("provider") in (None, e["provider"])
    ]
    if not endpoints:
        return None
    candidates = [
        {"provider": e["provider"], "region": e["region"], "score": round(0.91 - 0.03 * i, 2)}
        for i, e in enumerate(endpoints)
    ]
    attempts = []
    for endpoint in endpoints:
        if endpoint["status"] == "degraded" and len(endpoints) > 1:
            attempts.append(
                {"attempt": len(attempts) + 1, "provider": endpoint["provider"], "region": endpoint["region"],
                 "status": 429, "error_type": "rate_limit_exceeded", "latency_ms": 143, "selected": False}
            )
            continue
        attempts.append(
            {"attempt": len(attempts) + 1, "provider": endpoint["provider"], "region": endpoint["region"],
             "status": 200, "error_type": None, "latency_ms": 669, "selected": True}
        )
        return Route(model, endpoint["provider"], endpoint["region"], candidates, attempts)
    return None


def generation_record(
    generation_id: str,
    requested_model: str,
    route: Route,
    pinned: dict[str, Any] | None,
    tokens_prompt: int,
    tokens_completion: int,
    *,
    streamed: bool,
    cancelled: bool,
    finish_reason: str | None,
) -> dict[str, Any]:
    data_region, zone, pue, intensity = REGIONS.get(route.region, ("unknown", "ZZ", 1.2, 300))
    it_energy = round(0.0001 * tokens_prompt + 0.004 * tokens_completion + 0.02, 6)
    energy = round(it_energy * pue, 6)
    co2e = round(energy / 1000 * intensity, 9)
    cost = cost_of(route.model, tokens_prompt, tokens_completion)
    return {
        "id": generation_id,
        "model": route.model["id"],
        "router": AUTO_MODEL if requested_model == AUTO_MODEL else None,
        "provider_name": route.provider,
        "streamed": streamed,
        "cancelled": cancelled,
        "finish_reason": finish_reason,
        "latency": 812,
        "generation_time": 640,
        "tokens_prompt": tokens_prompt,
        "tokens_completion": tokens_completion,
        "total_cost": cost,
        "data_region": data_region,
        "lowrouter": {
            "requested_model": requested_model,
            "route": pinned,
            "region": route.region,
            "eco": {
                "energy_wh": energy,
                "it_energy_wh": it_energy,
                "pue": pue,
                "co2e_g": co2e,
                "grid_zone": zone,
                "grid_carbon_intensity_g_per_kwh": intensity,
                "method": "estimate",
            },
            "routing_trace": {
                "strategy": "pinned" if pinned else "auto",
                "requested": requested_model,
                "constraints": {"region": (pinned or {}).get("region"), "provider": (pinned or {}).get("provider")},
                "candidates": route.candidates,
                "attempts": route.attempts,
            },
        },
    }
