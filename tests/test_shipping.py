"""Completions and the man page are generated from the command tree and committed: drift fails
here. Every command appears in the README and the man page."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import generate_docs  # noqa: E402

from conftest import lowrouter_command, process_environ  # noqa: E402


def test_completions_and_man_page_match_the_command_tree():
    for relative, text in generate_docs.render_all().items():
        assert (ROOT / relative).read_text() == text, f"{relative} is stale: run python scripts/generate_docs.py"


def leaf_commands():
    return [" ".join(c.path[1:]) for c in generate_docs.all_commands(generate_docs.tree()) if not c.children]


def test_every_command_is_in_the_readme_and_the_man_page():
    readme = (ROOT / "README.md").read_text()
    manual = (ROOT / "man/lowrouter.1").read_text()
    for command in leaf_commands():
        assert f"lowrouter {command}" in readme, command
        assert f".B {' '.join(['lowrouter', *command.split()])}" in manual, command


def test_every_option_is_in_each_completion_and_the_man_page():
    root = generate_docs.tree()
    texts = {p: (ROOT / p).read_text() for p in generate_docs.OUTPUTS}
    for command in generate_docs.all_commands(root):
        for option in command.options:
            for name in option.names:
                assert name in texts["completions/lowrouter.bash"], name
                assert name in texts["completions/_lowrouter"], name
                assert name.lstrip("-") in texts["completions/lowrouter.fish"], name
                assert name.replace("-", "\\-") in texts["man/lowrouter.1"], name


@pytest.mark.skipif(not shutil.which("groff"), reason="groff is not installed")
def test_man_page_renders_without_warnings():
    done = subprocess.run(["groff", "-man", "-ww", "-Tutf8", str(ROOT / "man/lowrouter.1")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ENVIRONMENT", "FILES",
                    "EXIT STATUS", "EXAMPLES"):
        assert f".SH {section}" in (ROOT / "man/lowrouter.1").read_text()


def test_bash_completion_offers_commands_options_and_cached_models(run_cli, emulator, lowrouter_on_path):
    assert run_cli("models").returncode == 0  # fills the cache
    script = ROOT / "completions/lowrouter.bash"

    def complete(*words):
        line = " ".join(f"'{w}'" for w in words)
        code = (f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _lowrouter; "
                'printf "%s\\n" "${COMPREPLY[@]}"')
        env = dict(os.environ, PATH=f"{lowrouter_on_path}:{os.environ['PATH']}", LOWROUTER_BASE_URL=emulator.base_url)
        return subprocess.run(["bash", "-c", code], capture_output=True, text=True, env=env).stdout.split()

    assert "stream" in complete("lowrouter", "st")
    assert complete("lowrouter", "chat", "--max-t") == ["--max-tokens"]
    assert complete("lowrouter", "chat", "--max") == ["--max-tokens", "--max-cost"]
    assert "openai/gpt-4o-mini" in complete("lowrouter", "chat", "-m", "")
    assert complete("lowrouter", "models", "--sort", "p") == ["price"]
    assert complete("lowrouter", "auth", "lo") == ["login", "logout"]


def test_model_completion_reads_the_cache_only(run_cli, emulator):
    assert run_cli("models").returncode == 0
    emulator.stop()  # no gateway at all now
    done = subprocess.run(lowrouter_command("__complete-models"), capture_output=True, text=True,
                          env=process_environ(emulator.base_url, key=None), timeout=10)
    assert done.stdout.splitlines()[0] == "openai/gpt-4o-mini" and done.stderr == ""
    empty = subprocess.run(lowrouter_command("__complete-models"), capture_output=True, text=True,
                           env=process_environ("https://never.cached/api/v1", key=None), timeout=10)
    assert empty.stdout == "" and empty.stderr == "" and empty.returncode == 0


def test_typer_completion_options_are_off(run_cli):
    help_text = run_cli("--help").stdout
    assert "--install-completion" not in help_text and "--show-completion" not in help_text


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed")
def test_zsh_completion_parses():
    assert subprocess.run(["zsh", "-n", str(ROOT / "completions/_lowrouter")]).returncode == 0


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed")
def test_fish_completion_offers_subcommands_and_models(run_cli, emulator, lowrouter_on_path):
    assert run_cli("models").returncode == 0
    script = ROOT / "completions/lowrouter.fish"
    env = dict(os.environ, PATH=f"{lowrouter_on_path}:{os.environ['PATH']}", LOWROUTER_BASE_URL=emulator.base_url)
    done = subprocess.run(["fish", "-c", f"source '{script}'; complete -C 'lowrouter auth '; "
                           "complete -C 'lowrouter stream -m '"], capture_output=True, text=True, env=env)
    offered = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert {"login", "logout", "status", "openai/gpt-4o-mini"} <= set(offered)
