"""The Client and the end of an exchange, in-process: streams close their connection however they
are left, Ctrl-C and a closed stdout end as our exit codes with the exchange recorded, and the
SIGINT handler is put back."""

from __future__ import annotations

import io
import json
import signal
import time

import pytest

from lowrouter_cli import api
from lowrouter_cli.cli import run
from lowrouter_cli.client import Client
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import ExitCode
from lowrouter_cli.transport import Transport

from conftest import TEST_KEY

LONG = "[[answer:long words=100000]] go"


def cancelled(emulator, generation_id, within=10.0):
    """Whether the emulator saw the client hang up on this generation (it notices on its next write)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with emulator.state.lock:
            if generation_id in emulator.state.cancelled:
                return True
        time.sleep(0.02)
    return False


def test_breaking_out_of_a_stream_closes_the_connection(emulator):
    with Client(Transport(emulator.base_url, TEST_KEY)) as client:
        with client.stream(api.ChatRequest(model="lowrouter/auto", prompt=LONG)) as chat_stream:
            for chunk in chat_stream:
                break
        assert chat_stream.generation_id.startswith("gen-")
        assert cancelled(emulator, chat_stream.generation_id)


def test_an_exception_inside_a_stream_block_closes_the_connection(emulator):
    with Client(Transport(emulator.base_url, TEST_KEY)) as client:
        with pytest.raises(RuntimeError):
            with client.stream(api.ChatRequest(model="lowrouter/auto", prompt=LONG)) as chat_stream:
                next(iter(chat_stream))
                raise RuntimeError("a bug in the loop")
        assert cancelled(emulator, chat_stream.generation_id)


class Failing(io.StringIO):
    """A stdout whose writes raise `error` (Ctrl-C arriving mid-write, or a reader gone)."""

    def __init__(self, error):
        super().__init__()
        self.error = error

    def write(self, text):
        raise self.error


def environment(tmp_path, emulator, stdout=None) -> Environment:
    return Environment(stdin=io.StringIO(""), stdout=stdout or io.StringIO(), stderr=io.StringIO(),
                       environ={"LOWROUTER_API_KEY": TEST_KEY, "LOWROUTER_BASE_URL": emulator.base_url},
                       config_dir=tmp_path / "config", cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                       sleep=lambda seconds: None)


def history(tmp_path):
    """The ledger's rows."""
    import sqlite3

    connection = sqlite3.connect(tmp_path / "data" / "ledger.db")
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute("SELECT * FROM exchanges ORDER BY id")]


def test_ctrl_c_mid_stream_is_exit_130_recorded_cancelled_and_the_handler_restored(tmp_path, emulator):
    def ours(signum, frame):
        pass

    previous = signal.signal(signal.SIGINT, ours)
    try:
        env = environment(tmp_path, emulator, Failing(KeyboardInterrupt()))
        assert run(env, ["stream", LONG]) == ExitCode.INTERRUPTED
        assert signal.getsignal(signal.SIGINT) is ours
    finally:
        signal.signal(signal.SIGINT, previous)
    [entry] = history(tmp_path)
    assert entry["outcome"] == "cancelled" and entry["generation_id"].startswith("gen-")
    assert env.stderr.getvalue() == f"lowrouter: error: interrupted (generation {entry['generation_id']})\n"
    assert cancelled(emulator, entry["generation_id"])


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_a_closed_stdout_is_exit_141_and_recorded(tmp_path, emulator, command):
    env = environment(tmp_path, emulator, Failing(BrokenPipeError()))
    assert run(env, [command, "hi"]) == ExitCode.OUTPUT_CLOSED
    assert env.stderr.getvalue() == ""
    [entry] = history(tmp_path)
    assert entry["outcome"] == "output_closed" and entry["generation_id"].startswith("gen-")


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_every_prompt_command_ends_in_one_history_line_and_a_footer(tmp_path, emulator, command):
    env = environment(tmp_path, emulator)
    env = Environment(**{**env.__dict__, "stderr_isatty": True})
    assert run(env, ["--color", "never", command, "hi"]) == ExitCode.OK
    [entry] = history(tmp_path)
    assert entry["outcome"] == "ok" and entry["completion_tokens"] > 0
    # On a slow (loaded) machine the spinner draws first and erases itself with "\r": a terminal
    # shows what follows the last one.
    footer = " ".join(env.stderr.getvalue().split("\r")[-1].split())
    assert footer.startswith("openai/gpt-4o-mini · ") and footer.endswith(
        f"{entry['generation_id']} · cid {entry['conversation_id']}")


def test_an_environment_without_folders_writes_nothing_in_the_working_directory(tmp_path, emulator, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = Environment(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(),
                      environ={"LOWROUTER_API_KEY": TEST_KEY, "LOWROUTER_BASE_URL": emulator.base_url})
    assert run(env, ["chat", "hi"]) == ExitCode.OK
    assert run(env, ["models"]) == ExitCode.OK
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_and_a_closed_stdout_are_translated_by_one_function():
    from lowrouter_cli.errors import Interrupted, OutputClosed, translated
    from lowrouter_cli.ledger_rows import outcome_of
    from lowrouter_cli.recording import exit_code_of

    assert type(translated(KeyboardInterrupt())) is Interrupted and type(translated(BrokenPipeError())) is OutputClosed
    bug = ValueError("x")
    assert translated(bug) is bug
    assert [outcome_of(e) for e in (KeyboardInterrupt(), BrokenPipeError(), bug)] == ["cancelled", "output_closed",
                                                                                     "error"]
    assert [exit_code_of(e) for e in (KeyboardInterrupt(), BrokenPipeError(), bug, None)] == [130, 141, 1, 0]
