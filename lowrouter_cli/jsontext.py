"""JSON from the network or disk, made safe where it becomes Python objects.

Sizes are capped (a JSON body at 32 MiB, one SSE line or event at 16 MiB); numbers stay bounded
(NaN, Infinity and 1e999 read as null, an integer of more than 40 digits as a float, which the
edge then treats as the wrong type); nesting deeper than Python can follow is not JSON; and text that will
be printed or written has its lone UTF-16 surrogates replaced by U+FFFD.
"""

from __future__ import annotations

import functools
import json
import json.decoder
import math
import re
from typing import Any

from lowrouter_cli.errors import GatewayError

MiB = 1024 * 1024
MAX_JSON_BYTES = 32 * MiB
MAX_EVENT_BYTES = 16 * MiB
MAX_INT_DIGITS = 40

_SURROGATE = re.compile("[\ud800-\udfff]")


MAX_JSON_CONTAINERS = 200_000  # objects and arrays in one document
MAX_JSON_ITEMS = 1_000_000  # separated values (commas) in one document


class TooLarge(GatewayError):
    """More data than a cap allows: the message names the cap."""


def check_count(raw: bytes | str) -> None:
    """Bytes are not memory: 32 MiB of `[{},{},…]` parse into 5 million dicts (over 500 MiB).
    Past 1 MiB, count the brackets and commas (a C-speed scan; those inside strings count too,
    which only errs on the safe side) and refuse what would not fit in memory."""
    if len(raw) <= MiB:
        return
    brace, bracket, comma = ("{", "[", ",") if isinstance(raw, str) else (b"{", b"[", b",")
    if raw.count(brace) + raw.count(bracket) > MAX_JSON_CONTAINERS or raw.count(comma) > MAX_JSON_ITEMS:
        raise TooLarge(f"a JSON document holds more than {MAX_JSON_CONTAINERS:,} objects and arrays or "
                       f"{MAX_JSON_ITEMS:,} values (the cap on JSON values)")


def _bounded_int(text: str) -> Any:
    # Past 40 digits an integer is no count we use; past 4300 Python refuses to parse it at all.
    return int(text) if len(text) <= MAX_INT_DIGITS else _bounded_float(text)


def _bounded_float(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None  # 1e999 is Infinity: left out too


def _no_constant(name: str) -> None:
    return None  # NaN, Infinity, -Infinity: not numbers we can show or write


def loads(raw: bytes | str) -> Any:
    """The JSON value, or raise ValueError when it is not JSON we can hold (TooLarge when it has
    more values than memory allows: see check_count)."""
    check_count(raw)
    try:
        if isinstance(raw, str):  # a stream's every event: one decoder, not one per call
            return _decoder().decode(raw)
        return json.loads(raw, parse_int=_bounded_int, parse_float=_bounded_float,
                          parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


@functools.lru_cache(maxsize=None)
def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_int=_bounded_int, parse_float=_bounded_float, parse_constant=_no_constant)


def loads_or_none(raw: bytes | str) -> Any:
    """The JSON value, or None when it is empty, not JSON, or nested too deeply."""
    if not raw:
        return None
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def dumps(value: Any, **options: Any) -> str:
    """JSON text of a value that came from loads(): never NaN; ValueError when too deep to write."""
    try:
        return json.dumps(value, allow_nan=False, **options)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def clean_text(text: str) -> str:
    """Lone surrogates (from "\\ud83d" escapes) can't be encoded: U+FFFD instead."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def ends_with_high_surrogate(text: str) -> bool:
    return bool(text) and "\ud800" <= text[-1] <= "\udbff"


def finite(value: Any) -> float | None:
    """A finite float from a JSON number (or numeric string), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if len(value) > 64:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def count(value: Any) -> int | None:
    """A non-negative integer (a token count), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**MAX_INT_DIGITS:
        return value
    return None


class StringSlot:
    """Documents that differ from a known one only in one string value (a stream's chunks: the
    same id, model and shape every time, another token), read by checking that a text starts and
    ends as the known one did and parsing the string between, in C: what loads() would give,
    without building the rest again. string_slot() finds the slot and proves it."""

    def __init__(self, prefix: str, suffix: str) -> None:
        self.prefix, self.suffix = prefix, suffix
        self._start = len(prefix)

    def value(self, text: str) -> str | None:
        """The string in the slot, or None when `text` is not the known document around one string."""
        if len(text) > MiB or not text.startswith('"', self._start) \
                or not text.startswith(self.prefix) or not text.endswith(self.suffix):
            return None  # past 1 MiB loads() counts brackets first (check_count): leave it to loads()
        try:
            value, after = _scan_string(text, self._start + 1, True)  # strict, as loads() is
        except ValueError:
            return None
        return value if after == len(text) - len(self.suffix) else None  # one string, all of the middle


_scan_string = json.decoder.scanstring


def string_slot(text: str, path: tuple[Any, ...]) -> StringSlot | None:
    """The slot of the string at `path` in the JSON `text`, proven: the text with another string
    there parses to the same document with only that string changed. None when there is none
    (or the text is past 16 kB: learning costs a parse per candidate)."""
    document = loads_or_none(text) if len(text) <= 16384 else None
    value = _at(document, path)  # no string equals it unless it is one
    other = "\u2603" if value != "\u2603" else "\u2604"
    candidates = 4  # strings equal to the value, each proven by a parse: a few, however many there are
    for match in _VALUE_STRING.finditer(text):  # a string after a colon: a value, not a key
        quote = match.end() - 1
        try:
            found, after = _scan_string(text, quote + 1, True)
        except ValueError:
            continue
        if found == value:
            if not candidates:
                return None
            candidates -= 1
            prefix, suffix = text[:quote], text[after:]
            changed = loads_or_none(prefix + json.dumps(other) + suffix)
            if _replaced(document, path, other) == changed:
                return StringSlot(prefix, suffix)
    return None


_VALUE_STRING = re.compile(r':[ \t\n\r]*"')


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(step, int) and isinstance(document, list) and 0 <= step < len(document):
            document = document[step]
        elif isinstance(step, str) and isinstance(document, dict):
            document = document.get(step)
        else:
            return None
    return document


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of `document` with the value at `path` replaced (the path is known to be there)."""
    if not path:
        return value
    copy = list(document) if isinstance(document, list) else dict(document)
    copy[path[0]] = _replaced(document[path[0]], path[1:], value)
    return copy
