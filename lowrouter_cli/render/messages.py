"""Everything written to stderr: footers, retry notices, warnings and the one-line errors."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lowrouter_cli.context import Environment
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy
from lowrouter_cli.render.safe_text import field_text

PROG = "lowrouter"


@dataclass
class Footer:
    model: str | None = None
    provider: str | None = None
    region: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    tokens_per_second: float | None = None
    reasoning_tokens: int | None = None
    generation_id: str | None = None
    conversation_id: str | None = None  # shown so the conversation can be continued (--cid)
    energy_wh: float | None = None  # --eco: from the generation record
    co2e_g: float | None = None

    def text(self) -> str:
        return " · ".join(self._parts())

    def lines(self, width: int) -> list[str]:
        """The footer cut at its " · " joints to fit `width`; the generation id, which must copy
        whole, goes on a line of its own rather than being split by the terminal."""
        lines: list[str] = []
        for part in self._parts():
            if lines and len(lines[-1]) + 3 + len(part) <= width:
                lines[-1] += " · " + part
            else:
                lines.append(part)
        return lines

    def _parts(self) -> list[str]:
        parts = []
        if self.model:
            parts.append(self.model)
        where = "/".join(p for p in (self.provider, self.region) if p)
        if where:
            parts.append(where)
        if self.prompt_tokens is not None or self.completion_tokens is not None:
            tokens = f"{_n(self.prompt_tokens)} → {_n(self.completion_tokens)} tokens"
            if self.reasoning_tokens:
                tokens += f" ({self.reasoning_tokens} reasoning)"
            parts.append(tokens)
        if self.cost is not None:
            parts.append(format_cost(self.cost))
        if self.tokens_per_second is not None:
            parts.append(f"{self.tokens_per_second:.0f} tok/s")
        if self.energy_wh is not None or self.co2e_g is not None:
            eco = [format_energy(self.energy_wh) if self.energy_wh is not None else "",
                   f"{format_co2e(self.co2e_g)} CO2e" if self.co2e_g is not None else ""]
            parts.append(" ".join(part for part in eco if part))
        if self.generation_id:
            parts.append(self.generation_id)
        if self.conversation_id:
            parts.append(f"cid {self.conversation_id}")
        return parts


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def print_footer(env: Environment, footer: Footer) -> None:
    """One dim line after the answer (more when it would not fit), only when stderr is a terminal."""
    if not env.stderr_isatty:
        return
    from lowrouter_cli.render.console import terminal_columns

    # The whole footer is dim: plain placeholders for what the gateway sent.
    text = "\n".join(field_text(_masked(env, line)) for line in footer.lines(terminal_columns(env)))
    if not text:
        return
    if env.styled(True):
        env.stderr.write(f"\x1b[2m{text}\x1b[0m\n")
    else:
        env.stderr.write(text + "\n")
    env.stderr.flush()


def notice(env: Environment, message: str) -> None:
    """A retry notice or warning: always on stderr, one line."""
    _line(env, message, "33")


def error_line(env: Environment, message: str) -> None:
    _line(env, "error: " + message, "31")


def verbose(env: Environment, message: str) -> None:
    """A -v line (request, headers, status): what the server sent is shown, never obeyed."""
    _write(env, field_text(_masked(env, message), dim=env.styled(env.stderr_isatty)) + "\n")


def mask_key(key: str) -> str:
    """Enough to tell keys apart, never enough to use one: `sk-lr-…abcd`."""
    prefix = "sk-lr-" if key.startswith("sk-lr-") else key[:3]
    return f"{prefix}…{key[-4:]}" if len(key) > len(prefix) + 8 else f"{prefix}…"


# Anything shaped like an API key is masked in every line we print, wherever it came from
# (a key pasted as an argument would otherwise come back in click's "unexpected argument").
_KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z]{0,3}-?)[A-Za-z0-9_-]{8,}([A-Za-z0-9]{4})\b")


def _masked(env: Environment, text: str) -> str:
    """The key in use, whatever its shape (a gateway may echo it), and anything key-shaped."""
    for secret in env.secrets:
        if len(secret) >= 4 and secret in text:
            text = text.replace(secret, mask_key(secret))
    return _KEY_SHAPED.sub(r"\1…\2", text)


def _line(env: Environment, message: str, colour: str) -> None:
    styled = env.styled(env.stderr_isatty)
    text = field_text(_masked(env, " ".join(message.split())), dim=styled)
    if styled and not env.no_color:
        _write(env, f"\x1b[{colour}m{PROG}:\x1b[0m {text}\n")
    else:
        _write(env, f"{PROG}: {text}\n")


def _write(env: Environment, text: str) -> None:
    try:
        env.stderr.write(text)
        env.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr is gone: nothing more we can say
