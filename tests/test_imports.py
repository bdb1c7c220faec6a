"""What each command loads: --help and --version without Typer, nothing that sends (requests)
or renders Markdown (rich.markdown) for commands that send nothing, no rich for answers in a
pipe. One process per command (an in-process run can't show it: the tests load everything)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, process_environ

WATCHED = ("typer", "requests", "urllib3", "ssl", "rich", "rich.markdown", "markdown_it", "pygments", "sqlite3",
           "prompt_toolkit")
PROBE = (
    "import json, sys\n"
    "sys.argv = ['lowrouter', *sys.argv[1:]]\n"
    "from lowrouter_cli.entry import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    f"sys.stderr.write('\\nMODULES ' + json.dumps(sorted(m for m in {WATCHED!r} if m in sys.modules)))\n"
)

# command -> modules it must load (of those watched) and modules it must not
EXPECTED = {
    "--help": (set(), {"typer", "requests", "rich", "urllib3"}),
    "chat --help": (set(), {"typer", "requests", "rich", "urllib3", "prompt_toolkit"}),
    "config set --help": (set(), {"typer", "requests", "rich", "urllib3"}),
    "--version": (set(), {"typer", "requests", "rich"}),
    "__complete-models": (set(), {"typer", "requests", "rich"}),
    "config list": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it"}),
    "config path": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it"}),
    "auth status --no-verify": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it"}),
    "models": ({"typer"}, {"requests", "urllib3", "ssl", "rich", "markdown_it"}),  # cached, in a pipe
    "generation --list": ({"typer", "sqlite3"}, {"requests", "urllib3", "ssl", "rich", "markdown_it"}),
    "chat hi": ({"typer", "requests"}, {"rich", "markdown_it", "pygments", "prompt_toolkit"}),  # in a pipe
    "stream hi": ({"typer", "requests"}, {"rich", "markdown_it", "pygments", "prompt_toolkit"}),
}


def test_each_command_loads_only_what_it_uses(run_cli, emulator):
    assert run_cli("models").returncode == 0  # a fresh cache: `models` below sends nothing
    assert run_cli("chat", "hi").returncode == 0  # something for generation --list
    environ = process_environ(emulator.base_url, env={"COLUMNS": "100"})
    processes = {command: subprocess.Popen([sys.executable, "-c", PROBE, *command.split()], cwd=ROOT, env=environ,
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for command in EXPECTED}
    loaded = {}
    for command, process in processes.items():
        _, stderr = process.communicate(timeout=60)
        loaded[command] = set(json.loads(stderr.decode().rsplit("MODULES ", 1)[1]))
    for command, (needed, unwanted) in EXPECTED.items():
        assert needed <= loaded[command], (command, loaded[command])
        assert not unwanted & loaded[command], (command, sorted(loaded[command]))


def test_help_without_typer_is_what_typer_prints():
    from lowrouter_cli.help_text import HELP

    environ = process_environ(None, env={"COLUMNS": "100"})
    for command in ("", "chat", "config set"):
        fast = subprocess.run([sys.executable, "-m", "lowrouter_cli", *command.split(), "--help"], cwd=ROOT,
                              env=environ, capture_output=True, text=True, timeout=60)
        assert fast.returncode == 0 and fast.stdout == HELP[(command, 98)]
    assert {width for _, width in HELP} == {78, 98} and ("generation", 78) in HELP
