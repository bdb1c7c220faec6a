"""An open streamed response, read as bytes arrive. Each read takes whatever the socket has (up to
64 kB: many SSE events at once under load, one when the gateway is slower than we are), undoes the
chunked framing of all of it in one pass, and hands the body bytes on: the decoder above runs once
per read, never once per HTTP chunk. `before_wait` runs before every read (the writer flushes
there), so no byte already read waits on a later one; when it returns a number of seconds (a live
view holding tokens until its next frame), the wait for bytes lasts that long at most and it is
called again: frames fall due on the reading thread, with no timer thread to wake.
close() drops the connection at once."""

from __future__ import annotations

import functools
import math
import select
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import urllib3.exceptions

from lowrouter_cli.decoding import decoder_for
from lowrouter_cli.errors import LowRouterError, NetworkError, TruncatedAnswer
from lowrouter_cli.http_adapter import body_file

STREAM_READ_SIZE = 65536
MAX_CHUNK_LINE = 65536  # a chunk-size line (with its extensions), as http.client allows


@dataclass
class ByteStream:
    """An open streamed response. Iterate for byte chunks as they arrive; close() drops the
    connection at once, which cancels the generation at the gateway."""

    status: int
    headers: Mapping[str, str]
    _response: Any = field(repr=False)
    log: Callable[[str], None] | None = field(default=None, repr=False)
    timeout: float = 0.0
    bytes_received: int = 0
    before_wait: Callable[[], float | None] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[bytes]:
        decoder = decoder_for(self.headers.get("Content-Encoding"))  # gzip'd streams too, in bounded pieces
        raw = self._response.raw
        socket_file = body_file(raw)
        blocks = self._library_blocks(raw) if socket_file is None else self._socket_blocks(raw, socket_file)
        try:
            if type(decoder).feed is _IDENTITY_FEED:  # no Content-Encoding: no generator per block
                yield from blocks
            else:
                for data in blocks:
                    yield from decoder.feed(data)
                decoder.end()
        finally:
            if self.log:
                self.log(f"< ({self.bytes_received} bytes received)")

    def _socket_blocks(self, raw: Any, socket_file: Any) -> Iterator[bytes]:
        """One block per read of the socket file (buffered reader.read1: what is there, or one
        wait for the next bytes), its framing undone: chunked, Content-Length or to the close."""
        read = functools.partial(socket_file.read1, STREAM_READ_SIZE)
        framing = Dechunker() if raw.chunked else Counted(raw.length_remaining)
        readable_within = _readable_within(raw)
        while not framing.done:
            # Watching the socket is enough: read1 on an empty buffer reads the socket straight into
            # its result, so once the header's leftovers are read (before any token is held) the
            # file's buffer stays empty.
            self._wait(readable_within)
            data = self._read(read)
            if not data:
                framing.at_close()  # raises when the body stopped short
                return
            body = framing.feed(data)
            if body:
                self.bytes_received += len(body)
                yield body
            if framing.error is not None:  # after the bytes before it are passed on
                raise framing.error

    def _library_blocks(self, raw: Any) -> Iterator[bytes]:
        """Through urllib3 alone (a connection that is not ours: a SOCKS proxy), one block per
        wake-up: a blocking read, then every read the socket can serve at once."""
        readable_within = _readable_within(raw)
        arrived = (lambda: readable_within(0)) if readable_within is not None else (lambda: False)
        read = functools.partial(next, raw.read_chunked(STREAM_READ_SIZE, decode_content=False), b"") \
            if raw.chunked and raw.supports_chunked_reads() else \
            functools.partial(raw.read1, STREAM_READ_SIZE, decode_content=False)
        ended: LowRouterError | bool = False
        while not ended:
            self._wait(readable_within)
            data = self._read(read)
            if not data:
                return
            parts, size = [data], len(data)
            while size < STREAM_READ_SIZE and arrived():
                try:
                    more = self._read(read)
                except LowRouterError as error:  # after the bytes before it are passed on
                    ended = error
                    break
                if not more:
                    ended = True
                    break
                parts.append(more)
                size += len(more)
            if len(parts) > 1:
                data = b"".join(parts)
            self.bytes_received += size
            yield data
        if isinstance(ended, LowRouterError):
            raise ended

    def _wait(self, readable_within: Callable[[float], bool] | None) -> None:
        """Run before_wait; while it asks to run again within some seconds, wait for bytes that
        long at most (readable_within is None only for a socket that can't be watched)."""
        if self.before_wait is None:
            return
        again_in = self.before_wait()
        while again_in is not None and readable_within is not None and not readable_within(again_in):
            again_in = self.before_wait()

    def _read(self, read: Callable[[], bytes]) -> bytes:
        try:
            return read()  # not decoded here: gzip is decoded above, in bounded pieces
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise NetworkError(f"no data from the gateway for {self.timeout:g} s (--timeout)") from None
        except LowRouterError:  # SIGTERM arrives as one, raised from inside the read
            raise
        except Exception:  # reset, IncompleteRead, a closed socket: the answer is cut short
            raise TruncatedAnswer("answer truncated: the connection was lost mid-answer") from None

    def close(self) -> None:
        try:
            self._response.raw.shutdown()  # unblocks a read in progress, from any thread
        except Exception:
            pass
        try:
            self._response.close()
        except Exception:
            pass


def _cut_short() -> TruncatedAnswer:
    return TruncatedAnswer("answer truncated: the connection was lost mid-answer")


class Dechunker:
    """A chunked body's bytes from its framing, fed as it arrives (chunks cut anywhere). A chunk's
    bytes are passed on as they come, not held until it is whole; framing that is not HTTP's ends
    the body with `error` set, after the bytes before it. Lenient where urllib3 is: extensions are
    ignored, the two bytes after a chunk are skipped unread, trailers are never read."""

    def __init__(self) -> None:
        self.done = False
        self.error: TruncatedAnswer | None = None
        self._left = 0  # bytes of the current chunk still to come
        self._skip = 0  # bytes of the CRLF after a chunk still to come
        self._line = b""  # the start of a chunk-size line cut by a read
        self._sizes: dict[bytes, int] = {}

    def feed(self, data: bytes) -> bytes:
        if self._line:  # a size line cut by the last read: join it to the rest (at most 64 kB)
            data, self._line = self._line + data, b""
        pieces: list[bytes] = []
        append, find, sizes = pieces.append, data.find, self._sizes
        position, size, left, skip = 0, len(data), self._left, self._skip  # locals: once per chunk
        while position < size:
            if left:  # a chunk cut by a read
                piece = data[position:position + left]
                append(piece)
                position += len(piece)
                left -= len(piece)
                if left:
                    break
                skip = 2
            if skip:
                skipped = min(skip, size - position)
                position += skipped
                skip -= skipped
                continue
            end = find(b"\n", position)
            if end < 0:
                self._line = data[position:]
                if len(self._line) > MAX_CHUNK_LINE:
                    self._fail()
                break
            line = data[position:end]
            left = sizes.get(line)  # a stream repeats a few hundred sizes: parsed once each
            if left is None:
                left = _chunk_size(line)
                if left is not None and len(sizes) < 4096 and len(line) <= 32:  # never a long extension
                    sizes[line] = left
            position = end + 1
            if not left:
                if left is None:
                    self._fail()
                else:
                    self.done = True  # the last chunk: what follows (trailers) is never read
                left = 0
                break
            stop = position + left
            if stop + 2 <= size:  # the whole chunk and the CRLF after it: nearly every chunk
                append(data[position:stop])
                position, left = stop + 2, 0
        self._left, self._skip = left, skip
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def at_close(self) -> None:
        raise _cut_short()  # the connection closed before the last chunk

    def _fail(self) -> None:
        self.done, self.error = True, _cut_short()


def _chunk_size(line: bytes) -> int | None:
    """The size on a chunk-size line ("1a", "1a;ext=1", "1a\\r"), or None when it is not one."""
    digits = line.split(b";", 1)[0].strip()
    if not digits or digits.strip(b"0123456789abcdefABCDEF") or len(digits.lstrip(b"0")) > 16:
        return None  # leading zeros are HTTP too (1*HEXDIG): only past 64 bits is a size too big
    return int(digits, 16)


class Counted:
    """A body of known length (Content-Length), or one that runs to the connection's close (None)."""

    def __init__(self, length: int | None) -> None:
        self._left = length
        self.done = length == 0
        self.error: TruncatedAnswer | None = None

    def feed(self, data: bytes) -> bytes:
        if self._left is None:
            return data
        data = data[:self._left]
        self._left -= len(data)
        self.done = not self._left
        return data

    def at_close(self) -> None:
        if self._left:
            raise _cut_short()  # fewer bytes than Content-Length said


def _readable_within(raw: Any) -> Callable[[float], bool] | None:
    """seconds -> whether the response's socket has bytes to read within that time (a TLS record
    already decrypted counts); None when the socket can't be watched."""
    try:
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN)
    except (OSError, ValueError, AttributeError):
        return None
    pending = getattr(getattr(getattr(raw, "connection", None), "sock", None), "pending", None)

    def readable_within(seconds: float) -> bool:
        if pending is not None and pending():
            return True
        return bool(poller.poll(math.ceil(max(0.0, seconds) * 1000)))

    return readable_within


_IDENTITY_FEED = decoder_for(None).feed.__func__
