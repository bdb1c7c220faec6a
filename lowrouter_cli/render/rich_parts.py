"""rich and markdown-it for the live view, loaded once: on a thread as soon as an answer shows it
will need them (so a finished block never waits for about 50 ms of imports), or where first used.

Frames measure wide characters with rich.cells on the reading thread: it is imported there before
the thread starts, so the two threads never import rich modules at once (two threads importing one
package can each wait for a module the other is importing).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

if TYPE_CHECKING:
    from rich.console import Console
    from rich.markdown import Markdown


class RichParts(NamedTuple):
    console: "Console"
    blocks_parser: Any  # block structure is all the cutting needs: no (costly) inline parse
    parser: Any  # rich Markdown's own
    template: "Markdown"


class RichLoader:
    def __init__(self, make_console: "Callable[[], Console]",
                 code_languages: Callable[[], list[str]] = list) -> None:
        self._make_console = make_console
        # The languages of the code blocks begun so far, asked once loaded: their highlighting is
        # set up there too (pygments' lexer for a language: about 18 ms off the render at the
        # block's end, which a burst otherwise waits for).
        self._code_languages = code_languages
        self.warmed: list[str] = []
        self._parts: RichParts | None = None
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._parts is not None or self._thread is not None

    def start(self) -> None:
        """Begin loading on a thread (once)."""
        if self.started:
            return
        import rich.cells  # noqa: F401 - see the module's docstring

        self._thread = threading.Thread(target=_quietly, args=(self._load,), name="lowrouter-rich", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the thread, if one is loading, is done."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def parts(self) -> RichParts:
        """The loaded parts (waiting for the thread, if it is loading; else loading them here)."""
        self.wait()
        if self._parts is None:
            self._load()
        assert self._parts is not None
        return self._parts

    def _load(self) -> None:
        from markdown_it import MarkdownIt

        from lowrouter_cli.render.markdown import make_markdown

        parts = RichParts(self._make_console(), MarkdownIt("commonmark").enable("table").disable("inline"),
                          MarkdownIt().enable("strikethrough").enable("table"), make_markdown(""))
        parts.console.render_lines(markdown(parts, "*warm* up"))  # the first render's set-up, off screen
        if threading.current_thread() is self._thread:  # (where it is needed at once, no time to gain)
            self._warm_up(parts, self._new(self._code_languages()))
        self._parts = parts

    def warm(self, languages: list[str]) -> None:
        """Set up these languages' highlighting on a thread, once rich is loaded (the loading
        thread itself sets up those of the fences begun before it ends)."""
        new = self._new(languages)
        if not new or self._parts is None or (self._thread is not None and self._thread.is_alive()):
            return
        self._thread = threading.Thread(target=_quietly, args=(self._warm_up, self._parts, new),
                                        name="lowrouter-rich", daemon=True)
        self._thread.start()

    def _new(self, languages: list[str]) -> list[str]:
        """Those not set up yet: two at a time, four in all (an answer may name a thousand)."""
        return [language for language in dict.fromkeys(languages) if language not in self.warmed][:2] \
            if len(self.warmed) < 4 else []

    def _warm_up(self, parts: RichParts, languages: list[str]) -> None:
        for language in languages:
            parts.console.render_lines(markdown(parts, f"```{language}\nx\n```\n"))
            self.warmed.append(language)


def _quietly(work: Callable[..., None], *args: Any) -> None:
    """A thread's work whose failure is no one's here: what failed is done again where it is
    needed (loading, a render), and raised there."""
    try:
        work(*args)
    except BaseException:
        pass


def markdown(parts: RichParts, source: str) -> "Markdown":
    """A Markdown for `source`, parsed by the one parser kept."""
    import copy

    document = copy.copy(parts.template)
    document.markup = source
    document.parsed = parts.parser.parse(source)
    return document
