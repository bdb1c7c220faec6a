"""The command line's shape, in-process through cli.run(): the shared options are declared once and
taken before or after the command's name, and the Environment a caller passes is never changed."""

from __future__ import annotations

import io
import json

import pytest

from lowrouter_cli.cli import run
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import ExitCode

from conftest import TEST_KEY


def environment(tmp_path, emulator, *, tty: bool = False) -> Environment:
    return Environment(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(),
                       stdout_isatty=tty, stderr_isatty=tty,
                       environ={"LOWROUTER_API_KEY": TEST_KEY, "LOWROUTER_BASE_URL": emulator.base_url},
                       config_dir=tmp_path / "config", cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")


@pytest.mark.parametrize("argv", [
    ["--color", "always", "chat", "--no-history", "hi"],
    ["chat", "--no-history", "hi", "--color", "always"],
    ["--color", "never", "chat", "--no-history", "hi", "--color", "always"],  # after the name wins
])
def test_color_is_taken_before_or_after_the_command_name(tmp_path, emulator, argv):
    env = environment(tmp_path, emulator, tty=True)
    assert run(env, argv) == ExitCode.OK
    assert "\x1b[" in env.stdout.getvalue() + env.stderr.getvalue()
    assert env.color == "auto"  # the caller's Environment is left as built


@pytest.mark.parametrize("argv", [
    ["--color", "never", "chat", "--no-history", "hi"],
    ["chat", "--no-history", "hi", "--color", "never"],
    ["--color", "always", "chat", "--no-history", "hi", "--color", "never"],
])
def test_color_never_writes_no_escape_codes_on_a_terminal(tmp_path, emulator, argv):
    env = environment(tmp_path, emulator, tty=True)
    assert run(env, argv) == ExitCode.OK
    assert "Hello from the" in env.stdout.getvalue()
    assert "\x1b" not in env.stdout.getvalue() + env.stderr.getvalue()


@pytest.mark.parametrize("where", ["before", "after"])
def test_base_url_timeout_and_verbose_are_taken_before_or_after_the_name(tmp_path, emulator, where):
    env = environment(tmp_path, emulator)
    env = Environment(**{**env.__dict__, "environ": {"LOWROUTER_API_KEY": TEST_KEY}})  # no base URL
    shared = ["--base-url", emulator.base_url, "--timeout", "5", "-v"]
    argv = [*shared, "models", "--json"] if where == "before" else ["models", "--json", *shared]
    assert run(env, argv) == ExitCode.OK
    assert json.loads(env.stdout.getvalue())[0]["id"]
    assert f"> GET {emulator.base_url}/models" in env.stderr.getvalue()


def test_an_option_after_the_name_beats_the_same_before_it(tmp_path, emulator):
    env = environment(tmp_path, emulator)
    argv = ["--base-url", "http://127.0.0.1:9/api/v1", "models", "--json", "--base-url", emulator.base_url]
    assert run(env, argv) == ExitCode.OK
    assert json.loads(env.stdout.getvalue())


def test_group_commands_take_the_shared_options_before_the_group(tmp_path, emulator):
    env = environment(tmp_path, emulator)
    assert run(env, ["--color", "never", "config", "path"]) == ExitCode.OK
    assert env.stdout.getvalue() == f"{tmp_path / 'config' / 'config.toml'}\n"


def test_a_closed_stdout_is_exit_141(tmp_path, emulator):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError()

    env = environment(tmp_path, emulator)
    env = Environment(**{**env.__dict__, "stdout": Closed()})
    assert ExitCode.OUTPUT_CLOSED == 141
    assert run(env, ["config", "path"]) == ExitCode.OUTPUT_CLOSED
    assert env.stderr.getvalue() == ""


@pytest.mark.parametrize("argv", [["--color", "always", "chat", "hi"], ["chat", "hi", "--color", "always"]])
def test_the_error_line_follows_the_color_option(tmp_path, emulator, argv):
    env = environment(tmp_path, emulator)
    env = Environment(**{**env.__dict__, "environ": {"LOWROUTER_BASE_URL": emulator.base_url}})  # no key
    assert run(env, argv) == ExitCode.AUTH
    assert env.stderr.getvalue().startswith("\x1b[")
    assert "no API key" in env.stderr.getvalue()


def test_every_command_is_options_a_docstring_and_one_call():
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "lowrouter_cli"
    commands, thick = [], []
    for path in [package / "cli.py", *sorted((package / "commands").glob("*.py"))]:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Name) and d.id == "with_shared_options" for d in node.decorator_list):
                commands.append(node.name)
                assert ast.get_docstring(node), node.name
                body = [s for s in node.body[1:] if not isinstance(s, (ast.Import, ast.ImportFrom))]
                if not (len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call)):
                    thick.append(f"{path.name}:{node.name}")
    assert {"chat", "stream", "models", "generation", "login", "get"} <= set(commands)
    assert thick == []
