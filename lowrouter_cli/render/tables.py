"""Model lists, generation records and history: rich on a terminal, tab-separated or
`key: value` lines in a pipe (stable columns, no escape codes), JSON on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy, format_price, plain, tsv_price
from lowrouter_cli.render.safe_text import field_text, rich_text

MODEL_COLUMNS = ("id", "name", "context", "prompt_usd_per_1m", "completion_usd_per_1m", "providers", "regions")
ENDPOINT_COLUMNS = ("model", "provider", "region", "status", "prompt_usd_per_1m", "completion_usd_per_1m")
HISTORY_COLUMNS = ("time", "generation_id", "model", "provider", "region", "prompt_tokens",
                   "completion_tokens", "cost", "outcome", "co2e_g")
STATUS_STYLES = {"up": "green", "degraded": "yellow", "down": "red"}

if TYPE_CHECKING:  # typed records in; the models list never imports records.py
    from lowrouter_cli.catalog import Endpoint, Model
    from lowrouter_cli.records import Attempt, GenerationRecord


def write_tsv(env: Environment, header: tuple[str, ...], rows: list[list[str]]) -> None:
    env.stdout.write("\t".join(header) + "\n")
    for row in rows:  # a tab or newline inside a cell is escaped: it would forge a column or a row
        env.stdout.write("\t".join(field_text(cell) for cell in row) + "\n")
    env.stdout.flush()


def print_models(env: Environment, models: list[Model], measured: dict[str, float] | None = None) -> None:
    """One row per model: on a terminal id, context, prices, status and regions (name and
    regions give way on a narrow screen); in a pipe the stable TSV columns, prices as numbers.
    `measured`: the user's own g CO2e per 1,000 tokens by model (from the ledger), as a last column."""
    measured = measured or {}
    if not env.stdout_isatty:
        header = MODEL_COLUMNS + (("co2e_g_per_1k_tokens",) if measured else ())
        return write_tsv(env, header, [
            [m.id, m.name, str(m.context_length or ""), tsv_price(m.prompt_price), tsv_price(m.completion_price),
             ",".join(m.providers), ",".join(m.regions)]
            + ([plain(measured[m.id], significant=4) if m.id in measured else ""] if measured else [])
            for m in models])
    from lowrouter_cli.render.fit import Column, print_fitted

    columns = [Column("Model"), Column("Name", drop=3, stacked=False), Column("Context", "right", drop=1),
               Column("In $/1M", "right"), Column("Out $/1M", "right"), Column("Status"),
               Column("Regions", drop=2)] + ([Column("CO2e/1k tok", "right", drop=4)] if measured else [])
    print_fitted(env, columns, [
        [m.id, m.name, _thousands(m.context_length), format_price(m.prompt_price),
         format_price(m.completion_price), _status_summary(m), " ".join(m.regions)]
        + ([format_co2e(measured[m.id]) if m.id in measured else "–"] if measured else [])
        for m in models])


def print_endpoints(env: Environment, rows: list[tuple[Model, Endpoint]]) -> None:
    """One row per (model, endpoint): where each model runs right now, and at what price."""
    if not env.stdout_isatty:
        return write_tsv(env, ENDPOINT_COLUMNS, [
            [m.id, e.provider, e.region, e.status or "", tsv_price(m.prompt_price),
             tsv_price(m.completion_price)] for m, e in rows])
    from lowrouter_cli.render.fit import Cell, Column, print_fitted

    columns = [Column("Model"), Column("Provider"), Column("Region"), Column("Status"),
               Column("In $/1M", "right"), Column("Out $/1M", "right")]
    print_fitted(env, columns, [
        [m.id, e.provider, e.region, Cell(e.status or "", STATUS_STYLES.get(e.status or "", "")),
         format_price(m.prompt_price), format_price(m.completion_price)] for m, e in rows])


def _status_summary(model: Model) -> Any:
    """"up" when every endpoint is; else what is not ("1 degraded", "down"), in its colour."""
    from lowrouter_cli.render.fit import Cell

    statuses = [e.status or "?" for e in model.endpoints]
    if not statuses:
        return ""
    if all(s == "up" for s in statuses):
        return Cell("up", STATUS_STYLES["up"])
    if "up" not in statuses:
        worst = "down" if "down" in statuses else statuses[0]
        return Cell(worst, STATUS_STYLES.get(worst, ""))
    others = sorted({s for s in statuses if s != "up"})
    return Cell(", ".join(f"{statuses.count(s)} {s}" for s in others), "yellow")


def _thousands(context: int | None) -> str:
    if not context:
        return ""
    return f"{context // 1000}k" if context >= 10_000 else str(context)


def print_history(env: Environment, rows: list[Any]) -> None:
    """Ledger rows (newest first); the cost and CO2e columns stay empty where unknown. In a pipe the
    cost is the stored exact decimal (USD) and CO2e is in grams; on a terminal what fits."""
    from decimal import Decimal

    if not env.stdout_isatty:
        return write_tsv(env, HISTORY_COLUMNS, [
            [_cell(row.time), _cell(row.generation_id), _cell(row.model), _cell(row.provider), _cell(row.region),
             _cell(row.prompt_tokens), _cell(row.completion_tokens), row.cost_usd or "", _cell(row.outcome),
             "" if row.co2e_g is None else plain(row.co2e_g, significant=15)] for row in rows])
    if not rows:  # a table of headers alone says nothing
        from lowrouter_cli.render.messages import notice

        return notice(env, "no generation in the ledger yet: run lowrouter chat or stream first")
    from lowrouter_cli.render.fit import Column, print_fitted

    columns = [Column("Time", drop=1), Column("Generation"), Column("Model"), Column("Where", drop=5),
               Column("Tokens", "right", drop=2), Column("Cost", "right"), Column("CO2e", "right", drop=3),
               Column("Outcome", drop=4)]
    print_fitted(env, columns, [
        [_short_time(row.time), _cell(row.generation_id), _cell(row.model),
         "/".join(str(p) for p in (row.provider, row.region) if p),
         f"{_cell(row.prompt_tokens)}→{_cell(row.completion_tokens)}"
         if row.prompt_tokens is not None or row.completion_tokens is not None else "",
         format_cost(Decimal(row.cost_usd)) if row.cost_usd else "",
         "" if row.co2e_g is None else format_co2e(row.co2e_g), _cell(row.outcome)] for row in rows])


def _short_time(value: Any) -> str:
    """"2026-11-25T14:03:22.123456Z" → "11-25 14:03" (UTC): the date and minute are what people scan."""
    text = _cell(value)
    return f"{text[5:10]} {text[11:16]}" if len(text) >= 16 and text[10] == "T" else text


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def generation_summary(record: GenerationRecord) -> list[tuple[str, str]]:
    pairs = [
        ("id", record.id),
        ("model", record.model),
        ("router", record.router),
        ("provider", record.provider),
        ("region", record.region),
        ("streamed", _yes_no(record.streamed)),
        ("cancelled", _yes_no(record.cancelled)),
        ("finish_reason", record.finish_reason),
        ("tokens", _tokens(record)),
        ("cost", None if record.total_cost is None else format_cost(record.total_cost)),
        ("latency", None if record.latency_ms is None else f"{plain(record.latency_ms)} ms"),
    ]
    return [(k, v) for k, v in pairs if v is not None]


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "no")


def _tokens(record: GenerationRecord) -> str | None:
    p, c = record.tokens_prompt, record.tokens_completion
    return None if p is None and c is None else f"{_maybe(p)} prompt, {_maybe(c)} completion"


def _maybe(value: object) -> str:
    return "?" if value is None else str(value)


def eco_pairs(record: GenerationRecord) -> list[tuple[str, str]]:
    eco = record.eco
    if eco is None:
        return []
    pairs = [("energy", eco.energy_wh, format_energy), ("IT energy", eco.it_energy_wh, format_energy),
             ("PUE", eco.pue, plain), ("CO2e", eco.co2e_g, format_co2e), ("grid zone", eco.grid_zone, str),
             ("grid intensity", eco.grid_carbon_intensity_g_per_kwh, lambda v: f"{plain(v)} g/kWh"),
             ("method", eco.method, str)]
    return [(label, show(value)) for label, value, show in pairs if value is not None]


def _attempt_text(attempt: Attempt) -> str:
    parts = [f"#{_maybe(attempt.number)}", f"{_maybe(attempt.provider)}/{_maybe(attempt.region)}",
             f"status {_maybe(attempt.status)}"]
    if attempt.error_type:
        parts.append(attempt.error_type)
    if attempt.latency_ms is not None:
        parts.append(f"{plain(attempt.latency_ms)} ms")
    if attempt.selected:
        parts.append("selected")
    return " ".join(parts)


def print_generation(env: Environment, record: GenerationRecord, problems: list[str]) -> None:
    if not env.stdout_isatty:
        lines = [f"{k}: {field_text(v)}" for k, v in generation_summary(record)]
        lines += [f"eco.{k.replace(' ', '_').lower()}: {field_text(v)}" for k, v in eco_pairs(record)]
        lines += [f"eco.check: {field_text(p)}" for p in problems]
        lines += [f"attempt: {field_text(_attempt_text(a))}" for a in (record.routing_trace.attempts
                                                                         if record.routing_trace else ())]
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
    trace = record.routing_trace
    if trace is not None:
        tree = Tree(rich_text(f"routing ({_maybe(trace.strategy)}, requested {_maybe(trace.requested)})",
                              one_line=True))
        if trace.constraints is not None:
            given = ", ".join(f"{k}={v}" for k, v in trace.constraints.items()) or "none"
            tree.add(rich_text(f"constraints: {given}", one_line=True))
        candidates = tree.add("candidates")
        for candidate in trace.candidates:
            candidates.add(rich_text(f"{_maybe(candidate.provider)}/{_maybe(candidate.region)} "
                                     f"score {_maybe(None if candidate.score is None else plain(candidate.score))}",
                                     one_line=True))
        attempts = tree.add("attempts")
        for attempt in trace.attempts:
            attempts.add(rich_text(("→ " if attempt.selected else "  ") + _attempt_text(attempt), one_line=True))
        parts.append(tree)
    console.print(Group(*parts))
