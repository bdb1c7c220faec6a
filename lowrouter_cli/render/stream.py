"""Where streamed deltas go: raw text (pipes, --raw), JSON Lines (--json), or live Markdown (a
terminal). rich never stands between a token and a pipe. Pipes are flushed once per network read
(the stream calls flush() before each blocking read), so no token waits for a later one."""

from __future__ import annotations

from typing import Any, Protocol

from lowrouter_cli.context import Environment
from lowrouter_cli.render.safe_text import PieceByPiece, json_dumps


class StreamWriter(Protocol):
    def write(self, chunk: Any) -> None: ...

    def flush(self) -> None: ...

    def finish(self) -> None: ...


class RawText:
    """Each delta written as it arrives; ends the answer with a newline."""

    def __init__(self, env: Environment) -> None:
        self._bytes = getattr(env.stdout, "buffer", None)  # skip the text layer's own buffering
        self._text = env.stdout
        self._ends_line = True

    def write(self, chunk: Any) -> None:
        if chunk.text:
            self._emit(chunk.text)

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

    def write(self, chunk: Any) -> None:
        if chunk.text:
            self._emit(self._safe.feed(chunk.text))

    def finish(self) -> None:
        held = self._safe.end()
        if held:
            self._emit(held)
        super().finish()


class JSONLines:
    """One JSON object per event, as received: for jq."""

    def __init__(self, env: Environment) -> None:
        self._stream = env.stdout

    def write(self, chunk: Any) -> None:
        payload = chunk.payload if chunk.payload is not None else chunk.data
        self._stream.write(json_dumps(payload) + "\n")

    def flush(self) -> None:
        self._stream.flush()

    def finish(self) -> None:
        self._stream.flush()


class LiveText:
    def __init__(self, env: Environment) -> None:
        from lowrouter_cli.render.console import make_console
        from lowrouter_cli.render.live_markdown import LiveMarkdown

        self._markdown = LiveMarkdown(make_console(env), env.monotonic)
        self._safe = PieceByPiece()  # the live renderer only ever sees sanitized text

    def write(self, chunk: Any) -> None:
        if chunk.text:
            self._markdown.write(self._safe.feed(chunk.text))

    def flush(self) -> None:
        pass  # the live view draws on its own clock

    def finish(self) -> None:
        self._markdown.write(self._safe.end())
        self._markdown.finish()


def stream_writer(env: Environment, *, as_json: bool, raw: bool) -> StreamWriter:
    if as_json:
        return JSONLines(env)
    if not env.stdout_isatty:
        return RawText(env)  # a pipe: byte-exact
    if raw:
        return TerminalRawText(env)
    return LiveText(env)
