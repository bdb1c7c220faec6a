"""Where a streamed answer's events go: the answer's text as raw text (pipes, --raw) or live
Markdown (a terminal), the reasoning to stderr (render/reasoning.py), or each chunk as received in
JSON Lines (--json). rich never stands between a token and a pipe. Pipes are flushed once per
network read (the stream calls flush() before each blocking read), so no token waits for a later one.
flush() returns the seconds within which it wants to be called again though nothing arrives (the
live view, holding tokens until its next frame), or None."""

from __future__ import annotations

from typing import Any, Callable, Protocol

from lowrouter_cli.context import Environment
from lowrouter_cli.events import Content, Reasoning, Received
from lowrouter_cli.render.safe_text import PieceByPiece, json_dumps


class StreamWriter(Protocol):
    def write(self, event: Any) -> None: ...

    def flush(self) -> float | None: ...

    def finish(self) -> None: ...


class TextWriter(Protocol):
    def write(self, text: str) -> None: ...

    def flush(self) -> float | None: ...

    def finish(self) -> None: ...


class AnswerView:
    """Content to the answer's writer; reasoning to the reasoning view until content starts."""

    def __init__(self, text: TextWriter, reasoning: Any) -> None:
        self._text = text
        self._reasoning = reasoning
        # The reader calls it before every read: the writer's own, not a call that calls it.
        self.flush: Callable[[], float | None] = text.flush

    def write(self, event: Any) -> None:
        kind = type(event)
        if kind is Content:
            if self._reasoning is not None:
                self._reasoning.end()
                self._reasoning = None
            self._text.write(event.text)
        elif kind is Reasoning and self._reasoning is not None:
            self._reasoning.reasoning(event.text)

    def finish(self) -> None:
        if self._reasoning is not None:
            self._reasoning.end()
        self._text.finish()


class RawText:
    """Each delta written as it arrives; ends the answer with a newline."""

    def __init__(self, env: Environment) -> None:
        self._bytes = getattr(env.stdout, "buffer", None)  # skip the text layer's own buffering
        self._text = env.stdout
        self._ends_line = True

    def write(self, text: str) -> None:
        self._emit(text)

    def flush(self) -> None:
        (self._bytes or self._text).flush()

    def finish(self) -> None:
        if not self._ends_line:
            self._emit("\n")
        self.flush()

    def _emit(self, text: str) -> None:
        if self._bytes is not None:
            self._bytes.write(text.encode("utf-8"))
        else:
            self._text.write(text)
        self._ends_line = text.endswith("\n")


class TerminalRawText(RawText):
    """--raw on a terminal: the tokens as they come, with controls shown instead of obeyed."""

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self._safe = PieceByPiece(dim=env.styled(True))

    def write(self, text: str) -> None:
        self._emit(self._safe.feed(text))

    def finish(self) -> None:
        held = self._safe.end()
        if held:
            self._emit(held)
        super().finish()


class JSONLines:
    """One JSON object per chunk, as received (a data line that is not JSON, as a string): for jq."""

    def __init__(self, env: Environment) -> None:
        self._stream = env.stdout

    def write(self, event: Any) -> None:
        if type(event) is Received:
            self._stream.write(json_dumps(event.payload) + "\n")

    def flush(self) -> None:
        self._stream.flush()

    def finish(self) -> None:
        self._stream.flush()


class LiveText:
    """Live Markdown on a terminal. The reader calls write() once a token and flush() once a read:
    they are LiveMarkdown's own (which sanitizes once a frame), with no call in between."""

    def __init__(self, env: Environment) -> None:
        from lowrouter_cli.render.console import live_screen
        from lowrouter_cli.render.live_markdown import LiveMarkdown

        markdown = LiveMarkdown(live_screen(env), env.monotonic)
        self.write = markdown.write
        self.flush = markdown.tick  # a frame now if one is due; else when to ask again
        self.finish = markdown.finish


def stream_writer(env: Environment, *, as_json: bool, raw: bool, reasoning: bool = False) -> StreamWriter:
    if as_json:
        return JSONLines(env)
    from lowrouter_cli.render.reasoning import ReasoningView

    view = ReasoningView(env, show_text=reasoning)
    if not env.stdout_isatty:
        text: TextWriter = RawText(env)  # a pipe: byte-exact
    else:
        text = TerminalRawText(env) if raw else LiveText(env)
    return AnswerView(text, view if view.active else None)
