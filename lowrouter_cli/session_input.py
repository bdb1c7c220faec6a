"""The session's line editor (prompt_toolkit, imported by this module alone, so no other command pays
for it): Emacs keys and Ctrl-R search, a persistent history (0600) in the user data folder,
Alt-Enter / Esc Enter for a new line (pasted newlines are kept), a \"\"\" block, TAB completion of
slash commands and of model ids, regions and providers from the cached model list, and the status
line as the bottom toolbar."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Iterator

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings

from lowrouter_cli.context import NO_FOLDER, Environment

HISTORY_FILE = "input_history"
MAX_HISTORY_BYTES = 4 * 1024 * 1024  # a larger file is not loaded (it is still appended to)
PROMPT = "> "
BLOCK = '"""'


class SessionEnded(Exception):
    """Ctrl-D, or a second Ctrl-C at an empty prompt."""


class BoundedFileHistory(FileHistory):
    def load_history_strings(self) -> Iterable[str]:
        try:
            if os.path.getsize(self.filename) > MAX_HISTORY_BYTES:
                return []
        except OSError:
            return []
        return super().load_history_strings()


def open_history(env: Environment, keep: bool, warn: Callable[[str], None]) -> History:
    """The input history file, created 0600 (our own file, never through a link); in memory when
    nothing may be kept (--no-log, logging off) or the file can't be opened."""
    if not keep or env.data_dir == NO_FOLDER:
        return InMemoryHistory()
    from lowrouter_cli.store import open_no_follow

    path = Path(env.data_dir) / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = open_no_follow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as error:
        warn(f"warning: input history not kept ({path}: {getattr(error, 'strerror', None) or error})")
        return InMemoryHistory()
    return BoundedFileHistory(str(path))


class SlashCompleter(Completer):
    """Slash commands; after /model, /region or /provider: the cached model list's words."""

    def __init__(self, commands: list[str], take_argument: set[str], words_for: Callable[[str], list[str]]) -> None:
        self._commands = commands
        self._take_argument = take_argument
        self._words_for = words_for

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        if " " not in text:
            yield from (Completion(c + " " if c in self._take_argument else c, -len(text), display=c)
                        for c in self._commands if c.startswith(text))
            return
        command, _, word = text.partition(" ")
        if " " in word:
            return
        for candidate in self._words_for(command):
            if candidate.startswith(word):
                yield Completion(candidate, -len(word))


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")  # Alt-Enter or Esc Enter: a new line, not sent yet
    def _(event) -> None:  # type: ignore[no-untyped-def]
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")  # a line typed: cleared; an empty line: ask the reader what to do
    def _(event) -> None:  # type: ignore[no-untyped-def]
        if event.current_buffer.text:
            event.current_buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt())

    return bindings


class LineReader:
    def __init__(self, env: Environment, history: History, completer: Completer,
                 toolbar: Callable[[], str], hint: Callable[[str], None]) -> None:
        self._session: PromptSession[str] = PromptSession(
            history=history, completer=completer, complete_while_typing=False,
            key_bindings=_key_bindings(), bottom_toolbar=toolbar, refresh_interval=1.0,
            enable_history_search=False, mouse_support=False)
        self._hint = hint

    def read(self) -> str:
        """The next prompt or command, stripped; a \"\"\" block is read whole (without the quotes)."""
        interrupted = False
        while True:
            try:
                text = self._session.prompt(PROMPT)
            except EOFError:
                raise SessionEnded() from None
            except KeyboardInterrupt:
                if interrupted:
                    raise SessionEnded() from None
                interrupted = True
                self._hint("(Ctrl-C again, Ctrl-D or /exit ends the session)")
                continue
            text = text.strip()
            if text.startswith(BLOCK):
                text = self._block(text[len(BLOCK):])
            if text:
                return text

    def _block(self, first: str) -> str:
        lines = [first] if first else []
        while not (lines and lines[-1].rstrip().endswith(BLOCK)):
            try:
                lines.append(self._session.prompt("… ", bottom_toolbar=None))
            except EOFError:
                break
            except KeyboardInterrupt:
                return ""
        text = "\n".join(lines).rstrip()
        return text[:-len(BLOCK)].rstrip() if text.endswith(BLOCK) else text
