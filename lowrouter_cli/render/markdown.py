"""The one Markdown factory: every answer shown as Markdown is built by `make_markdown`.

rich's code blocks are indented one column and hard-wrapped at the screen's edge, so a long
`curl … | jq` line copied from the terminal comes back as two broken lines. Here a code block is
printed flush left, line for line: a line longer than the screen runs past the edge for the
terminal to soft-wrap, and copies as the one line it is. (Imported only when rendering.)

Links are never terminal hyperlinks: `[https://bank.example](https://evil.example)` would show the
bank's address and open the other; each link shows its target after its text instead. The source
has passed through safe_text.terminal_text already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.markdown import CodeBlock, Markdown, MarkdownElement
from rich.segment import Segment
from rich.syntax import Syntax

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult


class CopyableCodeBlock(CodeBlock):
    """Syntax colours, no padding, no background, no wrapping. The ANSI theme leaves plain code in
    the terminal's own colours (monokai's near-white would vanish on a light background once
    its dark background is gone)."""

    def __rich_console__(self, console: "Console", options: "ConsoleOptions") -> "RenderResult":
        code = str(self.text).rstrip()
        text = Syntax(code, self.lexer_name, theme="ansi_dark", background_color="default").highlight(code)
        text.rstrip()
        for line in text.split("\n", allow_blank=True):
            yield from line.render(console)
            yield Segment.line()


class CopyableMarkdown(Markdown):
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements, "fence": CopyableCodeBlock, "code_block": CopyableCodeBlock}


def make_markdown(source: str) -> Markdown:
    return CopyableMarkdown(source, hyperlinks=False)
