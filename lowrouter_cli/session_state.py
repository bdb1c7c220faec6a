"""What an interactive session knows between turns: the conversation, the model and route for the
next turn, and the running totals (tokens, cost, and energy/CO2e from the generation records,
which a background thread fetches so that typing never waits for them)."""

from __future__ import annotations

import dataclasses
import io
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy
from lowrouter_cli.render.safe_text import field_text

if TYPE_CHECKING:  # the session's first prompt must not wait for the HTTP stack these bring
    from lowrouter_cli.exchange import Exchange
    from lowrouter_cli.records import GenerationRecord

RECORD_WAIT = 15.0  # seconds a background fetch keeps asking while the record is not readable yet


@dataclass
class Turn:
    prompt: str
    answer: str
    model: str | None = None


@dataclass
class SessionState:
    conversation_id: str
    recording: bool  # False with --no-log (or logging off): nothing goes to the ledger
    model: str
    region: str | None = None
    provider: str | None = None
    system: str | None = None
    messages: list[dict[str, str]] = field(default_factory=list)  # earlier turns, sent with the next
    turns: list[Turn] = field(default_factory=list)  # this conversation's turns with an answer
    last_prompt: str | None = None
    last_generation_id: str | None = None
    conversation_tokens: int | None = None  # prompt + completion of the last answered turn
    sent: int = 0  # exchanges this session (answered, failed or cancelled)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cost_known: bool = False
    records: dict[str, "GenerationRecord"] = field(default_factory=dict)
    context_lengths: dict[str, int | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def took(self, exchange: "Exchange") -> None:
        """Count a finished exchange; one with text (a cancelled one too) joins the conversation."""
        self.sent += 1
        usage = exchange.usage
        if usage is not None:
            self.prompt_tokens += usage.prompt_tokens or 0
            self.completion_tokens += usage.completion_tokens or 0
            if usage.prompt_tokens is not None or usage.completion_tokens is not None:
                self.conversation_tokens = (usage.prompt_tokens or 0) + (usage.completion_tokens or 0)
        if exchange.cost is not None:
            self.cost += exchange.cost
            self.cost_known = True
        if exchange.generation_id:
            self.last_generation_id = exchange.generation_id
        answer = "".join(exchange.answer_parts)
        if answer:
            self.messages += [{"role": "user", "content": exchange.request.prompt},
                              {"role": "assistant", "content": answer}]
            self.turns.append(Turn(exchange.request.prompt, answer, exchange.routed.model or exchange.request.model))

    def forget_last_turn(self) -> None:
        """For /retry: the last turn leaves the context that the next request sends."""
        if self.turns and self.messages[-2:] and self.messages[-2]["content"] == self.turns[-1].prompt:
            del self.messages[-2:]
            self.turns.pop()

    def new_conversation(self, conversation_id: str) -> None:
        self.conversation_id, self.messages, self.turns = conversation_id, [], []
        self.conversation_tokens = None

    def eco_totals(self) -> tuple[int, float, float]:
        """(records in, energy Wh, CO2e g) over this session's fetched records."""
        with self.lock:
            ecos = [r.eco for r in self.records.values() if r.eco is not None]
        return (len(ecos), sum(e.energy_wh or 0.0 for e in ecos), sum(e.co2e_g or 0.0 for e in ecos))

    def pin(self) -> str:
        where = "/".join(p for p in (self.provider, self.region) if p)
        return f"pinned {where}" if where else "unpinned"

    def status(self, context_length: int | None) -> str:
        """The bottom toolbar: model, route pin, conversation size against the context, cost, CO2e."""
        parts = [self.model, self.pin()]
        tokens = self.conversation_tokens
        size = f"{tokens:,}" if tokens is not None else "0"
        parts.append(f"{size}/{context_length:,} tokens" if context_length else f"{size} tokens")
        parts.append(format_cost(self.cost) if self.cost_known else "$?")
        count, _, co2e = self.eco_totals()
        if count:
            parts.append(f"{format_co2e(co2e)} CO2e")
        return field_text(" · ".join(parts))

    def summary(self) -> str:
        """The one line a session ends with."""
        count, energy, co2e = self.eco_totals()
        parts = [f"{self.sent} turn{'s' if self.sent != 1 else ''}",
                 f"{self.prompt_tokens:,} → {self.completion_tokens:,} tokens",
                 format_cost(self.cost) if self.cost_known else "cost unknown"]
        if count:
            parts.append(f"{format_energy(energy)}, {format_co2e(co2e)} CO2e ({count} record{'s' if count != 1 else ''})")
        if self.recording:
            parts.append(f"cid {self.conversation_id}")
        return field_text("session ended: " + " · ".join(parts))

    def cost_lines(self) -> list[str]:
        """/cost: this session so far."""
        count, energy, co2e = self.eco_totals()
        lines = [f"exchanges: {self.sent}",
                 f"tokens: {self.prompt_tokens:,} prompt, {self.completion_tokens:,} completion",
                 f"cost: {format_cost(self.cost) if self.cost_known else 'unknown (no usage or cached price)'}"]
        if count:
            lines.append(f"energy: {format_energy(energy)}, CO2e: {format_co2e(co2e)} "
                         f"(from {count} generation record{'s' if count != 1 else ''})")
        else:
            lines.append("energy and CO2e: no generation record fetched yet")
        return lines


class RecordFetcher:
    """Fetches each answered turn's generation record in a daemon thread (it becomes readable a
    moment after the answer), keeps it in the ledger and in the state; quietly, never on screen."""

    def __init__(self, env: Environment, state: SessionState, client_for: Callable[[Environment], Any]) -> None:
        self._quiet = dataclasses.replace(env, stderr=io.StringIO())  # retry notices would break the prompt line
        self._state = state
        self._client_for = client_for

    def start(self, generation_id: str) -> None:
        threading.Thread(target=self._fetch, args=(generation_id,), name="record", daemon=True).start()

    def fetch_now(self, generation_id: str, wait: float) -> "GenerationRecord":
        """/trace: the record, waiting for it in the foreground if it is not in yet."""
        record = self._state.records.get(generation_id)
        return record if record is not None else self._fetch(generation_id, wait=wait, quiet=False)

    def _fetch(self, generation_id: str, wait: float = RECORD_WAIT, quiet: bool = True) -> Any:
        from lowrouter_cli import generations

        env = self._quiet
        try:
            record = generations.stored_record(env, generation_id)
            if record is None:
                with self._client_for(env) as client:
                    record = generations.fetch(env, client, generation_id, wait, lambda message: None)
                if isinstance(record.raw, dict):
                    generations.store_record(env, generation_id, record.raw, lambda message: None)
        except Exception:  # in the background a failure only means no CO2e figure for that turn
            if quiet:
                return None
            raise
        with self._state.lock:
            self._state.records[generation_id] = record
        return record
