"""Server-Sent Events decoding by the WHATWG rules: bytes in, events out.

Knows nothing of HTTP or JSON. Feed it bytes as they arrive; it returns every event completed by
them at once, so nothing waits for bytes that may never come. Lines are split on bytes (CR, LF or
CRLF; a CRLF may straddle two feeds), never with str.splitlines(), which would also split on
U+2028 inside JSON. A multi-byte character split across feeds is decoded once its line is whole.
"""

from __future__ import annotations

from typing import NamedTuple

_BOM = b"\xef\xbb\xbf"
MAX_EVENT_BYTES = 16 * 1024 * 1024  # one line, or one event's data lines together


class EventTooLarge(ValueError):
    """A line or event past MAX_EVENT_BYTES: a stream that would otherwise grow without end."""


class Event(NamedTuple):  # a tuple: cheap to make, and a stream makes one per token
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    def __init__(self) -> None:
        self._buffer = b""  # the unfinished line: kept in self._pending while it grows
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._data_size = 0
        self._skip_lf = False  # the last line ended in CR: an LF starting the next feed is its pair
        self._at_start = True  # a BOM is only skipped at the very start of the stream
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None
        self.comments = 0  # keep-alive comments seen; they prove the connection is alive

    def feed(self, chunk: bytes) -> list[Event]:
        buffer = self._complete_lines(chunk)
        if buffer is None:
            return []
        plain = self._plain_events(buffer)
        if plain is None:
            return self._lines(buffer)
        data, last_id, retry = plain
        return [Event(value, "message", last_id, retry) for value in data]

    def feed_data(self, chunk: bytes) -> list[str]:
        """What feed() returns, as the data of each event alone (all a JSON stream reads)."""
        buffer = self._complete_lines(chunk)
        if buffer is None:
            return []
        plain = self._plain_events(buffer)
        return [event.data for event in self._lines(buffer)] if plain is None else plain[0]

    def _complete_lines(self, chunk: bytes) -> bytes | None:
        """The bytes to split into lines, once `chunk` ends a line; None while none is complete."""
        if not chunk:
            return None
        if self._at_start:
            chunk = self._strip_bom(chunk)
            if not chunk:
                return None
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if b"\n" not in chunk and b"\r" not in chunk:
            # No line ends here: keep the piece without copying what came before, so a long line
            # costs time linear in its length.
            self._pending_size += len(chunk)
            if self._pending_size + len(self._buffer) > MAX_EVENT_BYTES:
                raise EventTooLarge(f"a stream line is longer than {MAX_EVENT_BYTES >> 20} MiB")
            self._pending.append(chunk)
            return None
        if self._pending:  # one copy of the long line, not two
            buffer = b"".join([self._buffer, *self._pending, chunk])
            self._pending, self._pending_size = [], 0
        else:
            buffer = self._buffer + chunk if self._buffer else chunk
        self._buffer = b""
        return buffer

    def _plain_events(self, buffer: bytes) -> tuple[list[str], str | None, int | None] | None:
        """The common stream, decoded in C rather than line by line: when every event ended in
        `buffer` is one `data: ` line (LF line ends, nothing carried over), their data with the
        id and retry they were sent under; the lines after the last event only start the next
        one. None: take the general path."""
        end = buffer.rfind(b"\n\n")
        if end < 0 or self._data or self._event or len(buffer) > MAX_EVENT_BYTES or b"\r" in buffer:
            return None
        text = str(buffer[:end], "utf-8", "replace")
        separators = text.count("\n\n")
        # No newline but the separators', and every piece between them starts "data: ".
        if text.count("\n") != 2 * separators or not text.startswith("data: ") \
                or text.count("\n\ndata: ") != separators:
            return None
        self._id, retry = self._last_id, self._retry
        if end + 2 < len(buffer):
            self._lines(buffer[end + 2:])  # ends no event: it holds no blank line
        return text[6:].split("\n\ndata: "), self._id, retry

    def _lines(self, buffer: bytes) -> list[Event]:
        events: list[Event] = []
        if b"\r" not in buffer:
            # The common case, LF line ends only: split once instead of searching line by line.
            *lines, self._buffer = buffer.split(b"\n")
            for line in lines:
                event = self._process_line(line)
                if event is not None:
                    events.append(event)
            self._check_buffer()
            return events
        start = 0
        length = len(buffer)
        while start < length:
            cr = buffer.find(b"\r", start)
            lf = buffer.find(b"\n", start)
            if cr == -1 and lf == -1:
                break
            if cr == -1 or (lf != -1 and lf < cr):
                end, next_start = lf, lf + 1
            elif cr + 1 < length:
                end = cr
                next_start = cr + 2 if buffer[cr + 1 : cr + 2] == b"\n" else cr + 1
            else:
                # A CR at the end of what we have: the line is complete now; an LF may follow.
                end, next_start = cr, cr + 1
                self._skip_lf = True
            event = self._process_line(buffer[start:end])
            if event is not None:
                events.append(event)
            start = next_start
        self._buffer = buffer[start:]
        self._check_buffer()
        return events

    def _check_buffer(self) -> None:
        if len(self._buffer) > MAX_EVENT_BYTES:
            raise EventTooLarge(f"a stream line is longer than {MAX_EVENT_BYTES >> 20} MiB")

    def end(self) -> None:
        """The stream is over. An unfinished event is dropped, as the standard says."""
        self._buffer = b""
        self._pending, self._pending_size = [], 0
        self._data, self._data_size = [], 0
        self._event = ""

    def _strip_bom(self, chunk: bytes) -> bytes:
        pending = self._buffer + chunk
        if len(pending) < len(_BOM) and _BOM.startswith(pending):
            self._buffer = pending  # could still be a BOM: wait for its other bytes
            return b""
        self._at_start = False
        self._buffer = b""
        return pending[len(_BOM) :] if pending.startswith(_BOM) else pending

    def _process_line(self, raw: bytes) -> Event | None:
        if not raw:
            return self._dispatch()
        if raw[:6] == b"data: ":  # nearly every line: skip the general parse
            value = raw[6:] if len(raw) < 65536 else memoryview(raw)[6:]  # no copy of a long line
            self._add_data(str(value, "utf-8", "replace"), len(raw))
            return None
        line = raw.decode("utf-8", errors="replace")
        if line.startswith(":"):
            self.comments += 1
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._add_data(value, len(raw))
        elif field == "event":
            self._event = value
        elif field == "id":
            if "\0" not in value:
                self._last_id = value
        elif field == "retry":
            if value.isascii() and value.isdigit() and len(value) <= 12:  # a sane number of ms, never 5000 digits
                self._retry = int(value)
        return None

    def _add_data(self, value: str, size: int) -> None:
        self._data_size += size
        if self._data_size > MAX_EVENT_BYTES:
            raise EventTooLarge(f"a stream event is longer than {MAX_EVENT_BYTES >> 20} MiB")
        self._data.append(value)

    def _dispatch(self) -> Event | None:
        self._id = self._last_id
        if not self._data:
            self._event = ""
            return None
        data = self._data[0] if len(self._data) == 1 else "\n".join(self._data)
        event = Event(data, self._event or "message", self._id, self._retry)
        self._data, self._data_size = [], 0
        self._event = ""
        return event
