"""zsh and fish completion: zsh typed into a real interactive zsh (no rc files) on a
pseudo-terminal: subcommands of a command group with their descriptions, options, and model ids from the cache through
`lowrouter __complete-models` (which only works if the function leaves $path, zsh's $PATH, alone)."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from shell_on_pty import ShellOnPty

pytestmark = pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed")


def tab_in_zsh(text, *, env, cwd, until):
    """Type `text` (with a TAB) at a zsh prompt with compinit and our completion loaded; returns
    the screen's lines once `until` shows."""
    shell = ShellOnPty(["zsh", "-f", "-i"], env=env, cwd=cwd, columns=160)
    shell.type(f"PS1='>>> '; fpath=('{ROOT / 'completions'}' $fpath); autoload -Uz compinit; "
               "compinit -u -D; unsetopt zle_bracketed_paste; print READY\n")
    shell.read_until(b"READY\r\n")
    start = len(shell.output)
    shell.type(text)
    shell.read_until(until.encode(), start)
    return shell.close("\x15exit\r")  # Ctrl-U clears the line: nothing runs


@pytest.fixture
def zsh_env(run_cli, emulator, lowrouter_on_path, tmp_path):
    assert run_cli("models").returncode == 0  # the cache the model completion reads
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZSH")}
    env.update(PATH=f"{lowrouter_on_path}:{os.environ['PATH']}", LOWROUTER_BASE_URL=emulator.base_url,
               TERM="xterm", HOME=str(tmp_path), ZDOTDIR=str(tmp_path))
    return env


def test_a_command_groups_subcommands_are_offered_with_their_descriptions(zsh_env, tmp_path):
    shown = tab_in_zsh("lowrouter config \t", env=zsh_env, cwd=tmp_path, until="Remove a default")
    listed = dict(re.fullmatch(r"(\w+) +-- (.+)", line).groups() for line in shown if " -- " in line)
    assert listed == {
        "get": "Print the value in force - the config file's, else the environment's or the default (said on stderr)",
        "list": "Print every value in the config file",
        "path": "Print where the config file is (it may not exist yet)",
        "set": "Set a default (options and environment variables still beat it)",
        "unset": "Remove a default",
    }


def test_model_ids_come_from_the_cache_under_a_subcommand_and_an_option(zsh_env, tmp_path):
    shown = tab_in_zsh("lowrouter chat -m anthropic/cl\t", env=zsh_env, cwd=tmp_path,
                       until="claude-3.5-haiku")
    assert shown[-1] == ">>> lowrouter chat -m anthropic/claude-3.5-haiku"


@pytest.mark.parametrize(("typed", "completed"), [("lowrouter config get budget_d\t", "budget_daily"),
                                                   ("lowrouter config unset reg\t", "region"),
                                                   ("lowrouter generation la\t", "last")])
def test_config_keys_and_last_are_offered_as_arguments(zsh_env, tmp_path, typed, completed):
    shown = tab_in_zsh(typed, env=zsh_env, cwd=tmp_path, until=completed)
    assert shown[-1] == ">>> " + typed[:-1].rsplit(" ", 1)[0] + " " + completed


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed")
def test_fish_offers_config_keys_and_last(tmp_path):
    script = ROOT / "completions/lowrouter.fish"

    def complete(line):
        done = subprocess.run(["fish", "--no-config", "-c", f"source '{script}'; complete -C '{line}'"],
                              capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path)})
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("lowrouter config get budget") == ["budget_daily", "budget_monthly"]
    assert complete("lowrouter generation l") == ["last"]
