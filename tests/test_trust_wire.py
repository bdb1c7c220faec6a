"""Where the key may go: base URLs parsed as the transport parses them, proxies, redirects, netrc
and userinfo. Each case is judged on what a second loopback listener receives: never the key."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from conftest import TEST_KEY, cli_environ, run_in_process
from lowrouter_cli.errors import GatewayError
from lowrouter_cli.urls import Origin, choose_proxy, next_hop

ANSWER = {"id": "gen-1", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                                    "finish_reason": "stop"}]}


class Listener:
    """A loopback HTTP listener that records every request it receives (raw bytes) and answers
    each from `routes` (path -> (status, headers, body)), else 404. One request per connection."""

    def __init__(self, routes=None):
        self.routes = routes or {}
        self.received: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def port(self):
        return self.sock.getsockname()[1]

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def paths(self):
        return [r.split(b" ", 2)[1].decode() for r in self.received]

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                self.received.append(head + b"\r\n\r\n" + body)
                path = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else ""
                status, headers, payload = self.routes.get(path, (404, {}, {"error": {"message": "no"}}))
                raw = json.dumps(payload).encode()
                lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(raw)}", "Content-Type: application/json",
                         "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
                conn.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + raw)

    def close(self):
        self.sock.close()


@pytest.fixture
def listeners():
    made = []

    def make(routes=None):
        made.append(Listener(routes))
        return made[-1]

    yield make
    for listener in made:
        listener.close()


def run(argv, base_url, env=None, key=TEST_KEY):
    return run_in_process(argv, environ=cli_environ(base_url, key, env))


def assert_one_line(result, code, *words):
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("lowrouter: error: "), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert TEST_KEY not in result.stdout + result.stderr


# -- the base URL ------------------------------------------------------------------------------


def test_a_backslash_url_is_refused_before_anything_is_sent(listeners):
    other = listeners()
    url = f"http://127.0.0.1:{other.port}\\@127.0.0.1:9/api/v1"
    for argv in (["chat", "hi"], ["models"], ["chat", "--curl", "hi"]):
        assert_one_line(run(argv, url), 2, "backslash")
    assert_one_line(run(["config", "set", "base_url", url], None), 2, "backslash")
    assert other.received == []


def test_userinfo_query_and_fragment_are_refused_and_no_password_is_shown(listeners, user_dirs):
    other = listeners()
    for url, word in ((f"http://user:s3cret-pw@127.0.0.1:{other.port}/api/v1", "user:password@"),
                      (f"{other.origin}/api/v1?x=1", "query"), (f"{other.origin}/api/v1#f", "fragment")):
        for argv in (["chat", "hi"], ["chat", "-v", "hi"], ["stream", "--curl", "hi"],
                     ["config", "set", "base_url", url]):
            result = run(argv if argv[0] != "config" else argv, url if argv[0] != "config" else None)
            assert_one_line(result, 2, word)
            assert "s3cret-pw" not in result.stderr + result.stdout
    assert other.received == []
    assert not (user_dirs / ".config/lowrouter/config.toml").exists()


def test_config_set_accepts_a_good_base_url():
    result = run(["config", "set", "base_url", "https://gateway.example/api/v1"], None)
    assert result.returncode == 0 and result.stderr == ""


# -- netrc and the environment's credentials -------------------------------------------------------


def test_netrc_is_never_consulted(listeners, user_dirs, tmp_path):
    gateway = listeners({"/api/v1/chat/completions": (200, {}, ANSWER)})
    user_dirs.mkdir(parents=True, exist_ok=True)
    netrc = user_dirs / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-pw\ndefault login x password y\n")
    netrc.chmod(0o600)
    for env in ({}, {"NETRC": str(netrc)}):
        assert run(["chat", "hi"], f"{gateway.origin}/api/v1", env).returncode == 0
    for request in gateway.received:
        assert f"Authorization: Bearer {TEST_KEY}".encode() in request and b"Basic" not in request


# -- proxies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_a_loopback_gateway_is_never_proxied(listeners, variable):
    proxy, gateway = listeners(), listeners({"/api/v1/chat/completions": (200, {}, ANSWER)})
    for host in ("127.0.0.1", "localhost"):
        result = run(["chat", "-v", "hi"], f"http://{host}:{gateway.port}/api/v1", {variable: proxy.origin})
        assert result.returncode == 0 and result.stdout == "ok\n" and "proxy" not in result.stderr
    assert proxy.received == [] and len(gateway.received) == 2


def test_an_https_gateway_through_a_proxy_shows_it_only_a_tunnel(listeners):
    proxy = listeners()
    result = run(["chat", "-v", "hi"], "https://gateway.test/api/v1",
                 {"HTTPS_PROXY": f"http://u:proxy-pw@127.0.0.1:{proxy.port}", "NO_PROXY": ""})
    assert result.returncode == 8
    assert f"> (through the proxy http://127.0.0.1:{proxy.port}, from HTTPS_PROXY)" in result.stderr
    assert "proxy-pw" not in result.stderr and TEST_KEY not in result.stderr
    assert proxy.received and all(r.startswith(b"CONNECT gateway.test:443 ") for r in proxy.received)
    assert not any(TEST_KEY.encode() in r or b"Bearer" in r for r in proxy.received)


def test_proxy_choice_honours_no_proxy_and_never_loopback():
    remote = Origin("https", "api.example.com", 443)
    env = {"https_proxy": "http://p:1", "HTTP_PROXY": "http://q:2"}
    assert choose_proxy(remote, env) == ("http://p:1", "https_proxy")
    assert choose_proxy(Origin("http", "api.example.com", 80), env) == ("http://q:2", "HTTP_PROXY")
    assert choose_proxy(Origin("http", "127.0.0.5", 80), env) == (None, None)
    assert choose_proxy(Origin("http", "[::1]", 80), {"ALL_PROXY": "p:3"}) == (None, None)
    assert choose_proxy(remote, {"ALL_PROXY": "p:3"}) == ("http://p:3", "ALL_PROXY")
    for no_proxy in ("example.com", ".example.com", "api.example.com:443", "*", "x, example.com"):
        assert choose_proxy(remote, {**env, "NO_PROXY": no_proxy}) == (None, None), no_proxy
    for no_proxy in ("other.com", "api.example.com:8443", "ample.com"):
        assert choose_proxy(remote, {**env, "no_proxy": no_proxy})[0] == "http://p:1", no_proxy
    assert choose_proxy(Origin("https", "10.1.2.3", 443), {**env, "NO_PROXY": "10.0.0.0/8"}) == (None, None)


# -- redirects ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["chat", "hi"], ["stream", "hi"]])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_post_is_never_redirected(listeners, argv, status):
    other = listeners()
    elsewhere = f"{other.origin}/steal"
    gateway = listeners({"/api/v1/chat/completions": (status, {"Location": elsewhere}, {})})
    assert_one_line(run(argv, f"{gateway.origin}/api/v1"), 7, elsewhere, "never redirected")
    assert other.received == [] and len(gateway.received) == 1


def test_a_redirect_loop_on_a_post_sends_the_prompt_once(listeners):
    gateway = listeners()
    gateway.routes["/api/v1/chat/completions"] = (307, {"Location": "/api/v1/chat/completions"}, {})
    assert run(["chat", "hi"], f"{gateway.origin}/api/v1").returncode == 7
    assert len(gateway.received) == 1


def test_a_get_follows_same_origin_redirects_and_verbose_shows_every_hop(listeners):
    models = {"data": [{"id": "m/a", "name": "A", "pricing": {"prompt": "0", "completion": "0"}}]}
    gateway = listeners({"/api/v1/models": (301, {"Location": "/api/v1/v2/models"}, {}),
                         "/api/v1/v2/models": (302, {"Location": "models-now"}, {}),
                         "/api/v1/v2/models-now": (200, {}, models)})
    result = run(["models", "--json", "-v"], f"{gateway.origin}/api/v1")
    assert result.returncode == 0 and json.loads(result.stdout)[0]["id"] == "m/a"
    assert gateway.paths() == ["/api/v1/models", "/api/v1/v2/models", "/api/v1/v2/models-now"]
    hops = [line for line in result.stderr.splitlines() if line.startswith("> GET ")]
    assert hops == [f"> GET {gateway.origin}{path}" for path in gateway.paths()]
    assert "< Location: /api/v1/v2/models" in result.stderr and "< 301 " in result.stderr


def test_a_get_stops_after_five_redirects(listeners):
    gateway = listeners()
    gateway.routes["/api/v1/models"] = (302, {"Location": "/api/v1/models"}, {})
    assert_one_line(run(["models"], f"{gateway.origin}/api/v1"), 7, "more than 5 redirects")
    assert len(gateway.received) == 6


def test_a_get_is_never_redirected_to_another_origin(listeners):
    other = listeners()
    gateway = listeners({"/api/v1/generation/gen-1": (302, {"Location": f"{other.origin}/x"}, {})})
    assert_one_line(run(["generation", "gen-1"], f"{gateway.origin}/api/v1"), 7, "another origin", other.origin)
    assert other.received == []


def test_redirect_rules():
    here = "https://gw.example/api/v1/models"
    assert next_hop("GET", here, 301, "/api/v1/m2", 0) == "https://gw.example/api/v1/m2"
    assert next_hop("GET", here, 301, "https://gw.example:443/x", 4) == "https://gw.example:443/x"
    for location, words in (("http://gw.example/x", "plain http"), ("https://gw.example:8443/x", "another origin"),
                            ("https://u:p@gw.example/x", "user:password"), ("/x\\y", "backslash"),
                            (None, "without a Location")):
        with pytest.raises(GatewayError, match=words):
            next_hop("GET", here, 302, location, 0)
    with pytest.raises(GatewayError, match="more than 5"):
        next_hop("GET", here, 302, "/api/v1/m2", 5)
    with pytest.raises(GatewayError, match="never redirected"):
        next_hop("POST", here, 307, "/api/v1/m2", 0)


# -- the key in messages ----------------------------------------------------------------------------


def test_a_key_with_control_characters_is_refused_showing_none_of_it(listeners):
    gateway = listeners({"/api/v1/chat/completions": (200, {}, ANSWER)})
    for key in ("sk-lr-abcdef\nghijklmnop", "tok\x1b[2Jsecretpart", "sk-lr-secret\x85value"):
        result = run(["chat", "-v", "hi"], f"{gateway.origin}/api/v1", key=key)
        assert_one_line(result, 2, "LOWROUTER_API_KEY", "control")
        for part in key.replace("\x1b", "\n").replace("\x85", "\n").split("\n")[1:] + ["abcdef", "tok"]:
            assert part not in result.stderr.split("error:", 1)[1], part
    assert gateway.received == []


def test_the_key_in_use_is_masked_whatever_its_shape(listeners):
    key = "tok_ABCDEFGHIJKLMNOP"
    echo = {"error": {"message": f"key {key} is not valid here", "code": 401}}
    gateway = listeners({"/api/v1/chat/completions": (401, {"X-Echo": key}, echo)})
    result = run(["chat", "-v", "hi"], f"{gateway.origin}/api/v1", key=key)
    assert result.returncode == 3
    assert key not in result.stderr and "tok…MNOP" in result.stderr
    assert "< X-Echo: tok…MNOP" in result.stderr and "key tok…MNOP is not valid" in result.stderr
