"""An open streamed response, read as bytes arrive: urllib3's public read_chunked() (read1() for a
body without chunks), which never waits for a buffer to fill, plus whatever else has already arrived, so the decoder runs once per wake-up
rather than once per HTTP chunk. close() drops the connection at once."""

from __future__ import annotations

import functools
import select
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import urllib3.exceptions

from lowrouter_cli.decoding import decoder_for
from lowrouter_cli.errors import LowRouterError, NetworkError, TruncatedAnswer

STREAM_READ_SIZE = 65536


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
    before_wait: Callable[[], None] | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[bytes]:
        decoder = decoder_for(self.headers.get("Content-Encoding"))  # gzip'd streams too, in bounded pieces
        try:
            for data in self._blocks():
                yield from decoder.feed(data)
            decoder.end()
        finally:
            if self.log:
                self.log(f"< ({self.bytes_received} bytes received)")

    def _blocks(self) -> Iterator[bytes]:
        """One block per wake-up: a blocking read, then every read the socket can serve at once.
        `before_wait` runs before each blocking read (the writer flushes there)."""
        raw = self._response.raw
        arrived = _readable_now(raw)
        # A chunked body read through read_chunked's one generator costs less per HTTP chunk than a
        # read1() call each; both return at most one chunk (and never wait for a second).
        read = functools.partial(next, raw.read_chunked(STREAM_READ_SIZE, decode_content=False), b"") \
            if raw.chunked and raw.supports_chunked_reads() else \
            functools.partial(raw.read1, STREAM_READ_SIZE, decode_content=False)
        ended: LowRouterError | bool = False
        while not ended:
            if self.before_wait is not None:
                self.before_wait()
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


def _readable_now(raw: Any) -> Callable[[], bool]:
    """Whether the response's socket has bytes waiting (a read would not block on the network)."""
    try:
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN)
    except (OSError, ValueError, AttributeError):
        return lambda: False
    return lambda: bool(poller.poll(0))
