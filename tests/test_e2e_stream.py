"""`lowrouter stream` through the installed console script against the emulator."""

import json
import os
import select
import signal
import subprocess
import time

import pytest

from lowrouter_cli.emulator.scenarios import answer_for

from conftest import lowrouter_command, process_environ

UNICODE = answer_for("", "unicode")


def test_pipe_gets_exactly_the_answer(run_cli):
    chat = run_cli("chat", "hi")
    result = run_cli("stream", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == chat.stdout and result.stderr == ""
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize("framing", ["crlf", "cr", "onebyte", "split_utf8", "close_delimited", "bom",
                                     "multiline", "keepalive interval=0.05"])
def test_odd_framings_decode_to_the_same_text(run_cli, framing):
    result = run_cli("stream", f"[[answer:unicode]] [[fault:{framing}]]")
    assert result.returncode == 0, result.stderr
    assert result.stdout == UNICODE + "\n"


def test_json_lines_one_object_per_event(run_cli):
    result = run_cli("stream", "--json", "hi")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"]) == \
        answer_for("hi", None)
    assert events[-1]["usage"]["completion_tokens"] > 0


@pytest.mark.parametrize("fault, code, needle", [
    ("midstream_error", 7, "Provider disconnected mid-stream"),
    ("midstream_error choices=false", 7, "Provider disconnected mid-stream"),
    ("midstream_error code=429 message=slow_down", 5, "slow_down"),
    ("drop", 8, "answer truncated"),
    ("no_finish", 8, "answer truncated"),
])
def test_failures_mid_stream_keep_the_partial_text(run_cli, fault, code, needle):
    result = run_cli("stream", f"[[answer:unicode]] [[fault:{fault}]]")
    assert result.returncode == code, result.stderr
    assert needle in result.stderr and "(generation gen-" in result.stderr
    assert result.stdout.strip() and UNICODE.startswith(result.stdout.strip())
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("fault, code", [("429 retry_after=0", 5), ("503 retryable=false", 6),
                                         ("json_for_stream", 7), ("html retry_after=0", 7)])
def test_failures_before_the_stream_behave_as_in_chat(run_cli, fault, code):
    result = run_cli("stream", f"hi [[fault:{fault}]]")
    assert result.returncode == code and result.stdout == ""


def test_timeout_is_the_longest_silence_and_keepalives_count(run_cli):
    ok = run_cli("stream", "--timeout", "0.5", "hi [[fault:keepalive interval=0.3 count=3]]")
    assert ok.returncode == 0, ok.stderr  # 0.9 s in all, never 0.5 s of silence
    slow = run_cli("stream", "--timeout", "0.5", "hi [[fault:keepalive interval=1 count=2]]")
    assert slow.returncode == 8 and "0.5 s" in slow.stderr


def spawn(emulator, *args):
    return subprocess.Popen(lowrouter_command("stream", *args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=process_environ(emulator.base_url))


def read_some(pipe, limit=20.0):
    ready, _, _ = select.select([pipe], [], [], limit)
    assert ready, "nothing arrived"
    return os.read(pipe.fileno(), 65536)


def test_first_tokens_reach_the_pipe_while_the_answer_is_still_coming(emulator):
    process = spawn(emulator, "[[answer:long words=200]] [[fault:ok chunk_delay=0.02]]")
    first = read_some(process.stdout)
    assert first and process.poll() is None  # 200 tokens × 20 ms: far from finished
    process.kill()
    process.wait()


def test_ctrl_c_keeps_partial_text_closes_the_connection_and_exits_130(emulator):
    process = spawn(emulator, "[[answer:long words=500]] [[fault:ok chunk_delay=0.02]]")
    shown = read_some(process.stdout)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=10)
    assert process.returncode == 130 and time.monotonic() - sent < 1.5
    assert b"Traceback" not in stderr and b"(generation gen-" in stderr
    assert (shown + rest).strip()
    deadline = time.monotonic() + 5
    while not emulator.state.cancelled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emulator.state.cancelled, "the connection was not closed, so the generation was not cancelled"


def test_sigterm_closes_the_connection_and_exits_143(emulator):
    process = spawn(emulator, "[[answer:long words=500]] [[fault:ok chunk_delay=0.02]]")
    read_some(process.stdout)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 143 and b"Traceback" not in stderr


def test_broken_pipe_exits_quietly(emulator):
    command = " ".join(f"'{word}'" for word in lowrouter_command("stream", "[[answer:long words=20000]]"))
    started = time.monotonic()
    done = subprocess.run(["bash", "-c", f"{command} | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True, env=process_environ(emulator.base_url), timeout=60)
    assert done.stdout.strip() == "141"
    assert done.stderr == ""
    assert time.monotonic() - started < 10


def test_a_second_ctrl_c_ends_it_at_once(emulator):
    process = spawn(emulator, "[[answer:long words=500]] [[fault:ok chunk_delay=0.02]]")
    read_some(process.stdout)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode in (130, -signal.SIGINT)  # 130 if tidy-up finished first, else killed
    assert time.monotonic() - sent < 1.5 and b"Traceback" not in stderr


def test_first_tokens_are_not_held_back_on_a_close_delimited_body(emulator):
    process = spawn(emulator, "[[answer:long words=200]] [[fault:close_delimited chunk_delay=0.02]]")
    first = read_some(process.stdout)
    assert first and process.poll() is None
    process.kill()
    process.wait()
