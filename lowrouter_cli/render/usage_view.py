"""`lowrouter usage` printed: a table with a bar for cost and for CO2e per group on a terminal,
TSV with a header in a pipe, JSON for scripts, or CodeCarbon's emissions.csv columns."""

from __future__ import annotations

import csv
from typing import Any

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy, plain
from lowrouter_cli.render.safe_text import field_text, json_dumps
from lowrouter_cli.usage import FIELDS, Report, Totals

BAR_WIDTH = 12
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
    env.stdout.write("\t".join((report.by, *FIELDS)) + "\n")
    for key, totals in [*report.groups, (TOTAL_KEY, report.totals)]:
        values = totals.as_dict()
        cells = [key, *("" if values[name] is None else str(values[name]) for name in FIELDS)]
        env.stdout.write("\t".join(field_text(cell) for cell in cells) + "\n")


def _table(env: Environment, report: Report) -> None:
    from rich.table import Table

    from lowrouter_cli.render.console import make_console
    from lowrouter_cli.render.safe_text import rich_text

    most_cost = max((t.cost for _, t in report.groups), default=0)
    most_co2e = max((t.co2e_g or 0 for _, t in report.groups), default=0)
    span = f"since {report.since[:16].replace('T', ' ')} UTC" + (
        f" until {report.until[:16].replace('T', ' ')} UTC" if report.until else "")
    table = Table(title=f"usage by {report.by}, {span}", title_justify="left", header_style="bold",
                  show_footer=bool(report.groups), box=None, pad_edge=False)
    table.add_column(report.by.capitalize(), footer="Total", no_wrap=True)
    table.add_column("Req", justify="right", footer=str(report.totals.requests))
    table.add_column("Tokens in→out", justify="right", footer=_tokens(report.totals), no_wrap=True)
    table.add_column("Cost", justify="right", footer=format_cost(report.totals.cost), no_wrap=True)
    table.add_column("", no_wrap=True, style="green")
    table.add_column("CO2e", justify="right", footer=_co2e(report.totals), no_wrap=True)
    table.add_column("", no_wrap=True, style="magenta")
    table.add_column("Energy", justify="right", footer=_energy(report.totals), no_wrap=True)
    table.add_column("g/kWh", justify="right", footer=_intensity(report.totals))
    table.add_column("p50/p95", justify="right", footer=_latency(report.totals), no_wrap=True)
    table.add_column("Notes", footer=_notes(report.totals))
    for key, totals in report.groups:
        table.add_row(rich_text(key, one_line=True), str(totals.requests), _tokens(totals), format_cost(totals.cost),
                      bar(totals.cost, most_cost), _co2e(totals), bar(totals.co2e_g or 0, most_co2e),
                      _energy(totals), _intensity(totals), _latency(totals), _notes(totals))
    console = make_console(env)
    if not report.groups:
        console.print(f"No exchanges {span}.")
        return
    console.print(table)


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
    return "" if p50 is None else f"{_seconds(p50)}/{_seconds(p95)}"


def _seconds(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{plain(ms / 1000)} s"


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
