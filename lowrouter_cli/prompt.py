"""The options of a command that sends a prompt, and the prompt from the command-line words and
standard input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.spending import SpendOptions


@dataclass(frozen=True)
class PromptOptions:
    """The options `chat` and `stream` share, as given on the command line (None: not given)."""

    words: Optional[List[str]] = None
    model: Optional[str] = None
    system: Optional[str] = None
    region: Optional[str] = None
    provider: Optional[str] = None
    max_tokens: Optional[int] = None
    temperature: Optional[float] = None
    curl: bool = False
    no_log: bool = False
    continue_: bool = False  # -c: the most recent conversation
    cid: Optional[str] = None  # --cid: this conversation (a unique prefix is enough)
    max_time: Optional[float] = None  # stream --max-time: the longest the whole stream may take
    reasoning: Optional[bool] = None  # show the reasoning text on stderr (None: as config says)
    extra: dict = field(default_factory=dict)  # -o KEY VALUE: other request fields, as given
    spend: SpendOptions = SpendOptions()  # --estimate, --max-cost, --force, --eco


def read_prompt(env: Environment, words: list[str] | None) -> str:
    """The words joined by spaces; stdin (when it is not a terminal) follows after a blank line,
    or is the whole prompt when there are no words. Never waits on a terminal."""
    text = " ".join(words or [])
    if not env.stdin_isatty and env.stdin is not None:
        piped = _read_stdin(env)
        if piped:
            text = f"{text}\n\n{piped}" if text else piped
    if not text.strip():
        raise UsageError("no prompt: give it as arguments (lowrouter chat \"question\") or on stdin")
    return text


def _read_stdin(env: Environment) -> str:
    stream = getattr(env.stdin, "buffer", None)
    if stream is None:  # a text stream without bytes underneath (tests)
        return env.stdin.read()
    data = stream.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"stdin is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. with iconv -t UTF-8"
        ) from None
