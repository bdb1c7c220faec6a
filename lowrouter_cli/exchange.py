"""Finishing an exchange: what happens once a prompt has been answered, or has failed, for every
command that sends one. `finish_exchange` prices it, shows the footer when it succeeded, and then
(the answer being out) records it in the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowrouter_cli import api
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import LowRouterError
from lowrouter_cli.render import messages
from lowrouter_cli.settings import Settings

OK = "ok"


@dataclass
class Exchange:
    """One prompt sent and what came back of it."""

    request: api.ChatRequest
    conversation_id: str | None = None  # the ledger conversation to record it in; None: not recorded
    outcome: str = OK  # a word of ledger.OUTCOMES: "ok", "cancelled", "rate_limited", "truncated"...
    generation_id: str | None = None
    routed: api.Routed = field(default_factory=api.Routed)
    usage: api.Usage | None = None
    reasoning_tokens: int | None = None
    seconds_streaming: float | None = None  # streams only: for tokens per second
    answer_parts: list[str] = field(default_factory=list)  # the answer as far as it was shown
    reasoning_parts: list[str] = field(default_factory=list)  # the model's reasoning, as received
    finish_reason: str | None = None
    error: BaseException | None = None
    started: float | None = None  # monotonic seconds: sent, first token shown, ended
    first_token: float | None = None
    ended: float | None = None
    record: Any = None  # the generation record (--eco awaits it): eco numbers for the footer and the ledger
    cost: float | None = None  # set by finish_exchange: usage.cost, else tokens times cached prices

    def shown(self, text: str, now: float) -> None:
        """Text of the answer that reached the user (a cancelled answer is kept as far as this)."""
        if text:
            if self.first_token is None:
                self.first_token = now
            parts = self.answer_parts
            parts.append(text)
            if len(parts) >= 4096:  # one string, not a list of every token: memory stays near the text's size
                parts[:] = ["".join(parts)]

    def answered_by(self, answer: api.ChatResult | api.ChatStream) -> None:
        """What the gateway said of it: generation id, where it was routed, tokens and cost."""
        self.generation_id, self.routed, self.usage = answer.generation_id, answer.routed, answer.usage
        self.finish_reason = answer.finish_reason
        self.reasoning_tokens = answer.answer.reasoning_tokens

    def failed(self, error: BaseException) -> "Exchange":
        """This exchange ended by `error`, which gets the generation id when it lacks one."""
        self.outcome, self.error = outcome_of(error), error
        if isinstance(error, LowRouterError):
            self.generation_id = self.generation_id or error.generation_id
            error.generation_id = error.generation_id or self.generation_id
        return self


def finish_exchange(env: Environment, settings: Settings, exchange: Exchange) -> None:
    """Price and (on success) report an exchange, then record it in the ledger, after the answer
    and the footer are out: a slow or failed write never delays or costs the answer."""
    from lowrouter_cli.recording import record_exchange

    if exchange.ended is None:
        exchange.ended = env.monotonic()
    usage = exchange.usage or api.Usage()
    cost = exchange.cost = exchange_cost(env, settings, exchange.routed.model, usage)
    if exchange.outcome == OK:
        seconds, completion = exchange.seconds_streaming, usage.completion_tokens
        messages.print_footer(env, messages.Footer(
            model=exchange.routed.model or exchange.request.model,
            provider=exchange.routed.provider,
            region=exchange.routed.region,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=completion,
            cost=cost,
            tokens_per_second=(completion / seconds) if completion and seconds else None,
            reasoning_tokens=exchange.reasoning_tokens,
            generation_id=exchange.generation_id,
            conversation_id=exchange.conversation_id,
            energy_wh=exchange.record.eco.energy_wh if exchange.record and exchange.record.eco else None,
            co2e_g=exchange.record.eco.co2e_g if exchange.record and exchange.record.eco else None,
        ))
    record_exchange(env, settings, exchange, cost)


def exchange_cost(env: Environment, settings: Settings, model_id: str | None, usage: api.Usage) -> float | None:
    """usage.cost when the gateway sends it, else token counts times the cached prices."""
    if usage.cost is not None:
        return usage.cost
    from lowrouter_cli.catalog import cached_prices, estimate_cost

    return estimate_cost(cached_prices(env, settings.base_url, model_id), usage.prompt_tokens,
                         usage.completion_tokens)


def outcome_of(error: BaseException) -> str:
    """The stable word the ledger keeps for how an exchange ended (ledger.OUTCOMES)."""
    from lowrouter_cli.ledger import outcome_of as ledger_outcome

    return ledger_outcome(error)
