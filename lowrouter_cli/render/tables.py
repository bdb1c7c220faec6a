"""Model lists, generation records and history: rich on a terminal, tab-separated or
`key: value` lines in a pipe (stable columns, no escape codes), JSON on request."""

from __future__ import annotations

from typing import Any

from lowrouter_cli.catalog import Model
from lowrouter_cli.context import Environment
from lowrouter_cli.generations import dig
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy, format_price
from lowrouter_cli.render.safe_text import field_text, rich_text

MODEL_COLUMNS = ("id", "name", "context", "prompt_per_1m", "completion_per_1m", "providers", "regions")
HISTORY_COLUMNS = ("time", "generation_id", "model", "provider", "region", "prompt_tokens",
                   "completion_tokens", "cost", "outcome", "co2e_g")


def _model_row(model: Model) -> list[str]:
    return [model.id, model.name, str(model.context_length or ""), format_price(model.prompt_price),
            format_price(model.completion_price), ",".join(model.providers), ",".join(model.regions)]


def _tsv(env: Environment, header: tuple[str, ...], rows: list[list[str]]) -> None:
    env.stdout.write("\t".join(header) + "\n")
    for row in rows:  # a tab or newline inside a cell is escaped: it would forge a column or a row
        env.stdout.write("\t".join(field_text(cell) for cell in row) + "\n")
    env.stdout.flush()


def _table(env: Environment, title: str | None, header: tuple[str, ...], rows: list[list[str]]) -> None:
    from rich.table import Table

    from lowrouter_cli.render.console import make_console

    table = Table(title=title, header_style="bold", show_lines=False)
    for name in header:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(rich_text(cell, one_line=True) for cell in row))
    make_console(env).print(table)


def print_models(env: Environment, models: list[Model]) -> None:
    rows = [_model_row(m) for m in models]
    if env.stdout_isatty:
        header = ("ID", "Name", "Context", "Prompt $/1M", "Completion $/1M", "Providers", "Regions")
        _table(env, None, header, rows)
    else:
        _tsv(env, MODEL_COLUMNS, rows)


def print_history(env: Environment, rows: list[Any]) -> None:
    """Ledger rows (newest first); the cost and CO2e columns stay empty where unknown. In a pipe the
    cost is the stored exact decimal (USD) and CO2e is in grams."""
    from decimal import Decimal

    terminal = env.stdout_isatty
    table = [[_cell(row.time), _cell(row.generation_id), _cell(row.model), _cell(row.provider),
              _cell(row.region), _cell(row.prompt_tokens), _cell(row.completion_tokens),
              (format_cost(Decimal(row.cost_usd)) if terminal else row.cost_usd) if row.cost_usd else "",
              _cell(row.outcome),
              "" if row.co2e_g is None else (format_co2e(row.co2e_g) if terminal else f"{row.co2e_g:g}")]
             for row in rows]
    if terminal:
        _table(env, None, tuple(c.replace("_", " ") for c in HISTORY_COLUMNS), table)
    else:
        _tsv(env, HISTORY_COLUMNS, table)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def generation_summary(record: Any) -> list[tuple[str, str]]:
    streamed = dig(record, "streamed")
    cancelled = dig(record, "cancelled")
    cost = dig(record, "total_cost")
    latency = dig(record, "latency")
    pairs = [
        ("id", dig(record, "id")),
        ("model", dig(record, "model")),
        ("router", dig(record, "router")),
        ("provider", dig(record, "provider_name")),
        ("region", dig(record, "lowrouter", "region")),
        ("streamed", None if not isinstance(streamed, bool) else ("yes" if streamed else "no")),
        ("cancelled", None if not isinstance(cancelled, bool) else ("yes" if cancelled else "no")),
        ("finish_reason", dig(record, "finish_reason")),
        ("tokens", _tokens(record)),
        ("cost", format_cost(cost) if isinstance(cost, (int, float)) else None),
        ("latency", f"{latency} ms" if isinstance(latency, (int, float)) else None),
    ]
    return [(k, str(v)) for k, v in pairs if v is not None]


def _tokens(record: Any) -> str | None:
    p, c = dig(record, "tokens_prompt"), dig(record, "tokens_completion")
    return None if p is None and c is None else f"{p} prompt, {c} completion"


def eco_pairs(record: Any) -> list[tuple[str, str]]:
    eco = dig(record, "lowrouter", "eco")
    if not isinstance(eco, dict):
        return []
    labels = [("energy_wh", "energy", format_energy), ("it_energy_wh", "IT energy", format_energy),
              ("pue", "PUE", str), ("co2e_g", "CO2e", format_co2e), ("grid_zone", "grid zone", str),
              ("grid_carbon_intensity_g_per_kwh", "grid intensity", lambda v: f"{v} g/kWh"),
              ("method", "method", str)]
    return [(label, _shown(eco[key], show)) for key, label, show in labels if eco.get(key) is not None]


def _shown(value: Any, show: Any) -> str:
    """Numbers through their formatter; anything else the gateway sent, as text."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return show(value) if is_number or show is str else str(value)


def attempts_of(record: Any) -> list[dict[str, Any]]:
    attempts = dig(record, "lowrouter", "routing_trace", "attempts")
    return [a for a in attempts if isinstance(a, dict)] if isinstance(attempts, list) else []


def _attempt_text(attempt: dict[str, Any]) -> str:
    parts = [f"#{attempt.get('attempt', '?')}", f"{attempt.get('provider')}/{attempt.get('region')}",
             f"status {attempt.get('status')}"]
    if attempt.get("error_type"):
        parts.append(str(attempt["error_type"]))
    if attempt.get("latency_ms") is not None:
        parts.append(f"{attempt['latency_ms']} ms")
    if attempt.get("selected"):
        parts.append("selected")
    return " ".join(parts)


def print_generation(env: Environment, record: Any, problems: list[str]) -> None:
    if not env.stdout_isatty:
        lines = [f"{k}: {field_text(v)}" for k, v in generation_summary(record)]
        lines += [f"eco.{k.replace(' ', '_').lower()}: {field_text(v)}" for k, v in eco_pairs(record)]
        lines += [f"eco.check: {field_text(p)}" for p in problems]
        lines += [f"attempt: {field_text(_attempt_text(a))}" for a in attempts_of(record)]
        env.stdout.write("\n".join(lines) + "\n")
        env.stdout.flush()
        return
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.tree import Tree

    from lowrouter_cli.render.console import make_console

    console = make_console(env)
    # Plain lines, not a grid: a table would fold a long id or model id at 40 columns, and ids
    # must copy whole (a line wider than the screen is left to the terminal to soft-wrap).
    summary = generation_summary(record)
    if summary and summary[0][0] == "id":  # the id heads the view, alone on its line
        console.print(rich_text(summary.pop(0)[1], one_line=True), style="bold", soft_wrap=True)
    keys = max((len(key) for key, _ in summary), default=0)
    for key, value in summary:
        console.print(f"{key.replace('_', ' '):<{keys}}  ", rich_text(value, one_line=True), sep="", soft_wrap=True)
    parts: list[Any] = []
    eco = eco_pairs(record)
    if eco:
        grid = Table.grid(padding=(0, 2))
        for key, value in eco:
            grid.add_row(key, rich_text(value, one_line=True))
        body: list[Any] = [grid] + [rich_text(f"⚠ {p}", one_line=True) for p in problems]
        parts.append(Panel(Group(*body), title="eco", border_style="red" if problems else "green", expand=False))
    trace = dig(record, "lowrouter", "routing_trace")
    if isinstance(trace, dict):
        tree = Tree(rich_text(f"routing ({trace.get('strategy', '?')}, requested {trace.get('requested', '?')})",
                              one_line=True))
        constraints = trace.get("constraints")
        if isinstance(constraints, dict):
            given = ", ".join(f"{k}={v}" for k, v in constraints.items() if v is not None) or "none"
            tree.add(rich_text(f"constraints: {given}", one_line=True))
        candidates = tree.add("candidates")
        for candidate in trace.get("candidates") if isinstance(trace.get("candidates"), list) else []:
            if isinstance(candidate, dict):
                candidates.add(rich_text(f"{candidate.get('provider')}/{candidate.get('region')} "
                                         f"score {candidate.get('score')}", one_line=True))
        attempts = tree.add("attempts")
        for attempt in attempts_of(record):
            attempts.add(rich_text(("→ " if attempt.get("selected") else "  ") + _attempt_text(attempt),
                                   one_line=True))
        parts.append(tree)
    console.print(Group(*parts))
