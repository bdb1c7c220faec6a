"""The emulator's streamed answers: Server-Sent Events over a chunked or close-delimited body, in
the framings and with the mid-stream faults a test or a person can ask for."""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from lowrouter_cli.emulator.answers import Generation
from lowrouter_cli.emulator.scenarios import Fault


def send_stream(handler: Any, gen: Generation, fault: Fault, include_usage: bool) -> None:
    """The answer as Server-Sent Events, framed as the fault asks (CRLF, one byte a write, …)."""
    framing = fault.name
    close_delimited = framing == "close_delimited"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream")
    handler.send_header("Cache-Control", "no-cache")
    handler.send_header("X-LowRouter-Generation-Id", gen.generation_id)
    if close_delimited:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    else:
        handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    newline = {"crlf": "\r\n", "cr": "\r"}.get(framing, "\n")
    write = _writer(handler, chunked=not close_delimited, one_byte=framing == "onebyte",
                    split_utf8=framing == "split_utf8")
    delay = fault.number("chunk_delay", 0)
    try:
        if framing == "bom":
            write(b"\xef\xbb\xbf")
        write(f": LOWROUTER PROCESSING{newline}{newline}".encode())
        if framing == "keepalive":
            for _ in range(int(fault.number("count", 3))):
                handler.state.stopping.wait(fault.number("interval", 0.5))
                write(f": keep-alive{newline}{newline}".encode())
        after = int(fault.number("after", 3))
        for index, chunk in enumerate(gen.chunks(with_finish=framing != "no_finish", with_usage=include_usage)):
            if index == after + 1 and framing in ("midstream_error", "drop"):
                break
            if index == after + 1 and framing == "malformed":
                write(MALFORMED[fault.params.get("kind", "not_json")].replace("\n", newline).encode())
            write(_event(chunk, newline, multiline=framing == "multiline"))
            if delay:
                time.sleep(delay)
        if framing == "midstream_error":
            error: dict[str, Any] = {
                "error": {"code": int(fault.params.get("code", 502)) if fault.params.get("code", "502").isdigit()
                          else fault.params["code"],
                          "message": fault.params.get("message", "Provider disconnected mid-stream"),
                          "metadata": {"error_type": "provider_error"}},
                "lowrouter": {"generation_id": gen.generation_id},
            }
            if fault.flag("choices", True):
                error["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
            write(_event(error, newline))
            handler._store(gen, streamed=True, cancelled=False, finish_reason="error")
        elif framing == "drop":
            handler._store(gen, streamed=True, cancelled=True, finish_reason=None)
            handler._drop(None)
            return
        else:
            write(f"data: [DONE]{newline}{newline}".encode())
            handler._store(gen, streamed=True, cancelled=False,
                        finish_reason=None if framing == "no_finish" else gen.finish_reason)
        if not close_delimited:
            handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        # The client closed the connection: that cancels the generation (and its billing).
        with handler.state.lock:
            handler.state.cancelled.append(gen.generation_id)
        handler._store(gen, streamed=True, cancelled=True, finish_reason=None)
        handler.close_connection = True

def _writer(handler: Any, *, chunked: bool, one_byte: bool, split_utf8: bool) -> Callable[[bytes], None]:
    def send(data: bytes) -> None:
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

    def write(data: bytes) -> None:
        if one_byte:
            for i in range(len(data)):
                send(data[i : i + 1])
        elif split_utf8:
            # Cut inside the first multi-byte character, if there is one.
            cut = next((i + 1 for i, b in enumerate(data) if b >= 0xC0), len(data) // 2)
            send(data[:cut])
            send(data[cut:])
        else:
            send(data)

    return write


# Data a gateway should never send: `[[fault:malformed kind=K after=N]]` slips one in after N chunks.
MALFORMED = {
    "not_json": 'data: {"choices": [{"delta": {"content": " lost"\n\n',
    "not_object": "data: [1, 2, 3]\n\n",
    "choices": 'data: {"choices": {"0": {"delta": {"content": " lost"}}}}\n\n',
    "content": 'data: {"choices": [{"index": 0, "delta": {"content": 42}, "finish_reason": null}]}\n\n',
}


def _event(payload: Any, newline: str, multiline: bool = False) -> bytes:
    text = json.dumps(payload, ensure_ascii=False)
    if multiline and "," in text:
        # The same JSON over two data: lines; the decoder joins them with "\n", which JSON allows.
        head, tail = text.split(",", 1)
        text = f"{head},{newline}data: {tail}"
    return f"data: {text}{newline}{newline}".encode("utf-8")
