"""Paragraphs of plain words printed exactly as rich prints them, without importing rich.

rich, markdown-it and pygments take about 50 ms to import, more than everything else a short
answer on a terminal costs. Much prose needs none of them: paragraphs whose lines are words of
ASCII letters, digits and punctuation that Markdown leaves alone come out of rich's Markdown as
the words wrapped at the screen's edge (greedy, a word goes down when it would pass the edge),
each row padded with spaces to the width, paragraphs apart by one empty line, and no escape code
in any colour system. Anything else returns None (rich renders it), and `needs_rich` tells the
live view to load rich early, before a block that needs it is finished.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A line that can only be more of a paragraph: it starts with a letter (no list, heading, quote,
# table, fence, setext underline, indented code or HTML can start so) and holds no character an
# inline rule acts on (*_`[]<>&\~|#!) nor a run of spaces (a hard break, an uneven wrap).
_CHARACTERS = r"A-Za-z0-9.,;:?'\"()/%+=$@\-"
_PLAIN_LINE = re.compile(rf"[A-Za-z][{_CHARACTERS}]*(?: [{_CHARACTERS}]+)*")
# What makes rich needed: any other character, a line starting with anything but a letter, two
# spaces, a space ending a line.
_NEEDS_RICH = re.compile(rf"[^{_CHARACTERS} \n]|\n[^A-Za-z\n]|  | \n")
_WORDS = re.compile(rf"[{_CHARACTERS} ]*")


class Block(NamedTuple):
    """A top-level block as live_markdown cuts them (the fields of markdown-it's token it reads)."""

    type: str
    map: list[int]
    level: int = 0
    nesting: int = 1
    markup: str = ""


def needs_rich(text: str) -> bool:
    """Whether `text` (with the character before it, a newline at the answer's start) holds
    anything a plain paragraph can't."""
    return _NEEDS_RICH.search(text) is not None


def plain_words(text: str) -> bool:
    """Whether `text` (with the character before it) is words and single spaces of the characters
    a plain paragraph holds as they are: needs_rich is False for it (the common case, told in one
    pass)."""
    return _WORDS.fullmatch(text) is not None and "  " not in text


def plain_blocks(source: str) -> list[Block] | None:
    """The paragraphs of `source` as markdown-it maps them (line ranges), when every line is
    blank or a plain line; else None."""
    blocks: list[Block] = []
    start = None
    lines = source.split("\n")
    for number, line in enumerate(lines):
        if not line:
            if start is not None:
                blocks.append(Block("paragraph_open", [start, number]))
                start = None
        elif _PLAIN_LINE.fullmatch(line):
            if start is None:
                start = number
        else:
            return None
    if start is not None:
        blocks.append(Block("paragraph_open", [start, len(lines)]))
    return blocks


def render_plain_paragraphs(source: str, width: int) -> str | None:
    """What rich prints for `source` as Markdown at `width` columns, when it is plain paragraphs
    (and no word is wider than the screen: rich would cut it); else None."""
    blocks = plain_blocks(source)
    if not blocks:
        return None
    lines = source.split("\n")
    printed = []
    for block in blocks:
        words = " ".join(lines[block.map[0]:block.map[1]]).split(" ")  # a line break is a space
        if max(map(len, words)) > width:  # (at width 0 or less, always)
            return None
        rows, row = [], words[0]
        for word in words[1:]:
            if len(row) + 1 + len(word) > width:
                rows.append(row)
                row = word
            else:
                row += " " + word
        rows.append(row)
        printed.append("".join(row.ljust(width) + "\n" for row in rows))
    return "\n".join(printed)
