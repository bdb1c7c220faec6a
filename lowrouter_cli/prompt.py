"""Assemble the prompt from the command-line words and standard input."""

from __future__ import annotations

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError


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
