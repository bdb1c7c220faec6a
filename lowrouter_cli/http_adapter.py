"""A requests adapter whose responses skip every interim 1xx response (103 Early Hints…), not only
100 Continue as http.client does, so a gateway's hints never stand in for its answer; and whose
header block must end in a blank line, never in the connection closing. Its connections also say
which buffered socket file a response's body is read from (body_file), so a stream can take what
the socket has in one read rather than one HTTP chunk per call."""

from __future__ import annotations

import http.client
import weakref
from typing import Any

import lowrouter_cli.requests_import  # noqa: F401  (before requests: see there)
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.poolmanager


class _HeaderLines:
    """The socket file while the status line and headers are read: notes an end of file, which
    http.client would take for the end of the headers."""

    def __init__(self, fp: Any) -> None:
        self.fp, self.ended = fp, False

    def readline(self, limit: int = -1) -> bytes:
        line = self.fp.readline(limit)
        self.ended = self.ended or not line.endswith(b"\n")
        return line

    def __getattr__(self, name: str) -> Any:  # close() and the rest, as the file has them
        return getattr(self.fp, name)


class _FinalResponse(http.client.HTTPResponse):
    """http.client skips only 100 Continue: skip every interim 1xx (103 Early Hints…) too. And a
    header block cut short by the connection closing is no response at all."""

    def begin(self) -> None:
        original, self.fp = self.fp, _HeaderLines(self.fp)
        lines = self.fp
        try:
            super().begin()
        finally:
            if self.fp is lines:  # not if http.client closed it (self.fp is None then)
                self.fp = original
        if lines.ended:
            raise http.client.RemoteDisconnected("the connection closed inside the response headers")

    def socket_file(self) -> Any:
        """The buffered socket file the body is read from (None once closed)."""
        return self.fp

    def _read_status(self) -> Any:
        for _ in range(16):
            version, status, reason = super()._read_status()
            if not (100 < status < 200 and status != 101):
                return version, status, reason
            for _ in range(http.client._MAXHEADERS + 1):  # the interim response's headers
                line = self.fp.readline(http.client._MAXLINE + 1)
                if line in (b"\r\n", b"\n", b""):
                    break
        raise http.client.HTTPException("too many interim (1xx) responses")


class _KnowsItsBody:
    """Keeps, for the last response it returned, the http.client response under it (ours, which
    names the buffered socket file the body comes from): urllib3 offers no public way to that file."""

    _made: _FinalResponse | None = None
    _last: tuple[Any, _FinalResponse] | None = None  # (weak reference to the urllib3 response, ours)

    def response_class(self, *args: Any, **kwargs: Any) -> _FinalResponse:  # what http.client calls
        self._made = _FinalResponse(*args, **kwargs)
        return self._made

    def getresponse(self) -> Any:
        response = super().getresponse()  # type: ignore[misc]
        if self._made is not None:
            self._last, self._made = (weakref.ref(response), self._made), None
        return response

    def body_file_of(self, response: Any) -> Any:
        last = self._last
        return last[1].socket_file() if last is not None and last[0]() is response else None


class _HTTPConnection(_KnowsItsBody, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_KnowsItsBody, urllib3.connection.HTTPSConnection):
    pass


def body_file(response: Any) -> Any:
    """The buffered socket file (read1() gives what has arrived) that `response`, a urllib3
    response on one of our connections, reads its body from; None on any other connection."""
    body_file_of = getattr(getattr(response, "connection", None), "body_file_of", None)
    return body_file_of(response) if body_file_of is not None else None


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class FinalResponseAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        _use_final_response(self.poolmanager)

    def proxy_manager_for(self, proxy: Any, **kwargs: Any) -> Any:
        return _use_final_response(super().proxy_manager_for(proxy, **kwargs))


def _use_final_response(manager: Any) -> Any:
    if type(manager) in (urllib3.poolmanager.PoolManager, urllib3.poolmanager.ProxyManager):  # not SOCKS
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager
