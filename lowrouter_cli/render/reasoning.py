"""The model's thinking, on stderr: a one-line status while it thinks (terminal only), or the
reasoning text itself with --reasoning (dim only on a terminal). stdout never sees any of it."""

from __future__ import annotations

from lowrouter_cli.context import Environment
from lowrouter_cli.render.safe_text import PieceByPiece

STATUS_INTERVAL = 0.1  # seconds between redraws of the status line


class ReasoningView:
    def __init__(self, env: Environment, *, show_text: bool) -> None:
        self._env = env
        self._show_text = show_text
        self._status = not show_text and env.stderr_isatty
        self._styled = env.styled(env.stderr_isatty) and env.stderr_isatty
        self._started = env.monotonic()
        self._fragments = 0
        self._last_draw = float("-inf")
        self._status_width = 0  # characters of status now on the line (0: nothing to clear)
        self._wrote_text = False
        self._ends_line = True
        self._safe = PieceByPiece()  # reasoning comes from the network: controls shown, never obeyed
        self.done = False

    @property
    def active(self) -> bool:
        return self._show_text or self._status

    def reasoning(self, text: str) -> None:
        if self.done:
            return
        self._fragments += 1
        if self._show_text:
            self._write_text(text)
            return
        if self._status:
            now = self._env.monotonic()
            if now - self._last_draw >= STATUS_INTERVAL:
                self._last_draw = now
                self._draw(now)

    def end(self) -> None:
        """Content starts (or the answer ends): clear the status, close the reasoning text."""
        if self.done:
            return
        self.done = True
        stream = self._env.stderr
        if self._show_text:
            self._write_text(self._safe.end())
        if self._status_width:
            stream.write("\r\x1b[2K" if self._styled else "\r" + " " * self._status_width + "\r")
            stream.flush()
        if self._wrote_text:
            stream.write(("\x1b[0m" if self._styled else "") + ("" if self._ends_line else "\n"))
            stream.flush()

    def _draw(self, now: float) -> None:
        seconds = int(now - self._started)
        noun = "reasoning token" if self._fragments == 1 else "reasoning tokens"
        text = f"thinking… {seconds} s · {self._fragments} {noun}"
        stream = self._env.stderr
        if self._styled:
            stream.write(f"\r\x1b[2K\x1b[2m{text}\x1b[0m")
        else:
            stream.write("\r" + text.ljust(self._status_width))
        self._status_width = max(self._status_width, len(text))
        stream.flush()

    def _write_text(self, text: str) -> None:
        clean = self._safe.feed(text.replace("\r\n", "\n").replace("\r", "\n"))
        if not clean:
            return
        stream = self._env.stderr
        if self._styled and not self._wrote_text:
            stream.write("\x1b[2m")
        stream.write(clean)
        stream.flush()
        self._wrote_text = True
        self._ends_line = clean.endswith("\n")


def show_reasoning(env: Environment, text: str) -> None:
    """A whole answer's reasoning (chat --reasoning), before the answer."""
    view = ReasoningView(env, show_text=True)
    view.reasoning(text)
    view.end()
