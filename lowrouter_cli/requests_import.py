"""requests, imported without a character-set detector.

requests imports charset_normalizer (or chardet) at start-up, about 10 ms of every command that
sends, for one thing: guessing the encoding of a body that names none when `Response.text` is read.
lowrouter never reads `.text`: every body is read as bytes and decoded by its own reader
(jsontext.py, sse.py, http_failures.py), as the contract's UTF-8.
requests runs without a detector by design (`apparent_encoding` is then "utf-8") and warns that
none was found; the import below makes both unavailable to it, silences that one warning, and then
takes the blocks away, so nothing else in the process is denied the modules.
"""

from __future__ import annotations

import sys
import warnings

_BLOCKED = [name for name in ("chardet", "charset_normalizer") if name not in sys.modules]
for _name in _BLOCKED:
    sys.modules[_name] = None  # type: ignore[assignment]  # None in sys.modules: the import fails
try:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unable to find acceptable character detection")
        import requests
finally:
    for _name in _BLOCKED:
        if sys.modules.get(_name, False) is None:
            del sys.modules[_name]

__all__ = ["requests"]
