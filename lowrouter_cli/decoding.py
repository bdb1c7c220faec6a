"""Content-Encoding undone in bounded steps: no piece of output is ever larger than STEP bytes,
however much a few compressed bytes expand to, so a cap can stop a decompression bomb early.

Knows gzip, deflate (zlib-wrapped or raw) and, when the Brotli package is installed, br.
"""

from __future__ import annotations

import zlib
from typing import Any, Iterator

from lowrouter_cli.errors import GatewayError

STEP = 256 * 1024  # largest piece of decoded output at a time


class Decoder:
    """Feed compressed bytes, iterate the decoded pieces (each at most STEP bytes)."""

    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def end(self) -> None:
        """The body is over: raise if it stopped inside a compressed stream."""


class _Zlib(Decoder):
    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._obj = zlib.decompressobj(wbits)
        self._first = True
        self._inside = False  # bytes of a compressed stream seen, but not its end

    def end(self) -> None:
        if self._inside:
            raise GatewayError("the gateway's compressed body is corrupt (it stops mid-stream)")

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._obj.decompress(data, STEP)
            except zlib.error:
                if self._first and self._wbits == zlib.MAX_WBITS:  # "deflate" sent raw, without zlib's header
                    self._wbits = -zlib.MAX_WBITS
                    self._obj = zlib.decompressobj(self._wbits)
                    continue
                raise GatewayError("the gateway's compressed body is corrupt") from None
            self._first, self._inside = False, True
            data = self._obj.unconsumed_tail
            if self._obj.eof:  # gzip allows several members, one after the other
                data = self._obj.unused_data
                self._obj = zlib.decompressobj(self._wbits)
                self._first, self._inside = True, False
            if piece:
                yield piece


class _Brotli(Decoder):
    def __init__(self, brotli: Any) -> None:
        self._error = brotli.error
        self._obj = brotli.Decompressor()

    def end(self) -> None:
        if hasattr(self._obj, "is_finished") and not self._obj.is_finished():
            raise GatewayError("the gateway's compressed body is corrupt (it stops mid-stream)")

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            piece = self._obj.process(data, output_buffer_limit=STEP)
            while piece:
                yield piece
                if self._obj.can_accept_more_data():
                    return
                piece = self._obj.process(b"", output_buffer_limit=STEP)
        except self._error:
            raise GatewayError("the gateway's compressed body is corrupt") from None


def _brotli() -> Any:
    try:
        import brotli
    except ImportError:
        return None
    # Only a Brotli that can bound its output (1.2+); an older one could expand without limit.
    return brotli if hasattr(brotli.Decompressor(), "can_accept_more_data") else None


def accept_encoding() -> str:
    """What we ask for: only the encodings we can undo in bounded steps."""
    return "gzip, deflate, br" if _brotli() else "gzip, deflate"


def decoder_for(content_encoding: str | None) -> Decoder:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return Decoder()
    if len(codings) > 1:
        raise GatewayError(f"the gateway sent a body with several encodings ({content_encoding}): not supported")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    if coding == "br" and _brotli():
        return _Brotli(_brotli())
    raise GatewayError(f"the gateway sent a body in an encoding lowrouter can't read ({coding})")
