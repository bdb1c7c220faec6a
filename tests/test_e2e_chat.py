"""The installed `lowrouter` console script against the emulator, over real sockets: every exit
code of the README's table, and what reaches stdout and stderr."""

import json
import signal
import socket
import subprocess
import time

import pytest


from conftest import TEST_KEY, lowrouter_command, process_environ, running_emulator


def no_key_anywhere(result):
    assert TEST_KEY not in result.stdout and TEST_KEY not in result.stderr


def test_chat_prints_the_answer_and_nothing_else(run_cli):
    result = run_cli("chat", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Hello from the **LowRouter emulator**.")
    assert result.stdout.endswith("Nothing left this machine.\n")
    assert result.stderr == ""  # no footer in a pipe
    assert "\x1b" not in result.stdout


def test_python_dash_m_works_too(run_process):
    done = run_process("chat", "hi")
    assert done.returncode == 0 and done.stdout.startswith("Hello from the **LowRouter emulator**.")
    assert done.stderr == ""


def test_words_joined_and_stdin_appended(run_cli, emulator):
    assert run_cli("chat", "summarise", "this", input="line 1\nline 2\n").returncode == 0
    body = json.loads(emulator.chat_requests()[-1]["body"])
    assert body["messages"] == [{"role": "user", "content": "summarise this\n\nline 1\nline 2\n"}]
    assert body["model"] == "lowrouter/auto" and "route" not in body and "stream" not in body


def test_stdin_alone_is_the_prompt_and_options_are_sent(run_cli, emulator):
    result = run_cli("chat", "-m", "mistral/mistral-small", "-s", "be brief", "--region", "eu-west",
                     "--max-tokens", "5", "--temperature", "0.2", input="question")
    assert result.returncode == 0, result.stderr
    body = json.loads(emulator.chat_requests()[-1]["body"])
    assert body == {"model": "mistral/mistral-small", "route": {"region": "eu-west"}, "max_tokens": 5,
                    "temperature": 0.2, "messages": [{"role": "system", "content": "be brief"},
                                                     {"role": "user", "content": "question"}]}


def test_model_from_environment(run_cli, emulator):
    assert run_cli("chat", "hi", env={"LOWROUTER_MODEL": "mistral/mistral-small"}).returncode == 0
    assert json.loads(emulator.chat_requests()[-1]["body"])["model"] == "mistral/mistral-small"


def test_json_prints_the_whole_body(run_cli):
    result = run_cli("chat", "--json", "hi")
    body = json.loads(result.stdout)
    assert body["lowrouter"]["generation_id"].startswith("gen-")
    assert body["choices"][0]["message"]["content"].startswith("Hello")


def test_several_megabytes_of_stdin_are_sent_whole(run_cli, emulator):
    big = ("x" * 1023 + "\n") * 4096  # 4 MiB
    result = run_cli("chat", input=big)
    assert result.returncode == 0, result.stderr
    assert json.loads(emulator.chat_requests()[-1]["body"])["messages"][0]["content"] == big


def test_too_large_is_rejected_with_exit_4(run_cli):
    with running_emulator(max_body=1000) as small:
        result = run_cli("chat", input="x" * 5000, base_url=small.base_url)
    assert result.returncode == 4
    assert "over the 1000-byte limit" in result.stderr


# -- every exit code ---------------------------------------------------------------------------


def test_exit_2_when_stdout_is_closed_and_nothing_is_sent(emulator):
    command = " ".join(f"'{word}'" for word in lowrouter_command("chat", "hi"))
    done = subprocess.run(["bash", "-c", f"{command} >&-"], capture_output=True, text=True,
                          env=process_environ(emulator.base_url), timeout=60)
    assert done.returncode == 2
    assert done.stderr == "lowrouter: error: stdout is closed: there is nowhere to print the answer (nothing was sent)\n"


@pytest.mark.parametrize("args, stdin, needle", [
    (["chat"], "", "no prompt"),
    (["chat", ""], "", "no prompt"),
    (["chat", "--max-tokens", "zero", "hi"], "", "'--max-tokens'"),
    (["chat", "--temperature", "9", "hi"], "", "'--temperature'"),
    (["chat", "--bogus", "hi"], "", "--bogus"),
    (["chat"], b"\xff\xfe bad", "not valid UTF-8"),
])
def test_exit_2_usage(run_cli, args, stdin, needle):
    result = run_cli(*args, input=stdin)
    assert result.returncode == 2
    assert needle in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_prompt_starting_with_a_dash_after_double_dash(run_cli, emulator):
    assert run_cli("chat", "--", "-5 degrees?").returncode == 0
    assert json.loads(emulator.chat_requests()[-1]["body"])["messages"][0]["content"] == "-5 degrees?"


def test_exit_3_no_key_says_how_to_set_one(run_cli):
    result = run_cli("chat", "hi", key=None)
    assert result.returncode == 3
    assert "LOWROUTER_API_KEY" in result.stderr and "lowrouter auth login" in result.stderr


def test_exit_3_wrong_key_never_echoed(run_cli):
    wrong = "sk-lr-wrong-key-999999"
    result = run_cli("chat", "hi", key=wrong)
    assert result.returncode == 3 and "Invalid API key" in result.stderr
    assert wrong not in result.stderr and wrong not in result.stdout


@pytest.mark.parametrize("args, code, needle", [
    (["-m", "nope/model"], 4, "not a valid model"),
    (["[[fault:402]]"], 4, "Insufficient credits"),
    (["[[fault:422]]"], 4, "Error 422"),
    (["[[fault:429 retry_after=0]]"], 5, "Rate limit exceeded (after 2 retries)"),
    (["--region", "eu-west", "--provider", "bedrock"], 6, "not falling back"),
    (["[[fault:500 retry_after=0]]"], 7, "Internal gateway error"),
    (["[[fault:error_in_200]]"], 7, "Provider returned an error"),
    (["[[fault:finish_error]]"], 7, "Provider disconnected"),
    (["[[fault:html retry_after=0]]"], 7, "HTTP 502"),
    (["[[fault:drop]]"], 8, "answer truncated"),
])
def test_gateway_failures_map_to_exit_codes(run_cli, args, code, needle):
    result = run_cli("chat", "hi", *args)
    assert result.returncode == code, result.stderr
    assert needle in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("lowrouter: error:")
    no_key_anywhere(result)


def test_pinned_route_503_is_not_retried_and_names_the_generation(run_cli, emulator):
    result = run_cli("chat", "hi", "--provider", "bedrock", "--region", "eu-west")
    assert result.returncode == 6 and "(generation gen-" in result.stderr
    assert len(emulator.chat_requests()) == 1 and "retrying" not in result.stderr


def test_retries_are_announced_then_succeed(run_cli, emulator):
    emulator.push_faults("429 retry_after=0", "ok")
    result = run_cli("chat", "hi")
    assert result.returncode == 0
    assert result.stderr == "lowrouter: rate limited, retrying in 0.0 s (1/2)\n"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_exit_8_cannot_connect(run_cli):
    result = run_cli("chat", "hi", base_url=f"http://127.0.0.1:{free_port()}/api/v1")
    assert result.returncode == 8 and "cannot connect to 127.0.0.1" in result.stderr


def test_exit_8_timeout(run_cli):
    started = time.monotonic()
    result = run_cli("chat", "hi [[fault:silent seconds=10]]", "--timeout", "0.3")
    assert result.returncode == 8 and "within 0.3 s" in result.stderr
    assert time.monotonic() - started < 8


def _wait_for_request(emulator, count=1, limit=20.0):
    deadline = time.monotonic() + limit
    while len(emulator.chat_requests()) < count:
        assert time.monotonic() < deadline, "the CLI never reached the emulator"
        time.sleep(0.02)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_exit_130_and_143_on_signals(emulator, sig, code):
    process = subprocess.Popen(lowrouter_command("chat", "hi [[fault:silent seconds=20]]"), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=process_environ(emulator.base_url))
    _wait_for_request(emulator)
    sent = time.monotonic()
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == code
    assert time.monotonic() - sent < 2
    assert b"Traceback" not in stderr and stderr.count(b"\n") == 1


@pytest.mark.parametrize("args, usage", [([], "Usage: lowrouter [OPTIONS] COMMAND"),
                                         (["auth"], "Usage: lowrouter auth [OPTIONS] COMMAND")])
def test_no_command_prints_the_help_whole_and_exits_2(run_cli, args, usage):
    result = run_cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(usage) and "\nCommands:\n" in result.stderr
