"""The one sanitizer for text from the network or from disk on its way to a person.

A terminal obeys what it is sent: ESC starts CSI, OSC (window title, clipboard, hyperlinks) and
DCS sequences, and the C1 controls U+0080-U+009F are one-character versions of the same (U+009B
is a CSI). So every such string passes through here first: ESC, C0 controls other than newline and
tab, DEL and C1 controls become visible placeholders (`\\x1b`), dim where escape codes are allowed,
and are never emitted. Answers in a pipe are not touched here: they stay byte-exact.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

# ESC and the rest of C0 but tab and newline, DEL, and C1.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# In a one-line field (key: value, TSV, a message) tab and newline would forge a column or a line.
_FIELD_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# json.dumps escapes C0 itself; DEL and C1 it leaves raw when ensure_ascii is off.
_JSON_RAW = re.compile("[\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
DIM, RESET = "\x1b[2m", "\x1b[22m"


def placeholder(char: str) -> str:
    return _NAMED.get(char) or f"\\x{ord(char):02x}"


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def terminal_text(text: str, *, dim: bool = False) -> str:
    """Text for a terminal, newlines and tabs kept (an answer, a table cell's lines). A CRLF line
    ending is a line ending; a lone CR (which would overwrite the line) is shown, not obeyed."""
    if not _CONTROLS.search(text):
        return text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _CONTROLS.sub(_dimmed if dim else _plain, text)


class PieceByPiece:
    """terminal_text for text that arrives in pieces (a stream): a CR ending one piece waits for
    the next, which may begin with its LF."""

    def __init__(self, *, dim: bool = False) -> None:
        self._held_cr = False
        self._dim = dim

    def feed(self, text: str) -> str:
        if self._held_cr:
            text, self._held_cr = "\r" + text, False
        if text.endswith("\r"):
            text, self._held_cr = text[:-1], True
        return terminal_text(text, dim=self._dim)

    @property
    def holding(self) -> bool:
        """Whether a CR is held for the next piece."""
        return self._held_cr

    def end(self) -> str:
        held, self._held_cr = self._held_cr, False
        return terminal_text("\r", dim=self._dim) if held else ""


def field_text(value: Any, *, dim: bool = False) -> str:
    """One field of a line (`key: value`, a TSV cell, a message): newlines, tabs and controls
    escaped, so one field can never forge another line or column."""
    text = value if isinstance(value, str) else str(value)
    if not _FIELD_CONTROLS.search(text):
        return text
    return _FIELD_CONTROLS.sub(_dimmed if dim else _plain, text)


def rich_text(value: Any, *, one_line: bool = False) -> "Text":
    """A rich Text for a table cell or a tree label, its placeholders dim."""
    from rich.text import Text

    text = value if isinstance(value, str) else str(value)
    pattern = _FIELD_CONTROLS if one_line else _CONTROLS
    if not pattern.search(text):
        return Text(text)
    if not one_line:
        text = text.replace("\r\n", "\n")
    result = Text()
    position = 0
    for match in pattern.finditer(text):
        result.append(text[position:match.start()])
        result.append(placeholder(match.group()), style="dim")
        position = match.end()
    result.append(text[position:])
    return result


def json_dumps(value: Any, **options: Any) -> str:
    """json.dumps with every control escaped, DEL and C1 included: valid JSON a terminal can show."""
    text = json.dumps(value, ensure_ascii=False, **options)
    if _JSON_RAW.search(text):  # only ever inside a string: escaping there keeps the JSON valid
        text = _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text


def _plain(match: "re.Match[str]") -> str:
    return placeholder(match.group())


def _dimmed(match: "re.Match[str]") -> str:
    return f"{DIM}{placeholder(match.group())}{RESET}"
