"""Nothing from the wire or the disk drives the terminal: every command, run in-process on a real
pseudo-terminal against a hostile gateway, shows the payload's controls as placeholders and lets
none of its OSC, CSI, DCS or C1 sequences through. Pipes keep answers byte-exact, escape every other
field, and --json stays valid JSON with every control escaped."""

from __future__ import annotations

import json
import re

import pytest

from conftest import TEST_KEY, cli_environ, run_in_process
from hostile_gateway import FORBIDDEN, PAYLOAD, SHOWN, HostileGateway
from terminal_screen import on_pty as run_on_pty

# The only escape sequences lowrouter itself writes: SGR styles, erase line, cursor up, erase
# below (the live view: never "2J", which clears the screen), and hiding/showing the cursor.
OURS = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]*[AK]|\x1b\[J|\x1b\[\?25[lh]|\x1b\[2K")


@pytest.fixture
def gateway():
    with HostileGateway() as server:
        yield server


def on_pty(gateway, *argv, env=None, color="auto"):
    """Run `lowrouter ARGV` in-process with stdout and stderr on one pseudo-terminal; returns the
    exit code and everything the terminal received, decoded."""
    environ = cli_environ(gateway.base_url, TEST_KEY, {"TERM": "xterm", "COLUMNS": "200", **(env or {})})
    code, received = run_on_pty(environ, [*argv, "--color", color])
    return code, received.decode("utf-8", "replace")


def assert_safe(screen: str, shown=SHOWN) -> None:
    rest = OURS.sub("", screen)
    for sequence in FORBIDDEN:
        assert sequence not in rest, (sequence, rest)
    assert "\x1b" not in rest, rest
    assert not re.search("[\x80-\x9f]", rest), rest
    visible = OURS.sub("", screen)
    for placeholder in shown:
        assert placeholder in visible, (placeholder, visible)


@pytest.mark.parametrize("argv", [["chat", "hi"], ["stream", "hi"], ["stream", "--raw", "hi"]])
def test_answers_and_footers_show_controls_instead_of_obeying_them(gateway, argv):
    code, screen = on_pty(gateway, *argv)
    assert code == 0, screen
    assert_safe(screen)
    assert "\\x1b]0;t\\x07" in screen and "\\x9b2J" in screen  # the footer's provider and region
    assert "\\x1b]0;id\\x07" in screen  # the generation id


def test_markdown_links_show_their_target_and_are_never_hyperlinks(gateway):
    for argv in (["chat", "hi"], ["stream", "hi"]):
        code, screen = on_pty(gateway, *argv)
        assert code == 0 and "\x1b]8;" not in screen
        assert re.search(r"https://bank\.example.*https://evil\.example", OURS.sub("", screen))


@pytest.mark.parametrize("argv", [["chat", "error400"], ["chat", "html"], ["stream", "midstream"],
                                  ["stream", "--raw", "midstream"], ["chat", "-v", "hi"], ["models", "-v"]])
def test_errors_and_verbose_dumps_show_controls_instead_of_obeying_them(gateway, argv):
    code, screen = on_pty(gateway, *argv)
    assert code == {"error400": 4, "html": 7, "midstream": 7}.get(argv[-1], 0), screen
    assert_safe(screen, shown=("\\x1b]52;c;SGVsbG8=\\x07", "\\x9b31m"))


@pytest.mark.parametrize("argv", [["models"], ["generation", "gen-1"], ["generation", "gen-1", "--json"],
                                  ["models", "--json"], ["chat", "--json", "hi"], ["stream", "--json", "hi"]])
def test_tables_views_and_json_on_a_terminal(gateway, argv):
    code, screen = on_pty(gateway, *argv)
    assert code == 0, screen
    if "--json" in argv:
        rest = OURS.sub("", screen)
        assert "\x1b" not in rest and not re.search("[\x80-\x9f\x07]", rest)
        assert "\\u001b]52" in rest or "\\u001b]0;t" in rest
    else:
        assert_safe(screen, shown=("\\x1b]0;t\\x07",))


def test_generation_list_replays_a_hostile_ledger_safely(gateway):
    environ = cli_environ(gateway.base_url, TEST_KEY, None)
    assert run_in_process(["chat", "hi"], environ=environ).returncode == 0  # recorded from the wire
    code, screen = on_pty(gateway, "generation", "--list")
    assert code == 0
    assert_safe(screen, shown=("\\x1b]52;c;SGVsbG8=\\x07", "\\x9b31m"))
    for argv in (["logs"], ["logs", "-r"]):  # the ledger's rows and the answer it stored
        code, screen = on_pty(gateway, *argv)
        assert code == 0 and "\\x1b]52;c;SGVsbG8=\\x07" in screen, screen
        assert_safe(screen, shown=())
    piped = run_in_process(["generation", "--list"], environ=environ)
    rows = piped.stdout.splitlines()
    assert len(rows) == 2 and rows[1].count("\t") == rows[0].count("\t"), rows
    assert "\x1b" not in piped.stdout and "\\x1b]52" in rows[1]


def test_piped_answers_are_byte_exact_and_piped_fields_cannot_forge_lines(gateway):
    environ = cli_environ(gateway.base_url, TEST_KEY, None)
    assert run_in_process(["chat", "hi"], environ=environ).stdout == PAYLOAD + "\n"
    assert run_in_process(["stream", "hi"], environ=environ).stdout == PAYLOAD + "\n"
    view = run_in_process(["generation", "gen-1"], environ=environ).stdout
    assert [line.split(":", 1)[0] for line in view.splitlines()].count("cost") == 1
    assert "m/x\\ncost: $0.00A\\x1b]52" in view and "stop\\tforged" in view
    assert "\x1b" not in view and not re.search("[\x80-\x9f]", view)
    models = run_in_process(["models"], environ=environ).stdout.splitlines()
    assert len(models) == 2 and models[1].count("\t") == models[0].count("\t")


def test_json_output_escapes_every_control_and_stays_valid(gateway):
    environ = cli_environ(gateway.base_url, TEST_KEY, None)
    chat = run_in_process(["chat", "--json", "hi"], environ=environ).stdout
    assert json.loads(chat)["choices"][0]["message"]["content"] == PAYLOAD
    lines = run_in_process(["stream", "--json", "hi"], environ=environ).stdout.splitlines()
    assert "".join(json.loads(line)["choices"][0]["delta"].get("content", "") for line in lines) == PAYLOAD
    for text in [chat, *lines]:
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text), text  # \n only between lines


def test_curl_escapes_a_prompts_controls(gateway):
    environ = cli_environ(gateway.base_url, TEST_KEY, None)
    result = run_in_process(["chat", "--curl"], input="diff \x9b2J \x1b]0;t\x07 done\n", environ=environ)
    assert result.returncode == 0 and "\\u009b2J \\u001b]0;t\\u0007 done" in result.stdout
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", result.stdout)
