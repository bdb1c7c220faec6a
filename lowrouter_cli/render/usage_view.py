"""`lowrouter usage` printed: a table with a bar for cost and for CO2e per group on a terminal,
TSV with a header in a pipe, JSON for scripts, or CodeCarbon's emissions.csv columns."""

from __future__ import annotations

import csv
from typing import Any

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy, plain
from lowrouter_cli.render.safe_text import field_text, json_dumps
from lowrouter_cli.usage import FIELDS, Report, Totals

BAR_WIDTH = 8
TOTAL_KEY = "total"
# CodeCarbon's emissions.csv header (codecarbon/output_methods/emissions_data.py), in its order; the
# columns we can't know (machine power, GPU) stay empty.
CODECARBON_COLUMNS = (
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
    "country_name", "country_iso_code", "region", "cloud_provider", "cloud_region", "os", "python_version",
    "codecarbon_version", "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "on_cloud", "pue",
)


def print_usage(env: Environment, report: Report, *, as_json: bool) -> None:
    if as_json:
        env.stdout.write(json_dumps(report.as_dict(), indent=2) + "\n")
    elif env.stdout_isatty:
        _table(env, report)
    else:
        _tsv(env, report)
    env.stdout.flush()


def _tsv(env: Environment, report: Report) -> None:
    from lowrouter_cli.render.tables import write_tsv

    rows = []
    for key, totals in [*report.groups, (TOTAL_KEY, report.totals)]:
        values = totals.as_dict()
        rows.append([key, *("" if values[name] is None else str(values[name]) for name in FIELDS)])
    write_tsv(env, (report.by, *FIELDS), rows)


def _table(env: Environment, report: Report) -> None:
    """One line per group and a total, fitted to the terminal: the bars and the less telling
    columns give way on a narrow screen, the group's key and its cost never."""
    from lowrouter_cli.render.fit import Cell, Column, print_fitted

    span = f"since {_minute(report.since)}" + (f" until {_minute(report.until)}" if report.until else "")
    if not report.groups:
        env.stdout.write(f"No exchanges {span} UTC.\n")
        return
    most_cost = max(t.cost for _, t in report.groups)
    most_co2e = max(t.co2e_g or 0 for _, t in report.groups)
    env.stdout.write(f"Usage by {report.by}, {span} UTC\n")
    columns = [Column(report.by.capitalize()), Column("Req", "right"), Column("Tokens in→out", "right", drop=5),
               Column("Cost", "right"), Column("", drop=3, stacked=False), Column("CO2e", "right", drop=2),
               Column("", drop=4, stacked=False), Column("Energy", "right", drop=6),
               Column("g/kWh", "right", drop=8), Column("p50/p95", "right", drop=7), Column("Notes", drop=9)]
    rows = [[key, str(t.requests), _tokens(t), format_cost(t.cost), Cell(bar(t.cost, most_cost), "green"),
             _co2e(t), Cell(bar(t.co2e_g or 0, most_co2e), "magenta"), _energy(t), _intensity(t), _latency(t),
             _notes(t)] for key, t in report.groups]
    t = report.totals
    rows.append([Cell("Total", "bold"), Cell(str(t.requests), "bold"), Cell(_tokens(t), "bold"),
                 Cell(format_cost(t.cost), "bold"), "", Cell(_co2e(t), "bold"), "", Cell(_energy(t), "bold"),
                 Cell(_intensity(t), "bold"), Cell(_latency(t), "bold"), Cell(_notes(t), "bold")])
    print_fitted(env, columns, rows)


def _minute(moment: str) -> str:
    return moment[:16].replace("T", " ")


def bar(value: Any, most: Any, width: int = BAR_WIDTH) -> str:
    """A bar of eighth blocks, `width` long for the largest group; at least a sliver when not 0."""
    if not most or not value or value <= 0:
        return ""
    eighths = max(1, round(float(value) / float(most) * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if not rest else " ▏▎▍▌▋▊▉"[rest])


def _tokens(totals: Totals) -> str:
    text = f"{totals.prompt_tokens:,}→{totals.completion_tokens:,}"
    return text + (f" (+{totals.reasoning_tokens:,} r)" if totals.reasoning_tokens else "")


def _co2e(totals: Totals) -> str:
    return "" if totals.co2e_g is None else format_co2e(totals.co2e_g)


def _energy(totals: Totals) -> str:
    return "" if totals.energy_wh is None else format_energy(totals.energy_wh)


def _intensity(totals: Totals) -> str:
    value = totals.grid_intensity
    return "" if value is None else plain(value)


def _latency(totals: Totals) -> str:
    values = totals.as_dict()
    p50, p95 = values["latency_p50_ms"], values["latency_p95_ms"]
    if p50 is None:
        return ""
    return f"{p50}/{p95} ms" if p95 < 1000 else f"{plain(p50 / 1000)}/{plain(p95 / 1000)} s"


def _notes(totals: Totals) -> str:
    words = [f"{n} {label}" for n, label in ((totals.pinned, "pinned"), (totals.failed, "failed"),
                                             (totals.cancelled, "cancelled"), (totals.pending, "pending")) if n]
    return ", ".join(words)


def print_codecarbon(env: Environment, rows: list[Any]) -> None:
    """One CodeCarbon row per exchange whose record carried eco numbers: emissions in kg,
    energy_consumed in kWh, duration in seconds, the grid zone as the country code when it is one."""
    writer = csv.writer(env.stdout, lineterminator="\n")
    writer.writerow(CODECARBON_COLUMNS)
    for row in rows:
        if row.co2e_g is None and row.energy_wh is None:
            continue
        duration = (row.latency_ms or 0) / 1000
        emissions = None if row.co2e_g is None else row.co2e_g / 1000
        zone = row.grid_zone if isinstance(row.grid_zone, str) else ""
        values = {
            "timestamp": row.time, "project_name": "lowrouter", "run_id": row.generation_id or "",
            "experiment_id": row.conversation_id, "duration": _number(duration),
            "emissions": _number(emissions), "emissions_rate": _number(emissions / duration if emissions is not None
                                                                      and duration else None),
            "energy_consumed": _number(None if row.energy_wh is None else row.energy_wh / 1000),
            "country_iso_code": zone if len(zone) == 2 and zone.isalpha() else "",
            "region": row.region or "", "cloud_provider": row.provider or "", "cloud_region": row.region or "",
            "tracking_mode": "gateway", "on_cloud": "Y", "pue": _number(row.pue),
        }
        writer.writerow([field_text(values.get(name, "") or "") for name in CODECARBON_COLUMNS])


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))
