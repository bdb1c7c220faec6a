"""Behaviours no other test pinned down: LOWROUTER_DEBUG, the --version text, LOWROUTER_MODELS_TTL,
a generation id sent only in a header, and an answer that dropped never asked for again."""

import io
import json
import re
import socket
import threading

import pytest

from lowrouter_cli import __version__

from conftest import TEST_KEY

# -- LOWROUTER_DEBUG ---------------------------------------------------------------------------------


class BrokenStdin(io.TextIOBase):
    """A stdin whose read fails in a way lowrouter has no name for: stands in for a bug."""

    def read(self, size=-1):
        raise RuntimeError("boom while reading")

    @property
    def buffer(self):
        return self


def test_a_bug_is_one_line_and_exit_1_and_the_traceback_only_with_lowrouter_debug(run_cli):
    quiet = run_cli("chat", stdin=BrokenStdin())
    assert quiet.returncode == 1
    assert quiet.stderr == "lowrouter: error: unexpected error: RuntimeError: boom while reading\n"
    debug = run_cli("chat", stdin=BrokenStdin(), env={"LOWROUTER_DEBUG": "1"})
    assert debug.returncode == 1
    first, second, *rest = debug.stderr.splitlines()
    assert first == quiet.stderr.rstrip("\n") and second == "Traceback (most recent call last):"
    assert rest[-1] == "RuntimeError: boom while reading" and 'in read' in debug.stderr
    assert TEST_KEY not in debug.stderr
    assert run_cli("chat", stdin=BrokenStdin(), env={"LOWROUTER_DEBUG": ""}).stderr == quiet.stderr


# -- --version ---------------------------------------------------------------------------------------


def test_version_prints_name_and_version_on_stdout(run_cli, run_process):
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    for result in (run_cli("--version"), run_process("--version")):  # cli.run, and the console fast path
        assert (result.returncode, result.stdout, result.stderr) == (0, f"lowrouter {__version__}\n", "")


# -- LOWROUTER_MODELS_TTL ----------------------------------------------------------------------------


def test_models_ttl_from_the_environment_config_and_default(run_cli, emulator):
    def fetches_at(seconds, *args, env=None):
        before = [r for r in emulator.state.requests if r["path"] == "/models"]
        result = run_cli("models", *args, env=env, wall_clock=lambda: 1_000_000.0 + seconds)
        assert result.returncode == 0, result.stderr
        after = [r for r in emulator.state.requests if r["path"] == "/models"]
        return len(after) - len(before)

    ttl = {"LOWROUTER_MODELS_TTL": "60"}
    assert fetches_at(0, env=ttl) == 1
    assert fetches_at(59, env=ttl) == 0
    assert fetches_at(61, env=ttl) == 1  # revalidated at 61 s: cached again from then
    assert emulator.state.requests[-1]["headers"].get("If-None-Match")
    assert fetches_at(61 + 3599) == 0 and fetches_at(61 + 3601) == 1  # default: an hour
    assert run_cli("config", "set", "models_ttl", "10").returncode == 0
    now = 61 + 3601
    assert fetches_at(now + 9) == 0 and fetches_at(now + 11) == 1
    assert fetches_at(now + 11 + 20, env={"LOWROUTER_MODELS_TTL": "100"}) == 0  # the environment wins
    bad = run_cli("models", env={"LOWROUTER_MODELS_TTL": "soon"})
    assert bad.returncode == 2 and "LOWROUTER_MODELS_TTL" in bad.stderr and bad.stderr.count("\n") == 1


# -- a gateway we script byte by byte ----------------------------------------------------------------


class ScriptedGateway:
    """Answers each request with the next reply, bytes sent whole (none left: close at once)."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length: *(\d+)", head)
                while length and len(body) < int(length.group(1)):
                    body += connection.recv(65536)
                self.requests.append(head.split(b"\r\n", 1)[0].decode())
                reply = self.replies.pop(0) if self.replies else None
                if reply is not None:
                    connection.sendall(reply)

    def close(self):
        self.listener.close()


@pytest.fixture
def scripted():
    gateways = []

    def make(*replies):
        gateways.append(ScriptedGateway(*replies))
        return gateways[-1]

    yield make
    for gateway in gateways:
        gateway.close()


def http(status, headers, body=b""):
    lines = [f"HTTP/1.1 {status}", *[f"{k}: {v}" for k, v in headers.items()], "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


PLAIN_ANSWER = {"id": "chatcmpl-1", "model": "openai/gpt-4o-mini",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}


def sse(*payloads):
    return b"".join(f"data: {json.dumps(p)}\n\n".encode() for p in payloads)


def test_a_generation_id_only_in_the_header_is_used(run_cli, scripted):
    body = json.dumps(PLAIN_ANSWER).encode()
    gateway = scripted(http("200 OK", {"Content-Type": "application/json", "Content-Length": len(body),
                                       "X-LowRouter-Generation-Id": "gen-only-in-the-header"}, body))
    shown = run_cli("chat", "hi", base_url=gateway.base_url, stderr_isatty=True, env={"NO_COLOR": "1"})
    assert shown.returncode == 0 and shown.stdout == "Hi there\n"
    assert " · gen-only-in-the-header" in shown.stderr  # the footer names it
    listed = run_cli("generation", "--list", "--json")
    assert [entry["generation_id"] for entry in json.loads(listed.stdout)] == ["gen-only-in-the-header"]


def test_a_stream_dropped_midway_names_the_generation_from_the_header(run_cli, scripted):
    events = sse({"choices": [{"index": 0, "delta": {"content": "Partial"}, "finish_reason": None}]})
    gateway = scripted(http("200 OK", {"Content-Type": "text/event-stream",
                                       "X-LowRouter-Generation-Id": "gen-header-stream"}, events))
    result = run_cli("stream", "hi", base_url=gateway.base_url)
    assert result.returncode == 8 and result.stdout == "Partial\n"
    assert result.stderr == ("lowrouter: error: answer truncated: the stream ended before the answer was "
                             "finished (generation gen-header-stream)\n")


# -- an answer that dropped is never asked for again (it may have been billed) -----------------------


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_a_dropped_answer_is_never_sent_again(run_cli, emulator, command):
    result = run_cli(command, "[[answer:unicode]] [[fault:drop]]")
    assert result.returncode == 8 and "answer truncated" in result.stderr
    assert len(emulator.chat_requests()) == 1 and "retrying" not in result.stderr and result.sleeps == []


# -- config keys in the help ---------------------------------------------------------------------------


def test_config_help_names_every_key_config_set_accepts(run_cli):
    from lowrouter_cli.settings import CONFIG_KEYS

    done = run_cli("config", "set", "--help")
    named = re.search(r"One of: (.+?)\.", " ".join(done.stdout.split())).group(1).split(", ")
    assert done.returncode == 0 and sorted(named) == sorted(CONFIG_KEYS)
    assert run_cli("config", "set", "budget_daily", "2.50").returncode == 0
