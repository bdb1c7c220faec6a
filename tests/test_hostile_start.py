"""Regression tests for issue 14, the start of a run: what the user's own machine hands us
(argv, environment, config.toml, closed stdio, a full disk) ends in one line and a documented
exit code, never exit 1, and nothing is sent when there is nowhere to print the answer."""

import errno
import os
import subprocess
import sys

import pytest
from hostile import KEY, HostileGateway, completion, json_response, run_cli

from lowrouter_cli import store

ANSWER = json_response(completion("Fine."))


def answer(exchange):
    exchange.send(ANSWER)


def write_config(tmp_path, text):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text(text)


@pytest.mark.parametrize("line, message", [
    ("base_url = 123", "base_url from config key base_url must be a non-empty string, not 123"),
    ("model = [1, 2]", "model from config key model must be a non-empty string, not [1, 2]"),
    ("timeout = true", "timeout from config key timeout must be a positive number of seconds up to 1000000, "
                       "not True"),
    ("max_time = -3", "max_time from config key max_time must be a positive number of seconds up to 1000000, "
                      "not -3"),
])
def test_config_values_of_the_wrong_type_are_usage_errors(tmp_path, line, message):
    write_config(tmp_path, line + "\n")
    with HostileGateway(answer) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi", environ={"LOWROUTER_BASE_URL": ""})  # config's
        assert (out.code, out.stderr) == (2, f"lowrouter: error: {message}\n")
        assert gw.requests == []


@pytest.mark.parametrize("argv, message", [
    (["chat", "--timeout", "1e10", "hi"], "timeout from option must be a positive number of seconds up to "
                                          "1000000, not 10000000000.0"),
    (["chat", "--timeout", "nan", "hi"], "timeout from option must be a positive number of seconds up to "
                                         "1000000, not nan"),
    (["chat", "hi \udcff"], "argument 2 of the command line is not valid UTF-8"),
    (["chat", "-s", "\udcffsys", "hi"], "argument 3 of the command line is not valid UTF-8"),
    (["generation", "gen-\udcff"], "argument 2 of the command line is not valid UTF-8"),
])
def test_the_command_line_is_checked_before_anything_is_sent(tmp_path, argv, message):
    with HostileGateway(answer) as gw:
        out = run_cli(tmp_path, gw.base_url, *argv)
        assert (out.code, out.stderr) == (2, f"lowrouter: error: {message}\n")
        assert gw.requests == []


def test_invalid_utf8_in_the_environment_is_a_usage_error(tmp_path):
    with HostileGateway(answer) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi", environ={"LOWROUTER_MODEL": "m\udcff"})
        assert (out.code, out.stderr) == (2, "lowrouter: error: model from LOWROUTER_MODEL is not valid UTF-8\n")
        out = run_cli(tmp_path, gw.base_url, "chat", "hi", environ={"LOWROUTER_API_KEY": "sk-lr-\udcff12345678"})
        assert (out.code, out.stderr) == (2, "lowrouter: error: the API key from LOWROUTER_API_KEY contains control, "
                                             "space or non-ASCII characters: check what was stored or pasted\n")
        assert gw.requests == []


def test_max_time_must_be_a_sane_number(tmp_path):
    with HostileGateway(answer) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi", environ={"LOWROUTER_MAX_TIME": "soon"})
    assert (out.code, out.stderr) == (2, "lowrouter: error: max_time from LOWROUTER_MAX_TIME must be a positive "
                                         "number of seconds up to 1000000, not 'soon'\n")


@pytest.mark.parametrize("argv", [["config", "set", "model", "m"], ["auth", "login", "--no-verify"]])
def test_a_full_disk_is_one_line_and_exit_2(tmp_path, monkeypatch, argv):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", full)
    out = run_cli(tmp_path, "http://127.0.0.1:9/api/v1", *argv, stdin=KEY + "\n", environ={"LOWROUTER_API_KEY": ""})
    name = "config.toml" if argv[0] == "config" else "key"
    assert (out.code, out.stderr) == (
        2, f"lowrouter: error: cannot write {tmp_path / 'config' / name}: No space left on device\n")
    assert [p.name for p in (tmp_path / "config").iterdir()] == []  # no temporary file left behind


def process(argv, redirect, gateway_url, **env):
    """Run the CLI as a process with one standard stream closed by the shell (`>&-`)."""
    environ = {**os.environ, "LOWROUTER_API_KEY": KEY, "LOWROUTER_BASE_URL": gateway_url, **env}
    command = " ".join(["exec", sys.executable, "-m", "lowrouter_cli", *argv, redirect])
    return subprocess.run(["sh", "-c", command], capture_output=redirect != "2>&-", stdin=subprocess.DEVNULL,
                          env=environ, timeout=60)


def test_a_closed_stdout_is_found_before_the_request_is_sent():
    with HostileGateway(answer) as gw:
        done = process(["chat", "hi"], ">&-", gw.base_url)
        assert done.returncode == 2
        assert done.stderr.decode() == ("lowrouter: error: stdout is closed: there is nowhere to print the answer "
                                        "(nothing was sent)\n")
        assert gw.requests == []


def test_a_closed_stderr_never_turns_success_into_failure(tmp_path):
    with HostileGateway(answer) as gw:
        done = subprocess.run(["sh", "-c", f"exec {sys.executable} -m lowrouter_cli chat -v hi 2>&-"],
                              capture_output=False, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env={**os.environ, "LOWROUTER_API_KEY": KEY, "LOWROUTER_BASE_URL": gw.base_url},
                              timeout=60)
    assert (done.returncode, done.stdout) == (0, b"Fine.\n")


def test_a_closed_stdin_for_auth_login_is_no_key_given():
    done = process(["auth", "login", "--no-verify"], "<&-", "http://127.0.0.1:9/api/v1")
    assert done.returncode == 2
    assert done.stderr.decode().startswith("lowrouter: error: no key given")


def test_version_and_model_completion_with_a_closed_stdout_are_one_line():
    for argv in (["--version"], ["__complete-models"]):
        done = subprocess.run(["sh", "-c", f"exec {sys.executable} -c 'from lowrouter_cli.entry import main; main()' "
                               f"{' '.join(argv)} >&-"], capture_output=True, env=dict(os.environ), timeout=60)
        assert (done.returncode, done.stderr) == (2, b"lowrouter: error: stdout is closed: there is nowhere to print\n")


def test_model_completion_offers_only_ids_a_shell_can_take(tmp_path):
    from lowrouter_cli.completion import model_ids_in

    cache = tmp_path / "models.json"
    cache.write_text('{"body": {"data": [{"id": "ok/model"}, {"id": "bad\\udcffid"}, {"id": "two\\nlines"}, '
                     '{"id": 5}, {"id": " "}]}}')
    assert model_ids_in(cache) == ["ok/model"]
