"""Conversations: which one an exchange belongs to (`-c`, `--cid`, or a new one), the earlier
turns sent with the new prompt, and the defaults (model, route, system prompt) it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError

LONG_CONVERSATION_TOKENS = 4000  # past this many (estimated) tokens, resending gets a notice


@dataclass
class Conversation:
    id: str
    messages: list[dict[str, str]] = field(default_factory=list)  # earlier turns, oldest first
    model: str | None = None  # what the last exchange asked for (not what the router picked)
    region: str | None = None
    provider: str | None = None
    system: str | None = None
    continued: bool = False


def choose(env: Environment, *, continue_: bool, cid: str | None) -> Conversation:
    """The conversation named by --cid (a unique prefix is enough), the most recent one for -c
    (by time, whichever process wrote it), or a new one."""
    if not continue_ and not cid:
        from lowrouter_cli.ledger_names import new_conversation_id

        return Conversation(new_conversation_id())
    from lowrouter_cli import ledger

    opened = ledger.open_ledger(env, create=False)
    if opened is None:
        raise UsageError("no conversation to continue: the ledger is empty (lowrouter logs status)")
    with opened:
        if cid:
            conversation_id = opened.resolve_conversation(cid)
        else:
            conversation_id = opened.latest_conversation_id()
            if conversation_id is None:
                raise UsageError("no conversation to continue yet: ask something first")
        return from_rows(conversation_id, opened.conversation(conversation_id))


def from_rows(conversation_id: str, rows: list[Any]) -> Conversation:
    """Every exchange with an answer (a cancelled one's partial answer too) becomes two messages;
    exchanges that failed before any text came back are left out."""
    messages: list[dict[str, str]] = []
    for row in rows:
        if row.answer:
            messages.append({"role": "user", "content": row.prompt})
            messages.append({"role": "assistant", "content": row.answer})
    last = rows[-1] if rows else None
    return Conversation(conversation_id, messages, continued=True,
                        model=last and last.requested_model, region=last and last.route_region,
                        provider=last and last.route_provider, system=last and last.system)


def announce_if_long(env: Environment, conversation: Conversation, base_url: str, model: str,
                     notice: Any) -> None:
    """One line before a long conversation is sent again: its size, and its cost when the model's
    prompt price is known (cached catalog, no network)."""
    if not conversation.messages:  # a new conversation: nothing to resend
        return
    from lowrouter_cli.estimates import estimate_tokens

    tokens = estimate_tokens(conversation.messages)
    if tokens < LONG_CONVERSATION_TOKENS:
        return
    from lowrouter_cli.catalog import cached_prices

    line = (f"continuing conversation {conversation.id}: resending {len(conversation.messages)} earlier "
            f"messages, about {tokens:,} tokens (estimated)")
    model_prices = cached_prices(env, base_url, model)
    price = getattr(model_prices, "prompt_price", None)
    if price is not None and price >= 0:
        from lowrouter_cli.render.messages import format_cost

        line += f", about {format_cost(float(price * tokens))} at {model}'s prompt price"
    notice(line)
