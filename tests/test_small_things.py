"""The small things of issue 18: each fixed, each pinned by a test."""

import os
import pty
import signal
import subprocess
import sys
import time

import pyte

from conftest import ROOT, lowrouter_command, process_environ


def test_generation_with_a_word_that_cannot_be_an_id_is_a_usage_error_without_network(run_cli, emulator):
    done = run_cli("generation", "lst")
    assert done.returncode == 2 and emulator.state.requests == []
    assert done.stderr == ("lowrouter: error: 'lst' is not a generation id (ids look like "
                           "gen-7fQ2mZk9Xc4Rb1LwT8nVd3Ph; or give 'last' or --list) (did you mean 'last'?)\n")
    assert run_cli("generation", "yesterday").returncode == 2 and emulator.state.requests == []
    assert run_cli("generation", "gen-unknown").returncode == 4  # gen-…: asked, and the gateway says 404


def test_generation_right_after_an_answer_suggests_wait(run_cli, emulator):
    emulator.state.record_delay = 3600.0
    assert run_cli("chat", "hi").returncode == 0
    done = run_cli("generation", "last")
    assert done.returncode == 4 and "add --wait 5 to keep asking" in done.stderr


def test_config_get_shows_the_value_in_force_and_where_it_comes_from(run_cli, user_dirs):
    unset = run_cli("config", "get", "model")
    assert (unset.returncode, unset.stdout) == (0, "lowrouter/auto\n")
    assert unset.stderr.startswith("lowrouter: model is not set in ") and unset.stderr.endswith(
        "config.toml: the built-in default\n")
    assert run_cli("config", "set", "model", "mistral/mistral-small").returncode == 0
    assert run_cli("config", "get", "model").stdout == "mistral/mistral-small\n"
    assert run_cli("config", "get", "model").stderr == ""
    from_env = run_cli("config", "get", "model", env={"LOWROUTER_MODEL": "openai/gpt-4o-mini"})
    assert from_env.stdout == "openai/gpt-4o-mini\n" and from_env.stderr == (
        "lowrouter: model comes from the environment variable LOWROUTER_MODEL "
        "(it beats config.toml's mistral/mistral-small)\n")
    assert run_cli("config", "get", "timeout").stdout == "120\n"


def test_emulator_run_help_is_help():
    done = subprocess.run([sys.executable, "-m", "lowrouter_cli.emulator", "run", "--help"], capture_output=True,
                          text=True, cwd=ROOT, env=process_environ(), timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: lowrouter-emulator") and done.stderr == ""


def test_ctrl_c_at_the_hidden_key_prompt_leaves_the_prompt_line_alone():
    master, slave = pty.openpty()
    process = subprocess.Popen(lowrouter_command("auth", "login", "--no-verify"), stdin=slave, stdout=slave,
                               stderr=slave, cwd=ROOT, env=process_environ(key=None), start_new_session=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 30
    while b"(input hidden): " not in output and time.monotonic() < deadline:
        output += os.read(master, 4096)
    os.kill(process.pid, signal.SIGINT)  # what Ctrl-C does at the prompt
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(30) == 130
    os.close(master)
    screen = pyte.Screen(80, 10)
    screen.set_mode(pyte.modes.LNM)
    pyte.Stream(screen).feed(output.decode())
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert lines == ["LowRouter API key (input hidden):", "lowrouter: error: interrupted"]


def test_chat_raw_and_no_md_print_the_text_as_is_on_a_terminal(run_cli):
    for flag in ("--raw", "--no-md"):
        done = run_cli("chat", flag, "hi", stdout_isatty=True)
        assert done.returncode == 0 and "**LowRouter emulator**" in done.stdout and "- Answers here" in done.stdout
        assert "\x1b" not in done.stdout
    assert "**" not in run_cli("chat", "hi", "--color", "never", stdout_isatty=True).stdout  # Markdown otherwise
    assert "**LowRouter emulator**" in run_cli("stream", "--no-md", "hi", stdout_isatty=True).stdout


def test_o_key_value_passes_any_request_field_as_json_when_it_parses(run_cli, emulator):
    import json

    for command in ("chat", "stream"):
        done = run_cli(command, "-o", "top_p", "0.9", "-o", "stop", '["END"]', "-o", "seed", "7",
                       "--option", "user", "alice", "-o", "response_format", '{"type": "json_object"}',
                       "-o", "tag", "NaN", "hi")
        assert done.returncode == 0, done.stderr
        body = json.loads(emulator.chat_requests()[-1]["body"])
        assert {k: body[k] for k in ("top_p", "stop", "seed", "user", "response_format", "tag")} == {
            "top_p": 0.9, "stop": ["END"], "seed": 7, "user": "alice", "response_format": {"type": "json_object"},
            "tag": "NaN"}
        assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_o_refuses_fields_the_cli_owns_and_a_missing_value(run_cli, emulator):
    owned = run_cli("chat", "-o", "model", "x/y", "hi")
    assert (owned.returncode, owned.stderr) == (2, "lowrouter: error: -o model is set by -m/--model, not -o\n")
    assert run_cli("chat", "-o", "stream", "true", "hi").returncode == 2
    missing = run_cli("chat", "hi", "-o", "top_p")
    assert missing.returncode == 2 and "requires 2 arguments" in missing.stderr
    assert emulator.chat_requests() == []


def test_a_prompt_that_starts_with_a_dash_suggests_the_double_dash(run_cli):
    done = run_cli("chat", "-5 degrees")
    assert done.returncode == 2
    assert done.stderr == ("lowrouter: error: No such option: -5; a prompt that starts with '-' goes after "
                           "'--': lowrouter chat -- \"-5 degrees: is that cold?\"\n")
    assert run_cli("chat", "--", "-5 degrees").returncode == 0


def test_config_list_help_describes_its_own_json(run_cli):
    shown = run_cli("config", "list", "--help").stdout
    assert "--json" in shown and "Print the values as JSON" in shown and "gateway" not in shown


def test_footer_at_100_columns_keeps_the_generation_id_whole_on_a_real_terminal(emulator):
    from terminal_screen import capture_in_process

    shown = capture_in_process(emulator.base_url, "stream", "hi", columns=100)
    assert shown.code == 0
    footer = [line for line in shown.lines if "gen-" in line]
    assert len(footer) == 1 and footer[0].startswith("gen-") and len(footer[0].split()[0]) == 28
    assert shown.lines[shown.lines.index(footer[0]) - 1].startswith("openai/gpt-4o-mini · openai/eu-west · ")
