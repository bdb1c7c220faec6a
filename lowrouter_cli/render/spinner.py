"""A sign of life while the gateway thinks: a spinner with the seconds waited, on stderr.

Drawn only when stderr is a terminal, on one line that is cleared without a trace (spaces, then a
carriage return: no escape codes needed, so `--color never` keeps it). It stays away from the
answer: `stop()` clears it before anything reaches stdout, and any other stderr line written while
it spins (a retry notice, -v logs) first clears the spinner's line and is printed in its place.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Iterator, TypeVar

from lowrouter_cli.context import Environment
from lowrouter_cli.render.console import terminal_columns

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
INTERVAL = 0.1  # seconds between frames
GRACE = 0.25  # an answer quicker than this never shows a spinner (no flicker)

T = TypeVar("T")


class Spinner:
    def __init__(self, stream: Any, monotonic: Callable[[], float], label: str, *, width: int = 80,
                 dim: bool = False, grace: float = GRACE) -> None:
        self._stream = stream
        self._clock = monotonic
        self._label = label
        self._width = max(1, width - 1)  # never reach the last column: the line must not wrap
        self._dim = dim
        self._grace = grace
        self._started = monotonic()
        self._shown = 0  # visible length of the frame on screen (0: nothing to clear)
        self._frame = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "Spinner":
        self._thread = threading.Thread(target=self._run, name="lowrouter-spinner", daemon=True)
        self._thread.start()
        return self

    def tick(self) -> None:
        """Draw the next frame (the thread calls this; tests call it with their own clock)."""
        with self._lock:
            if self._stopped.is_set():
                return
            elapsed = self._clock() - self._started
            if elapsed < self._grace:
                return
            text = f"{FRAMES[self._frame % len(FRAMES)]} {self._label} {elapsed:.1f} s"[: self._width]
            self._frame += 1
            styled = f"\x1b[2m{text}\x1b[0m" if self._dim else text
            self._write("\r" + styled + " " * max(0, self._shown - len(text)))
            self._shown = len(text)

    def stop(self) -> None:
        """Clear the line and stop for good (idempotent, and cheap when already stopped)."""
        if self._stopped.is_set():
            return
        with self._lock:
            self._stopped.set()
            self._clear()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)

    def write_line(self, text: str) -> None:
        """Another stderr message while spinning: clear the spinner, print it; the next frame
        comes back below it."""
        with self._lock:
            self._clear()
            self._stream.write(text)

    def _run(self) -> None:
        while not self._stopped.wait(INTERVAL):
            try:
                self.tick()
            except (OSError, ValueError):
                return  # stderr is gone: the answer still matters, the spinner doesn't

    def _clear(self) -> None:
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()


class _SharedStderr:
    """env.stderr while a spinner runs: writes go through the spinner so lines never mix."""

    def __init__(self, spinner: Spinner, stream: Any) -> None:
        self._spinner = spinner
        self._stream = stream

    def write(self, text: str) -> int:
        self._spinner.write_line(text)
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Waiting:
    """The handle the jobs hold: a running spinner, or nothing at all in a pipe."""

    def __init__(self, env: Environment, spinner: Spinner | None) -> None:
        self._env = env
        self._spinner = spinner
        self._stderr = env.stderr
        if spinner is not None:
            env.stderr = _SharedStderr(spinner, env.stderr)  # type: ignore[assignment]

    def stop(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._env.stderr = self._stderr
            self._spinner = None

    def until_first(self, items: Iterable[T]) -> Iterable[T]:
        """`items` unchanged, stopping the spinner as the first one arrives (or the loop ends)."""
        return items if self._spinner is None else self._until_first(items)

    def _until_first(self, items: Iterable[T]) -> Iterator[T]:
        iterator = iter(items)
        try:
            first = next(iterator)
        except StopIteration:
            return
        finally:
            self.stop()
        yield first
        yield from iterator

    def __enter__(self) -> "Waiting":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start_waiting(env: Environment, label: str, *, animate: bool = True) -> Waiting:
    """A spinner on stderr when it is a terminal; a no-op handle otherwise. (Tests that draw the
    frames themselves pass animate=False.)"""
    if not env.stderr_isatty:
        return Waiting(env, None)
    spinner = Spinner(env.stderr, env.monotonic, label, width=terminal_columns(env),
                      dim=env.styled(env.stderr_isatty))
    return Waiting(env, spinner.start() if animate else spinner)

