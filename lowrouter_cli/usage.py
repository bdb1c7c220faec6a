"""Totals over the ledger: requests, tokens, money and carbon per day, week, month, model,
provider or region. SQLite sums what it can in one grouped query; costs are added here as exact
decimals and latencies collected for the percentiles (100,000 exchanges in a few hundred ms).

Days, weeks and months are UTC (the ledger's times are UTC), so a report reads the same on every
machine. Costs are summed as exact decimals; energy and CO2e only over the rows whose generation
record carried them, and the grid intensity is the energy-weighted mean (total CO2e over total
energy), which is what the grams actually came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

GROUPINGS = ("day", "week", "month", "model", "provider", "region")
UNKNOWN = "(unknown)"
# The fields of a group, in the order of the TSV columns and the JSON objects.
FIELDS = ("requests", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost_usd", "energy_wh",
          "co2e_g", "grid_intensity_g_per_kwh", "latency_p50_ms", "latency_p95_ms", "pinned", "failed",
          "cancelled", "pending")


# The SQL for a row's group. An ISO week is the week of its Thursday (the Thursday on or after the
# day three days back), numbered by that Thursday's day of the year.
_THURSDAY = "date(substr(time, 1, 10), '-3 days', 'weekday 4')"
_GROUP_SQL = {"day": "substr(time, 1, 10)",
              "week": f"strftime('%Y', {_THURSDAY}) || '-W' || printf('%02d', (strftime('%j', {_THURSDAY}) + 6) / 7)",
              "month": "substr(time, 1, 7)", "model": "model", "provider": "provider", "region": "region"}


@dataclass
class Totals:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal = Decimal(0)
    energy_wh: float | None = None  # None until a row with eco numbers is added
    co2e_g: float | None = None
    intensity_energy_wh: float = 0.0  # energy of the rows that carry both energy and CO2e
    intensity_co2e_g: float = 0.0
    latency_ms: dict[int, int] = field(default_factory=dict)  # percentile (50, 95) -> ms, nearest rank
    pinned: int = 0
    failed: int = 0
    cancelled: int = 0
    pending: int = 0

    def merge(self, other: "Totals") -> None:
        for name in ("requests", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost",
                     "intensity_energy_wh", "intensity_co2e_g", "pinned", "failed", "cancelled", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("energy_wh", "co2e_g"):
            if getattr(other, name) is not None:
                setattr(self, name, (getattr(self, name) or 0.0) + getattr(other, name))

    @property
    def grid_intensity(self) -> float | None:
        if self.intensity_energy_wh <= 0:
            return None
        return self.intensity_co2e_g / self.intensity_energy_wh * 1000

    def as_dict(self) -> dict[str, Any]:
        """The group's columns, for JSON and TSV (the cost as an exact decimal string)."""
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cost_usd": decimal_text(self.cost),
            "energy_wh": _rounded(self.energy_wh),
            "co2e_g": _rounded(self.co2e_g),
            "grid_intensity_g_per_kwh": _rounded(self.grid_intensity, 1),
            "latency_p50_ms": self.latency_ms.get(50),
            "latency_p95_ms": self.latency_ms.get(95),
            "pinned": self.pinned,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "pending": self.pending,
        }


@dataclass
class Report:
    by: str
    since: str
    until: str | None
    groups: list[tuple[str, Totals]]
    totals: Totals

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "since": self.since, "until": self.until,
                "groups": [{"key": key, **totals.as_dict()} for key, totals in self.groups],
                "totals": self.totals.as_dict()}


_SUMS = """count(*), sum(coalesce(prompt_tokens, 0)), sum(coalesce(completion_tokens, 0)),
    sum(coalesce(reasoning_tokens, 0)), sum(energy_wh), sum(co2e_g),
    sum(CASE WHEN co2e_g IS NOT NULL THEN energy_wh END), sum(CASE WHEN energy_wh IS NOT NULL THEN co2e_g END),
    sum(route_region IS NOT NULL OR route_provider IS NOT NULL), sum(outcome = 'cancelled'),
    sum(outcome NOT IN ('ok', 'cancelled')), sum(generation_id IS NOT NULL AND record IS NULL AND imported = 0)"""


def summarize(ledger: Any, by: str, since: str, until: str | None = None) -> Report:
    """The ledger's exchanges from `since` (until `until`) grouped by `by`: time groups in time
    order, the others by cost, dearest first. A pending exchange has a generation id and no record
    (its eco numbers are not known yet)."""
    if by not in _GROUP_SQL:
        raise ValueError(f"unknown grouping {by!r}")
    where, parameters = "time >= ?" + (" AND time < ?" if until else ""), [since] + ([until] if until else [])
    key_sql = _GROUP_SQL[by]
    groups: dict[str, Totals] = {}
    for key, *sums in ledger.execute(f"SELECT {key_sql}, {_SUMS} FROM exchanges WHERE {where} GROUP BY 1",
                                     parameters):
        (requests, prompt, completion, reasoning, energy, co2e, paired_energy, paired_co2e, pinned, cancelled,
         failed, pending) = sums
        groups[key or UNKNOWN] = Totals(requests, prompt, completion, reasoning, Decimal(0), energy, co2e,
                                        paired_energy or 0.0, paired_co2e or 0.0, {}, pinned, failed, cancelled,
                                        pending)
    costs: dict[str, list[str]] = {key: [] for key in groups}
    latencies: dict[str, list[int]] = {key: [] for key in groups}
    for key, cost, latency in ledger.execute(f"SELECT {key_sql}, cost_usd, latency_ms FROM exchanges WHERE {where}",
                                             parameters):
        key = key or UNKNOWN
        if cost is not None:
            costs[key].append(cost)
        if latency is not None:
            latencies[key].append(latency)
    total = Totals()
    for key, totals in groups.items():
        totals.cost = sum_costs(costs[key])  # exact: Decimals, never a float sum
        totals.latency_ms = percentiles(latencies[key])
        total.merge(totals)
    total.latency_ms = percentiles([value for values in latencies.values() for value in values])
    if by in ("day", "week", "month"):
        ordered = sorted(groups.items())
    else:
        ordered = sorted(groups.items(), key=lambda item: (-item[1].cost, -item[1].requests, item[0]))
    return Report(by, since, until, ordered, total)


def percentiles(values: list[int]) -> dict[int, int]:
    """The 50th and 95th percentiles by nearest rank: the smallest value with at least that share
    of the values at or below it."""
    if not values:
        return {}
    ordered = sorted(values)
    return {percent: ordered[max(1, -(-len(ordered) * percent // 100)) - 1] for percent in (50, 95)}


def sum_costs(texts: list[str]) -> Decimal:
    """The exact sum of the ledger's cost texts (written by ledger.cost_text, so plain decimals;
    anything else counts as 0)."""
    try:
        total = sum(map(Decimal, texts), Decimal(0))
        if total.is_finite():
            return total
    except (InvalidOperation, ValueError, TypeError):
        pass
    return sum((decimal_cost(text) for text in texts), Decimal(0))


def decimal_cost(text: Any) -> Decimal:
    """The ledger's cost text as a Decimal; 0 when there is none or it is not a number."""
    if not isinstance(text, str):
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rounded(value: float | None, places: int | None = None) -> float | None:
    """Without the float noise of a sum (0.08028822000000001): 12 significant digits, or `places`."""
    if value is None:
        return None
    return round(value, places) if places is not None else float(f"{value:.12g}")
