"""Generation records (GET /generation/{id}), typed where the JSON enters.

Every field is checked for its type here: a field of the wrong type is left out (None, or an empty
list), never raised on, so the renderers and the eco checks read attributes and never dig through
dicts. `raw` keeps the record as received, for --json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowrouter_cli.jsontext import clean_text, count, finite


@dataclass(frozen=True)
class Eco:
    energy_wh: float | None = None
    it_energy_wh: float | None = None
    pue: float | None = None
    co2e_g: float | None = None
    grid_zone: str | None = None
    grid_carbon_intensity_g_per_kwh: float | None = None
    method: str | None = None


@dataclass(frozen=True)
class Candidate:
    provider: str | None = None
    region: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Attempt:
    number: int | None = None
    provider: str | None = None
    region: str | None = None
    status: int | None = None
    error_type: str | None = None
    latency_ms: float | None = None
    selected: bool = False


@dataclass(frozen=True)
class RoutingTrace:
    strategy: str | None = None
    requested: str | None = None
    constraints: dict[str, str] | None = None  # only the constraints given, as text; None: not sent
    candidates: list[Candidate] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True)
class GenerationRecord:
    id: str | None = None
    model: str | None = None
    router: str | None = None
    provider: str | None = None
    region: str | None = None
    streamed: bool | None = None
    cancelled: bool | None = None
    finish_reason: str | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    total_cost: float | None = None
    latency_ms: float | None = None
    eco: Eco | None = None
    routing_trace: RoutingTrace | None = None
    raw: Any = None


def parse_generation(body: Any) -> GenerationRecord:
    """The record inside `data` (the whole body if there is no `data`)."""
    record = body["data"] if isinstance(body, dict) and isinstance(body.get("data"), dict) else body
    if not isinstance(record, dict):
        return GenerationRecord(raw=record)
    extras = _object(record.get("lowrouter")) or {}
    return GenerationRecord(
        id=_text(record.get("id")),
        model=_text(record.get("model")),
        router=_text(record.get("router")),
        provider=_text(record.get("provider_name")),
        region=_text(extras.get("region")),
        streamed=_flag(record.get("streamed")),
        cancelled=_flag(record.get("cancelled")),
        finish_reason=_text(record.get("finish_reason")),
        tokens_prompt=count(record.get("tokens_prompt")),
        tokens_completion=count(record.get("tokens_completion")),
        total_cost=_number(record.get("total_cost")),
        latency_ms=_number(record.get("latency")),
        eco=_eco(extras.get("eco")),
        routing_trace=_trace(extras.get("routing_trace")),
        raw=record,
    )


def _eco(value: Any) -> Eco | None:
    eco = _object(value)
    if eco is None:
        return None
    return Eco(
        energy_wh=_number(eco.get("energy_wh")),
        it_energy_wh=_number(eco.get("it_energy_wh")),
        pue=_number(eco.get("pue")),
        co2e_g=_number(eco.get("co2e_g")),
        grid_zone=_text(eco.get("grid_zone")),
        grid_carbon_intensity_g_per_kwh=_number(eco.get("grid_carbon_intensity_g_per_kwh")),
        method=_text(eco.get("method")),
    )


def _trace(value: Any) -> RoutingTrace | None:
    trace = _object(value)
    if trace is None:
        return None
    constraints = _object(trace.get("constraints"))
    return RoutingTrace(
        strategy=_text(trace.get("strategy")),
        requested=_text(trace.get("requested")),
        constraints=None if constraints is None else {
            key: text for key, text in ((clean_text(k), _text(v)) for k, v in constraints.items()) if text},
        candidates=[Candidate(_text(c.get("provider")), _text(c.get("region")), _number(c.get("score")))
                    for c in _objects(trace.get("candidates"))],
        attempts=[Attempt(number=count(a.get("attempt")), provider=_text(a.get("provider")),
                          region=_text(a.get("region")), status=count(a.get("status")),
                          error_type=_text(a.get("error_type")), latency_ms=_number(a.get("latency_ms")),
                          selected=a.get("selected") is True)
                  for a in _objects(trace.get("attempts"))],
    )


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return clean_text(value) if isinstance(value, str) and value else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    """A JSON number that is finite (numeric strings are not numbers here)."""
    return finite(value) if isinstance(value, (int, float)) else None


_TOP = (("id", "id"), ("model", "model"), ("router", "router"), ("provider_name", "provider"),
        ("streamed", "streamed"), ("cancelled", "cancelled"), ("finish_reason", "finish_reason"),
        ("tokens_prompt", "tokens_prompt"), ("tokens_completion", "tokens_completion"),
        ("total_cost", "total_cost"), ("latency", "latency_ms"))


def left_out(record: GenerationRecord) -> list[str]:
    """The fields the gateway sent that were left out for their type (for a warning under -v)."""
    raw = record.raw if isinstance(record.raw, dict) else {}
    names = [key for key, attribute in _TOP if raw.get(key) is not None and getattr(record, attribute) is None]
    extras = _object(raw.get("lowrouter")) or {}
    if extras.get("region") is not None and record.region is None:
        names.append("lowrouter.region")
    eco = _object(extras.get("eco"))
    for key in Eco.__dataclass_fields__ if eco is not None else ():
        if eco.get(key) is not None and getattr(record.eco, key) is None:
            names.append(f"lowrouter.eco.{key}")
    for key in ("eco", "routing_trace"):
        if extras.get(key) is not None and _object(extras.get(key)) is None:
            names.append(f"lowrouter.{key}")
    trace = _object(extras.get("routing_trace")) or {}
    for key in ("candidates", "attempts"):
        if trace.get(key) is not None and not isinstance(trace.get(key), list):
            names.append(f"lowrouter.routing_trace.{key}")
    return names
