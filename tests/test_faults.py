"""Every fault the gateway or the network can throw, through the installed CLI: the exact exit
code, one line on stderr, the partial text kept, the generation id when known, a bounded time."""

import json
import re
import shutil
import subprocess
import time

import pytest

from lowrouter_cli.emulator.scenarios import answer_for

UNICODE = answer_for("", "unicode")


def timed(run_cli, *args, **kwargs):
    started = time.monotonic()
    result = run_cli(*args, **kwargs)
    return result, time.monotonic() - started


def one_error_line(result):
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.mark.parametrize("command", ["chat", "stream"])
@pytest.mark.parametrize("fault, code, needle", [
    ("429 retry_after=0", 5, "Rate limit exceeded"),
    ("408 retry_after=0", 7, "Upstream timed out"),
    ("500 retry_after=0", 7, "Internal gateway error"),
    ("502 retry_after=0", 7, "invalid response"),
    ("504 retry_after=0", 7, "Provider timed out"),
    ("503 retryable=true retry_after=0", 6, "Every endpoint is down"),
    ("503 retryable=false", 6, "Every endpoint is down"),
    ("html retry_after=0", 7, "HTTP 502 Bad Gateway"),
    ("401", 3, "Error 401"),
    ("402", 4, "Insufficient credits"),
])
def test_status_faults(run_cli, emulator, command, fault, code, needle):
    result, elapsed = timed(run_cli, command, f"hi [[fault:{fault}]]")
    assert result.returncode == code
    assert needle in one_error_line(result) and result.stdout == ""
    retried = fault.split()[0] in ("429", "408", "500", "502", "504", "html") or "retryable=true" in fault
    assert len(emulator.chat_requests()) == (3 if retried else 1)
    assert elapsed < 10


def test_429_with_an_http_date_is_honoured(run_cli, emulator):
    emulator.push_faults("429 retry_after_date=5", "ok")
    result = run_cli("chat", "hi")
    assert result.returncode == 0
    [delay] = result.sleeps  # the date names a whole second about 5 s away: wait until then
    assert 3.9 < delay <= 5.0
    assert re.fullmatch(r"lowrouter: rate limited, retrying in [45](\.\d)? s \(1/2\)\n", result.stderr)


@pytest.mark.parametrize("fault, code", [("error_in_200", 7), ("finish_error", 7), ("error_in_200 code=429", 5)])
def test_errors_inside_a_200_body(run_cli, fault, code):
    result = run_cli("chat", f"hi [[fault:{fault}]]")
    assert result.returncode == code and "(generation gen-" in one_error_line(result)


def test_json_error_where_a_stream_was_asked_for(run_cli):
    result = run_cli("stream", "hi [[fault:json_for_stream]]")
    assert result.returncode == 7 and "invalid response" in one_error_line(result)


@pytest.mark.parametrize("fault, code, needle", [
    ("midstream_error", 7, "mid-stream"),
    ("midstream_error choices=false", 7, "mid-stream"),
    ("drop", 8, "answer truncated"),
    ("no_finish", 8, "answer truncated"),
])
def test_stream_faults_keep_the_partial_text(run_cli, fault, code, needle):
    result, elapsed = timed(run_cli, "stream", f"[[answer:unicode]] [[fault:{fault}]]")
    assert result.returncode == code
    line = one_error_line(result)
    assert needle in line and "(generation gen-" in line
    assert result.stdout.strip() and UNICODE.startswith(result.stdout.rstrip("\n"))
    assert elapsed < 10


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_a_server_that_says_nothing_times_out(run_cli, command):
    result, elapsed = timed(run_cli, command, "--timeout", "0.3", "hi [[fault:silent seconds=20]]")
    assert result.returncode == 8 and "0.3 s" in one_error_line(result)
    assert elapsed < 8


def test_slow_first_byte_within_the_timeout_is_fine(run_cli):
    result = run_cli("stream", "--timeout", "3", "hi [[fault:slow_first_byte delay=0.5]]")
    assert result.returncode == 0


def test_refused_connection(run_cli):
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result, elapsed = timed(run_cli, "chat", "hi", base_url=f"http://127.0.0.1:{port}/api/v1")
    assert result.returncode == 8 and "cannot connect" in one_error_line(result)
    assert result.stderr.count("retrying") == 2 and elapsed < 10


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare(1)")
def test_a_host_name_that_does_not_resolve(tmp_path):
    """In a network namespace of our own, with no route anywhere: the lookup fails here, and
    nothing leaves the machine."""
    from conftest import lowrouter_command, process_environ
    started = time.monotonic()
    done = subprocess.run(["unshare", "--net", *lowrouter_command("chat", "--base-url",
                           "https://lowrouter.example/api/v1", "hi")], capture_output=True, text=True,
                          env=process_environ(), timeout=30)
    if "unshare failed" in done.stderr or done.returncode not in (8,) and "Operation not permitted" in done.stderr:
        pytest.skip("network namespaces are not allowed here")
    assert done.returncode == 8 and "cannot resolve host lowrouter.example" in done.stderr
    assert "retrying" not in done.stderr and time.monotonic() - started < 10


# -- files -------------------------------------------------------------------------------------------


def test_unwritable_folders_degrade_to_warnings_and_the_answer_still_prints(run_cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {"XDG_CACHE_HOME": str(blocker / "cache"), "XDG_DATA_HOME": str(blocker / "data")}
    result = run_cli("chat", "hi", env=env)
    assert result.returncode == 0 and result.stdout.startswith("Hello")
    assert "warning: not recorded in the ledger" in result.stderr and "Not a directory" in result.stderr
    models = run_cli("models", env=env)
    assert models.returncode == 0 and "openai/gpt-4o-mini" in models.stdout
    assert "warning: cannot write the model cache" in models.stderr


def test_a_full_disk_degrades_to_warnings(fake_env, monkeypatch):
    import errno
    from lowrouter_cli import store

    env = fake_env()
    warnings = []

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", full)
    store.write_models_cache(env, "u", {"data": []}, None, warnings.append)
    assert len(warnings) == 1 and all("No space left" in w for w in warnings)
    assert not list(env.cache_dir.glob(".*.tmp"))  # the half-written temporary file is gone


def test_truncated_cache_files_are_recovered(run_cli, user_dirs):
    run_cli("chat", "hi")
    run_cli("models")
    [cache] = (user_dirs / ".cache/lowrouter").glob("models-*.json")
    cache.write_text(cache.read_text()[:50])
    assert run_cli("generation", "--list").returncode == 0
    assert run_cli("generation", "last").returncode == 0
    assert run_cli("models").returncode == 0 and json.loads(cache.read_text())["body"]["data"]


# -- load -------------------------------------------------------------------------------------------


def test_fifty_concurrent_chats_all_succeed_and_each_is_one_ledger_row(run_concurrently, emulator, user_dirs):
    results = run_concurrently([("chat", f"question {i}") for i in range(50)])
    assert [r.returncode for r in results] == [0] * 50, [r.stderr for r in results if r.stderr][:3]
    assert all(r.stdout.startswith("Hello from the") and r.stderr == "" for r in results)
    assert sorted(json.loads(r["body"])["messages"][0]["content"] for r in emulator.chat_requests()) == \
        sorted(f"question {i}" for i in range(50))
    import sqlite3

    ledger = sqlite3.connect(user_dirs / ".local/share/lowrouter/ledger.db")
    rows = ledger.execute("SELECT generation_id, prompt, outcome FROM exchanges").fetchall()
    assert len({generation_id for generation_id, _, _ in rows}) == 50
    assert sorted(prompt for _, prompt, _ in rows) == sorted(f"question {i}" for i in range(50))
