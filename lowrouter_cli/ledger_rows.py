"""A ledger row: the Exchange dataclass whose fields are the table's columns, the words an outcome
is stored as, and values cleaned to fit their column (a wrong type becomes NULL) before any write."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from typing import Any

MAX_TEXT = 16 * 1024 * 1024  # longest prompt, answer or record kept, in characters
MAX_INT = 2**62

# The outcome column holds one of these words (README, "Files").
OUTCOMES = ("ok", "cancelled", "terminated", "output_closed", "auth_failed", "rejected", "rate_limited",
            "route_unavailable", "gateway_error", "truncated", "network_error", "no_answer", "error")


@dataclass
class Exchange:
    """One row: what was asked, what came back, where it ran, and what it cost."""

    conversation_id: str
    prompt: str
    outcome: str = "ok"
    time: str = ""  # ISO 8601 UTC with microseconds ("2026-11-26T00:21:25.123456Z"); sorts as text
    base_url: str | None = None
    requested_model: str | None = None
    model: str | None = None
    provider: str | None = None
    region: str | None = None
    route_region: str | None = None
    route_provider: str | None = None
    system: str | None = None
    answer: str | None = None
    reasoning: str | None = None
    finish_reason: str | None = None
    exit_code: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: str | None = None  # exact decimal string, never a float
    latency_ms: int | None = None
    ttft_ms: int | None = None
    generation_id: str | None = None
    energy_wh: float | None = None
    it_energy_wh: float | None = None
    pue: float | None = None
    co2e_g: float | None = None
    grid_zone: str | None = None
    grid_intensity_g_per_kwh: float | None = None
    routing_trace: str | None = None  # JSON text of the generation record's routing trace
    record: str | None = None  # JSON text of the whole generation record, once fetched
    imported: int = 0  # 1 for rows imported from history.jsonl (no text)
    id: int | None = None


COLUMNS = tuple(f.name for f in fields(Exchange) if f.name != "id")
_TEXT = {f.name for f in fields(Exchange) if "str" in str(f.type)}
_INT = {f.name for f in fields(Exchange) if "int" in str(f.type)}
_FLOAT = {f.name for f in fields(Exchange) if "float" in str(f.type)}


def cost_text(value: Any) -> str | None:
    """An exact decimal string from a Decimal, or from a float as the JSON wrote it (repr is the
    shortest text that reads back as the same float); None for anything not finite."""
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool) or value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or abs(number) > 10**12:
        return None
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def outcome_of(error: BaseException | None) -> str:
    """The stable word stored for how an exchange ended (OUTCOMES)."""
    if error is None:
        return "ok"
    from lowrouter_cli import errors

    error = errors.translated(error)  # Ctrl-C and a closed stdout, as ours
    for kind, word in ((errors.Interrupted, "cancelled"),
                       (errors.Terminated, "terminated"), (errors.OutputClosed, "output_closed"),
                       (errors.AuthError, "auth_failed"),
                       (errors.RequestRejected, "rejected"), (errors.RateLimited, "rate_limited"),
                       (errors.RouteUnavailable, "route_unavailable"), (errors.GatewayError, "gateway_error"),
                       (errors.TruncatedAnswer, "truncated"), (errors.NetworkError, "network_error"),
                       (errors.NoUsableAnswer, "no_answer")):
        if isinstance(error, kind):
            return word
    return "error"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(name: str, value: Any) -> Any:
    """Values by type as the column wants them (wrong types become NULL): no lone surrogate (SQLite
    can't encode one), no integer SQLite can't hold, no NaN."""
    if value is None:
        return None
    if name in _TEXT:
        if not isinstance(value, str):
            return None
        return _SURROGATE.sub("\ufffd", value[:MAX_TEXT])
    if name in _INT:
        return value if isinstance(value, int) and not isinstance(value, bool) and abs(value) < MAX_INT else None
    if name in _FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        number = float(value) if abs(value) < 1e300 else float("inf")
        return number if number == number and abs(number) != float("inf") else None
    return value


def record_columns(record: Any) -> dict[str, Any]:
    """The columns a generation record (as received) fills: its eco numbers, routing trace and the
    whole of it."""
    from lowrouter_cli.records import Eco, parse_generation

    eco = parse_generation(record).eco or Eco()
    extras = record.get("lowrouter") if isinstance(record, dict) else None
    trace = extras.get("routing_trace") if isinstance(extras, dict) else None
    values = {
        "energy_wh": eco.energy_wh, "it_energy_wh": eco.it_energy_wh, "pue": eco.pue,
        "co2e_g": eco.co2e_g, "grid_zone": eco.grid_zone,
        "grid_intensity_g_per_kwh": eco.grid_carbon_intensity_g_per_kwh,
        "routing_trace": _json_text(trace) if trace is not None else None,
        "record": _json_text(record),
    }
    return {name: _clean(name, value) for name, value in values.items()}


def _json_text(value: Any) -> str | None:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return None
    return text if len(text) <= MAX_TEXT else None


def row_to_exchange(row: Any) -> Exchange:
    values = dict(zip(("id", *COLUMNS), row))
    return Exchange(**values)
