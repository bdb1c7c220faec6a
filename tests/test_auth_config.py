"""Keys, config and trust: auth, config.toml, --curl, --verbose, proxies and CA bundles."""

import json
import os
import socket
import stat
import subprocess
import threading

import pytest

from lowrouter_cli.account import mask

from conftest import TEST_KEY


def config_dir(home):
    return home / ".config" / "lowrouter"


def test_mask():
    assert mask("sk-lr-test-0123456789abcdef") == "sk-lr-…cdef"
    assert mask("sk-lr-short") == "sk-lr-…"
    assert "0123456789" not in mask("xyz0123456789abcd")


def test_login_stores_key_with_tight_modes_and_status_reports_it(run_cli, user_dirs):
    result = run_cli("auth", "login", input=TEST_KEY + "\n", key=None)
    assert result.returncode == 0, result.stderr
    key_file = config_dir(user_dirs) / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert key_file.read_text().strip() == TEST_KEY
    assert TEST_KEY not in result.stderr + result.stdout and "sk-lr-…cdef" in result.stderr
    status = run_cli("auth", "status", key=None)
    assert status.returncode == 0
    assert f"source: {key_file}" in status.stdout and "accepted: yes" in status.stdout
    assert TEST_KEY not in status.stdout
    assert run_cli("chat", "hi", key=None).returncode == 0  # the stored key is used
    assert run_cli("auth", "logout", key=None).returncode == 0 and not key_file.exists()
    assert run_cli("auth", "status", key=None).returncode == 3


def test_login_verifies_the_key_unless_told_not_to(run_cli, user_dirs):
    wrong = "sk-lr-wrong-123456789"
    result = run_cli("auth", "login", input=wrong, key=None)
    assert result.returncode == 3 and not (config_dir(user_dirs) / "key").exists()
    assert wrong not in result.stderr
    assert run_cli("auth", "login", "--no-verify", input=wrong, key=None).returncode == 0
    assert run_cli("auth", "status", key=None).returncode == 3


def test_login_never_takes_the_key_from_argv(run_cli):
    result = run_cli("auth", "login", TEST_KEY, key=None)
    assert result.returncode == 2 and TEST_KEY not in result.stderr


def test_loose_modes_are_tightened_with_a_warning(run_cli, user_dirs):
    folder = config_dir(user_dirs)
    folder.mkdir(parents=True)
    (folder / "key").write_text(TEST_KEY)
    os.chmod(folder / "key", 0o644)
    os.chmod(folder, 0o755)
    result = run_cli("chat", "hi", key=None)
    assert result.returncode == 0 and "readable by others" in result.stderr
    assert stat.S_IMODE((folder / "key").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_environment_key_beats_the_stored_one(run_cli, user_dirs):
    run_cli("auth", "login", "--no-verify", input="sk-lr-stored-but-wrong-0000", key=None)
    status = run_cli("auth", "status")
    assert "source: environment (LOWROUTER_API_KEY)" in status.stdout
    assert run_cli("chat", "hi").returncode == 0


def test_precedence_option_environment_config_default(run_cli, emulator):
    def sent_model(*args, env=None):
        assert run_cli("chat", "hi", *args, env=env).returncode == 0
        return json.loads(emulator.chat_requests()[-1]["body"])["model"]

    assert sent_model() == "lowrouter/auto"
    assert run_cli("config", "set", "model", "mistral/mistral-small").returncode == 0
    assert sent_model() == "mistral/mistral-small"
    assert sent_model(env={"LOWROUTER_MODEL": "openai/gpt-4o-mini"}) == "openai/gpt-4o-mini"
    assert sent_model("-m", "anthropic/claude-3.5-haiku", env={"LOWROUTER_MODEL": "x/y"}) == \
        "anthropic/claude-3.5-haiku"
    assert run_cli("config", "get", "model").stdout == "mistral/mistral-small\n"
    assert run_cli("config", "unset", "model").returncode == 0
    assert sent_model() == "lowrouter/auto"


def test_config_commands_and_validation(run_cli, user_dirs):
    assert run_cli("config", "path").stdout.strip() == str(config_dir(user_dirs) / "config.toml")
    assert run_cli("config", "set", "timeout", "30").returncode == 0
    assert run_cli("config", "set", "region", "eu-west").returncode == 0
    assert json.loads(run_cli("config", "list", "--json").stdout) == {"timeout": 30.0, "region": "eu-west"}
    assert run_cli("config", "set", "timeout", "soon").returncode == 2
    assert run_cli("config", "set", "colour", "x").returncode == 2
    unset = run_cli("config", "get", "provider")  # not set anywhere: said, and not an error
    assert (unset.returncode, unset.stdout) == (0, "") and "provider is not set in" in unset.stderr


def test_a_broken_config_file_names_the_file_and_line(run_cli, user_dirs):
    folder = config_dir(user_dirs)
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('model = "a"\ntimeout = = 3\n')
    result = run_cli("chat", "hi")
    assert result.returncode == 2
    assert "config.toml" in result.stderr and "line 2" in result.stderr and result.stderr.count("\n") == 1


def test_curl_prints_a_command_that_gets_the_same_answer(run_cli, emulator):
    for command, stream in (("chat", False), ("stream", True)):
        printed = run_cli(command, "--curl", "-s", "it's a 'test'", "--region", "eu-west", "what's $HOME?")
        assert printed.returncode == 0 and printed.stderr == ""
        assert printed.stdout.startswith(f"curl {'-N ' if stream else ''}{emulator.base_url}/chat/completions")
        assert '-H "Authorization: Bearer $LOWROUTER_API_KEY"' in printed.stdout
        assert emulator.chat_requests() == []  # --curl sends nothing, for chat and stream alike
    printed = run_cli("chat", "--curl", "what's $HOME?")
    requests_before = len(emulator.chat_requests())
    done = subprocess.run(["bash", "-c", printed.stdout], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, LOWROUTER_API_KEY=TEST_KEY))
    assert len(emulator.chat_requests()) == requests_before + 1
    by_curl = json.loads(done.stdout)["choices"][0]["message"]["content"]
    by_cli = run_cli("chat", "what's $HOME?").stdout
    assert by_cli == by_curl + "\n"
    assert json.loads(emulator.chat_requests()[-1]["body"]) == json.loads(emulator.chat_requests()[-2]["body"])


@pytest.mark.parametrize("args, request_line, statuses", [
    (["chat", "hi"], "> POST {base}/chat/completions", ["< 200 OK"]),
    (["stream", "hi"], "> POST {base}/chat/completions", ["< 200 OK"]),
    (["models", "--refresh"], "> GET {base}/models", ["< 200 OK"]),
    (["generation", "last", "--wait", "3"], "> GET {base}/generation/gen-", ["< 200 OK"]),
    (["auth", "status"], "> GET {base}/models", ["< 200 OK"]),
    (["chat", "hi [[fault:429 retry_after=0]]"], "> POST {base}/chat/completions", ["< 429 Too Many Requests"] * 3),
    (["config", "list"], "", []),
])
def test_verbose_shows_the_wire_and_never_the_key(run_cli, emulator, args, request_line, statuses):
    assert run_cli("chat", "warm up the history").returncode == 0
    result = run_cli(*args, "-v")
    quiet = run_cli(*args)
    assert not [line for line in quiet.stderr.splitlines() if line.startswith(("> ", "< "))]
    assert TEST_KEY not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    sent = [line for line in lines if line.startswith("> ") and " http" in line]
    assert [line[: len(request_line.format(base=emulator.base_url))] for line in sent] == \
        [request_line.format(base=emulator.base_url)] * len(statuses)
    assert lines.count("> Authorization: Bearer [redacted]") == len(statuses)
    assert [line.split(" (")[0] for line in lines if line.startswith("< ") and line[2:5].isdigit()] == statuses
    if args == ["stream", "hi"]:
        assert "> Accept: text/event-stream" in lines and lines[-1].endswith(" bytes received)")


def test_key_never_lands_in_files(run_cli, user_dirs):
    run_cli("chat", "hi")
    run_cli("stream", "hi")
    run_cli("models")
    for path in user_dirs.rglob("*"):
        if path.is_file() and path.name != "key":
            assert TEST_KEY not in path.read_text(errors="replace"), path


def test_refuses_to_send_the_key_over_plain_http_to_another_host(run_cli):
    result = run_cli("chat", "hi", base_url="http://lowrouter.example/api/v1")
    assert result.returncode == 2 and "plain http://" in result.stderr and "loopback" in result.stderr


class RecordingProxy:
    """A proxy on 127.0.0.1 that records the first line of each request and refuses it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.lines = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                self.lines.append(data.split(b"\r\n", 1)[0].decode())
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_https_proxy_is_honoured(run_cli):
    proxy = RecordingProxy()
    result = run_cli("chat", "hi", base_url="https://lowrouter.test/api/v1",
                     env={"HTTPS_PROXY": proxy.url, "NO_PROXY": ""})
    assert proxy.lines and proxy.lines[0].startswith("CONNECT lowrouter.test:443")
    assert result.returncode == 8 and "proxy" in result.stderr


def test_loopback_is_never_proxied(run_cli, emulator):
    proxy = RecordingProxy()
    local = emulator.base_url.replace("127.0.0.1", "localhost")
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        for base_url in (local, emulator.base_url):
            result = run_cli("chat", "hi", base_url=base_url, env={name: proxy.url, "NO_PROXY": ""})
            assert result.returncode == 0, result.stderr
    assert proxy.lines == []


def test_requests_ca_bundle_is_honoured(run_cli, tmp_path):
    missing = tmp_path / "no-such-bundle.pem"
    result = run_cli("chat", "hi", base_url="https://lowrouter.test/api/v1",
                     env={"REQUESTS_CA_BUNDLE": str(missing), "HTTPS_PROXY": "", "NO_PROXY": "*"})
    assert result.returncode == 8 and str(missing) in result.stderr and result.stderr.count("\n") == 1


def test_verbose_login_and_logout_never_show_the_key(run_cli):
    login = run_cli("auth", "login", "-v", input=TEST_KEY, key=None)
    assert login.returncode == 0 and "> Authorization: Bearer [redacted]" in login.stderr
    logout = run_cli("auth", "logout", "-v", key=None)
    for result in (login, logout):
        assert TEST_KEY not in result.stdout + result.stderr
