"""The gateway as an object: a Client owns the transport (its session and the key) and offers the
gateway's operations as methods. Requests go out through the transport; what comes back is parsed
by api.py. Streams are context managers: leaving the block, by a `break` or an exception, closes
the connection, which cancels the generation at the gateway."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import quote

from lowrouter_cli import api
from lowrouter_cli.transport import Transport

if TYPE_CHECKING:
    from lowrouter_cli.records import GenerationRecord

GENERATION_HEADER = "X-LowRouter-Generation-Id"


class Client:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def complete(self, request: api.ChatRequest) -> api.ChatResult:
        """POST /chat/completions: the whole answer (an error inside a 200 body is raised)."""
        self._transport.require_key()
        response = self._transport.post_json("chat/completions", request.body())
        result = api.parse_completion(response.body)
        result.generation_id = result.generation_id or response.headers.get(GENERATION_HEADER)
        return result

    @contextmanager
    def stream(self, request: api.ChatRequest, *, keep_raw: bool = False) -> Iterator[api.ChatStream]:
        """POST /chat/completions with stream: the open stream, closed when the block is left.
        `keep_raw`: each chunk is yielded as received too (stream --json)."""
        self._transport.require_key()
        chat_stream = api.ChatStream(self._transport.open_stream("chat/completions", request.body(stream=True)),
                                     keep_raw=keep_raw)
        try:
            yield chat_stream
        finally:
            chat_stream.close()

    def list_models(self, etag: str | None = None) -> tuple[int, Any, str | None]:
        """GET /models, revalidating with If-None-Match: (status, body or None on 304, ETag)."""
        self._transport.require_key()
        response = self._transport.get_json("models", {"If-None-Match": etag} if etag else None)
        api.check_model_list(response.status, response.body)
        return response.status, response.body, response.headers.get("ETag")

    def get_generation(self, generation_id: str) -> "GenerationRecord":
        """GET /generation/{id}: the record, typed."""
        self._transport.require_key()
        from lowrouter_cli.records import parse_generation

        body = self._transport.get_json(f"generation/{quote(generation_id, safe='')}").body
        return parse_generation(body)
