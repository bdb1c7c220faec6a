"""Finishing an exchange: what happens once a prompt has been answered, or has failed, for every
command that sends one. `finish_exchange` prices it, records it in the local history and, when it
succeeded, shows the footer: the one place a new record of exchanges (a ledger) hooks in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lowrouter_cli import api
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import LowRouterError, OutputClosed
from lowrouter_cli.render import messages
from lowrouter_cli.settings import Settings

OK = "ok"


@dataclass
class Exchange:
    """One prompt sent and what came back of it (never the prompt's text)."""

    request: api.ChatRequest
    outcome: str = OK  # "ok", "interrupted", "output closed", "rate limited", "truncated answer"...
    generation_id: str | None = None
    routed: api.Routed = field(default_factory=api.Routed)
    usage: api.Usage | None = None
    seconds_streaming: float | None = None  # streams only: for tokens per second

    def answered_by(self, answer: api.ChatResult | api.ChatStream) -> None:
        """What the gateway said of it: generation id, where it was routed, tokens and cost."""
        self.generation_id, self.routed, self.usage = answer.generation_id, answer.routed, answer.usage

    def failed(self, error: BaseException) -> "Exchange":
        """This exchange ended by `error`, which gets the generation id when it lacks one."""
        self.outcome = outcome_of(error)
        if isinstance(error, LowRouterError):
            self.generation_id = self.generation_id or error.generation_id
            error.generation_id = error.generation_id or self.generation_id
        return self


def finish_exchange(env: Environment, settings: Settings, exchange: Exchange, *, history: bool) -> None:
    """Price, record and (on success) report an exchange. A failure before the gateway gave it a
    generation id leaves nothing to record."""
    from lowrouter_cli import store
    from lowrouter_cli.generations import history_entry

    usage = exchange.usage or api.Usage()
    cost = exchange_cost(env, settings, exchange.routed.model, usage)
    if history and (exchange.outcome == OK or exchange.generation_id):
        entry = history_entry(env, generation_id=exchange.generation_id,
                              model=exchange.routed.model or exchange.request.model,
                              provider=exchange.routed.provider, region=exchange.routed.region,
                              usage=usage, cost=cost, outcome=exchange.outcome)
        store.append_history(env, entry, lambda message: messages.notice(env, message))
    if exchange.outcome != OK:
        return
    seconds, completion = exchange.seconds_streaming, usage.completion_tokens
    messages.print_footer(env, messages.Footer(
        model=exchange.routed.model or exchange.request.model,
        provider=exchange.routed.provider,
        region=exchange.routed.region,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=completion,
        cost=cost,
        tokens_per_second=(completion / seconds) if completion and seconds else None,
        generation_id=exchange.generation_id,
    ))


def exchange_cost(env: Environment, settings: Settings, model_id: str | None, usage: api.Usage) -> float | None:
    """usage.cost when the gateway sends it, else token counts times the cached prices."""
    if usage.cost is not None:
        return usage.cost
    from lowrouter_cli.catalog import cached_prices, estimate_cost

    return estimate_cost(cached_prices(env, settings.base_url, model_id), usage.prompt_tokens,
                         usage.completion_tokens)


def outcome_of(error: BaseException) -> str:
    """"route unavailable", "rate limited", "truncated answer"…: the error class, in words."""
    if not isinstance(error, (LowRouterError, OutputClosed)):
        return "failed"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).lower()
    return words.removesuffix(" error") or "error"
