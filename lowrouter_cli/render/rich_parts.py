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
    def __init__(self, make_console: "Callable[[], Console]") -> None:
        self._make_console = make_console
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

        self._thread = threading.Thread(target=self._load_quietly, name="lowrouter-rich", daemon=True)
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

    def _load_quietly(self) -> None:
        try:
            self._load()
        except BaseException:  # loaded again where it is needed, and raised there
            pass

    def _load(self) -> None:
        from markdown_it import MarkdownIt

        from lowrouter_cli.render.markdown import make_markdown

        parts = RichParts(self._make_console(), MarkdownIt("commonmark").enable("table").disable("inline"),
                          MarkdownIt().enable("strikethrough").enable("table"), make_markdown(""))
        parts.console.render_lines(markdown(parts, "*warm* up"))  # the first render's set-up, off screen
        self._parts = parts


def markdown(parts: RichParts, source: str) -> "Markdown":
    """A Markdown for `source`, parsed by the one parser kept."""
    import copy

    document = copy.copy(parts.template)
    document.markup = source
    document.parsed = parts.parser.parse(source)
    return document
