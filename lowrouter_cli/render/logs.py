"""Ledger rows for people and scripts: a table on a terminal, TSV in a pipe, JSON on request, and a
whole conversation as Markdown (rendered on a terminal, the Markdown text itself in a pipe)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, plain
from lowrouter_cli.render.tables import write_tsv

TSV_COLUMNS = ("time", "conversation_id", "model", "outcome", "prompt_tokens", "completion_tokens", "cost_usd",
               "co2e_g", "generation_id", "prompt", "answer")
PREVIEW = 40  # characters of prompt and answer in the terminal table


JSON_FIRST = ("id", "conversation_id", "time", "model", "prompt", "answer", "generation_id", "cost_usd",
              "prompt_tokens", "completion_tokens", "outcome")


def exchange_json(row: Any) -> dict[str, Any]:
    """Every column but the stored generation record (its numbers are columns of their own), the
    documented ones first."""
    import json

    values = {name: getattr(row, name) for name in JSON_FIRST}
    values.update((name, value) for name, value in vars(row).items() if name not in values and name != "record")
    try:  # written by the ledger from a checked record: JSON, unless the file was edited
        values["routing_trace"] = json.loads(row.routing_trace) if row.routing_trace else None
    except (ValueError, RecursionError):
        values["routing_trace"] = None
    values["imported"] = bool(row.imported)
    return values


def _tsv_cell(value: Any) -> str:
    """Floats (CO2e in g) as plain decimals: str(0.0000807) would be 8.07e-05, which sort -n misreads."""
    return plain(value, significant=15) if isinstance(value, float) else _cell(value)


def print_exchanges(env: Environment, rows: list[Any]) -> None:
    if not env.stdout_isatty:
        write_tsv(env, TSV_COLUMNS, [[_tsv_cell(getattr(row, name)) for name in TSV_COLUMNS] for row in rows])
        return
    if not rows:
        from lowrouter_cli.render.messages import notice

        return notice(env, "no exchange in the ledger matches")
    from lowrouter_cli.render.fit import Column, print_fitted

    columns = [Column("Time (UTC)", drop=3), Column("Conversation"), Column("Model", drop=4),
               Column("Tokens", "right", drop=5), Column("Cost", "right", drop=6), Column("Prompt", drop=2),
               Column("Answer", drop=1)]
    print_fitted(env, columns, [
        [_when(row.time)[5:16], row.conversation_id, row.model or "", _tokens(row), _cost(row.cost_usd),
         _preview(row.prompt), _preview(row.answer) if row.outcome == "ok" else f"({row.outcome})"]
        for row in rows])


def conversation_markdown(conversation_id: str, rows: list[Any]) -> str:
    """The conversation as a Markdown document: a heading per turn with its model, route, tokens and
    cost, then the prompt (quoted) and the answer as it was received."""
    total = sum((Decimal(row.cost_usd) for row in rows if row.cost_usd), Decimal(0))
    lines = [f"# Conversation {conversation_id}", "",
             f"{len(rows)} exchange{'s' if len(rows) != 1 else ''}" + (f", {format_cost(total)} in all" if total else ""),
             ""]
    for number, row in enumerate(rows, 1):
        facts = [_when(row.time) + " UTC", row.model or row.requested_model or "?"]
        where = ", ".join(part for part in (row.provider, row.region) if part)
        if where:
            facts[-1] += f" ({where})"
        if row.prompt_tokens is not None or row.completion_tokens is not None:
            facts.append(_tokens(row) + " tokens")
        if row.cost_usd:
            facts.append(_cost(row.cost_usd))
        if row.co2e_g is not None:
            facts.append(format_co2e(row.co2e_g) + " CO2e")
        if row.outcome != "ok":
            facts.append(row.outcome)
        lines += [f"## {number} · " + " · ".join(facts), ""]
        if row.system:
            lines += ["**System:** " + " ".join(row.system.split()), ""]
        lines += ["> " + line if line else ">" for line in (row.prompt or "").split("\n")]
        lines += ["", row.answer or "", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def print_conversation(env: Environment, conversation_id: str, rows: list[Any]) -> None:
    from lowrouter_cli.render.answer import print_answer, write_text

    document = conversation_markdown(conversation_id, rows)
    if env.stdout_isatty:
        print_answer(env, document)  # rendered Markdown, controls made visible
    else:
        write_text(env, document)


def _when(time: str | None) -> str:
    return (time or "")[:19].replace("T", " ")


def _tokens(row: Any) -> str:
    def n(value: Any) -> str:
        return "?" if value is None else str(value)

    return f"{n(row.prompt_tokens)} → {n(row.completion_tokens)}"


def _cost(cost_usd: str | None) -> str:
    if not cost_usd:
        return ""
    try:
        return format_cost(Decimal(cost_usd))
    except ArithmeticError:
        return cost_usd


def _preview(text: str | None) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= PREVIEW else words[:PREVIEW - 1] + "…"


def _cell(value: Any) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
