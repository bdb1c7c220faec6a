"""Totals over the ledger: requests, tokens, money and carbon per day, week, month, model,
provider or region. Pure functions of ledger rows; no I/O.

Days, weeks and months are UTC (the ledger's times are UTC), so a report reads the same on every
machine. Costs are summed as exact decimals; energy and CO2e only over the rows whose generation
record carried them, and the grid intensity is the energy-weighted mean (total CO2e over total
energy), which is what the grams actually came from.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

GROUPINGS = ("day", "week", "month", "model", "provider", "region")
UNKNOWN = "(unknown)"
# The fields of a group, in the order of the TSV columns and the JSON objects.
FIELDS = ("requests", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost_usd", "energy_wh",
          "co2e_g", "grid_intensity_g_per_kwh", "latency_p50_ms", "latency_p95_ms", "pinned", "failed",
          "cancelled", "pending")


def group_key(by: str) -> Callable[[Any], str]:
    """The function giving a row's group for `--by`."""
    if by == "day":
        return lambda row: (row.time or "")[:10] or UNKNOWN
    if by == "month":
        return lambda row: (row.time or "")[:7] or UNKNOWN
    if by == "week":
        return _iso_week
    if by in ("model", "provider", "region"):
        return lambda row: getattr(row, by) or UNKNOWN
    raise ValueError(f"unknown grouping {by!r}")


def _iso_week(row: Any) -> str:
    try:
        year, week, _ = datetime.date.fromisoformat((row.time or "")[:10]).isocalendar()
    except ValueError:
        return UNKNOWN
    return f"{year}-W{week:02d}"


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
    latencies_ms: list[int] = field(default_factory=list)
    pinned: int = 0
    failed: int = 0
    cancelled: int = 0
    pending: int = 0

    def add(self, row: Any) -> None:
        self.requests += 1
        self.prompt_tokens += row.prompt_tokens or 0
        self.completion_tokens += row.completion_tokens or 0
        self.reasoning_tokens += row.reasoning_tokens or 0
        self.cost += decimal_cost(row.cost_usd)
        if row.energy_wh is not None:
            self.energy_wh = (self.energy_wh or 0.0) + row.energy_wh
        if row.co2e_g is not None:
            self.co2e_g = (self.co2e_g or 0.0) + row.co2e_g
        if row.energy_wh is not None and row.co2e_g is not None:
            self.intensity_energy_wh += row.energy_wh
            self.intensity_co2e_g += row.co2e_g
        if row.latency_ms is not None:
            self.latencies_ms.append(row.latency_ms)
        self.pinned += bool(row.route_region or row.route_provider)
        self.cancelled += row.outcome == "cancelled"
        self.failed += row.outcome not in ("ok", "cancelled")
        self.pending += is_pending(row)

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
            "latency_p50_ms": percentile(self.latencies_ms, 50),
            "latency_p95_ms": percentile(self.latencies_ms, 95),
            "pinned": self.pinned,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "pending": self.pending,
        }


def is_pending(row: Any) -> bool:
    """A generation whose record (and so its eco numbers) is not in the ledger yet."""
    return bool(row.generation_id) and row.record is None and not row.imported


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


def summarize(rows: Iterable[Any], by: str, since: str, until: str | None = None) -> Report:
    """Rows grouped by `by`: time groups in time order, the others by cost, dearest first."""
    key_of = group_key(by)
    groups: dict[str, Totals] = {}
    totals = Totals()
    for row in rows:
        groups.setdefault(key_of(row), Totals()).add(row)
        totals.add(row)
    if by in ("day", "week", "month"):
        ordered = sorted(groups.items())
    else:
        ordered = sorted(groups.items(), key=lambda item: (-item[1].cost, -item[1].requests, item[0]))
    return Report(by, since, until, ordered, totals)


def percentile(values: list[int], percent: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `percent`% of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


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
