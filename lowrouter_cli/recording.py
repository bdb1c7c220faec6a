"""An exchange as a ledger row: called by finish_exchange once the answer is on the screen, so the
write never delays it; a write that fails costs one warning line, never the answer or the exit code."""

from __future__ import annotations

from typing import Any

from lowrouter_cli.context import Environment


def exit_code_of(error: BaseException | None) -> int:
    from lowrouter_cli.errors import ExitCode, LowRouterError, OutputClosed, translated

    if error is None:
        return 0
    error = translated(error)
    if isinstance(error, OutputClosed):
        return int(ExitCode.OUTPUT_CLOSED)
    return int(error.exit_code) if isinstance(error, LowRouterError) else int(ExitCode.UNEXPECTED)


def _ms(start: float | None, end: float | None) -> int | None:
    return None if start is None or end is None else round((end - start) * 1000)


def record_exchange(env: Environment, settings: Any, exchange: Any, cost: Any) -> int | None:
    """One ledger row for the exchange (an exchange.Exchange); nothing when it has no conversation
    (logging is off)."""
    if exchange.conversation_id is None:
        return None
    from lowrouter_cli import ledger
    from lowrouter_cli.render import messages

    request, routed, usage = exchange.request, exchange.routed, exchange.usage
    row = ledger.Exchange(
        conversation_id=exchange.conversation_id,
        prompt=request.prompt,
        system=request.system,
        base_url=getattr(settings, "base_url", None),
        requested_model=request.model,
        model=getattr(routed, "model", None) or request.model,
        provider=getattr(routed, "provider", None),
        region=getattr(routed, "region", None),
        route_region=request.region,
        route_provider=request.provider,
        answer="".join(exchange.answer_parts),
        reasoning="".join(exchange.reasoning_parts) or None,
        finish_reason=exchange.finish_reason,
        outcome=exchange.outcome,
        exit_code=exit_code_of(exchange.error),
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        reasoning_tokens=getattr(usage, "reasoning_tokens", None),
        cost_usd=ledger.cost_text(cost),
        latency_ms=_ms(exchange.started, exchange.ended),
        ttft_ms=_ms(exchange.started, exchange.first_token),
        generation_id=exchange.generation_id,
    )
    record = getattr(exchange, "record", None)
    if record is not None and isinstance(record.raw, dict):  # --eco fetched it: keep its numbers
        for name, value in ledger.record_columns(record.raw).items():
            setattr(row, name, value)
    return ledger.record(env, row, lambda message: messages.notice(env, message))
