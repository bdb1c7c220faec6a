"""What each command loads: --help and --version without Typer, nothing that sends (requests)
or renders Markdown (rich.markdown) for commands that send nothing, no rich for answers in a
pipe. One process per command (an in-process run can't show it: the tests load everything)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT, process_environ

WATCHED = ("typer", "requests", "urllib3", "ssl", "rich", "rich.markdown", "markdown_it", "pygments", "sqlite3",
           "prompt_toolkit", "lowrouter_cli.records", "lowrouter_cli.estimates", "lowrouter_cli.usage",
           "lowrouter_cli.ledger", "lowrouter_cli.commands.ask", "lowrouter_cli.commands.models",
           "lowrouter_cli.commands.logs", "lowrouter_cli.commands.auth", "json", "charset_normalizer", "chardet")
DETECTORS = {"charset_normalizer", "chardet"}  # requests' encoding guess, for the .text lowrouter never reads
OTHER_COMMANDS = {"lowrouter_cli.commands.logs", "lowrouter_cli.commands.auth"}  # a command line names one
PROBE = (
    "import sys\n"
    "sys.argv = ['lowrouter', *sys.argv[1:]]\n"
    "from lowrouter_cli.entry import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    f"loaded = sorted(m for m in {WATCHED!r} if m in sys.modules)\n"
    "import json\n"  # after the list is taken
    "sys.stderr.write('\\nMODULES ' + json.dumps(loaded))\n"
)

# command -> modules it must load (of those watched) and modules it must not
EXPECTED = {
    "--help": (set(), {"typer", "requests", "rich", "urllib3"}),
    "chat --help": (set(), {"typer", "requests", "rich", "urllib3", "prompt_toolkit"}),
    "config set --help": (set(), {"typer", "requests", "rich", "urllib3"}),
    "--version": (set(), {"typer", "requests", "rich"}),
    "__complete-models": (set(), {"typer", "requests", "rich", "json"}),  # the ready list, not the cache's JSON
    "config list": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it", *OTHER_COMMANDS}),
    "config path": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it"}),
    "auth status --no-verify": ({"typer"}, {"requests", "urllib3", "ssl", "rich.markdown", "markdown_it"}),
    # cached, in a pipe: no HTTP, no rich, no generation records, only its own command's options
    "models": ({"typer", "lowrouter_cli.commands.models"},
               {"requests", "urllib3", "ssl", "rich", "markdown_it", "lowrouter_cli.records",
                "lowrouter_cli.commands.ask", *OTHER_COMMANDS}),
    "generation --list": ({"typer", "sqlite3"}, {"requests", "urllib3", "ssl", "rich", "markdown_it"}),
    "chat hi": ({"typer", "requests", "lowrouter_cli.ledger"},
                {"rich", "markdown_it", "pygments", "prompt_toolkit", "lowrouter_cli.commands.models", *OTHER_COMMANDS,
                 *DETECTORS}),
    # in a pipe, recording nothing: neither the ledger (sqlite3) nor estimates and records
    "chat --no-log hi": ({"typer", "requests", "lowrouter_cli.commands.ask"},
                         {"rich", "sqlite3", "lowrouter_cli.ledger", "lowrouter_cli.records", "lowrouter_cli.estimates",
                          "lowrouter_cli.usage", "prompt_toolkit", "lowrouter_cli.commands.models", *OTHER_COMMANDS,
                          *DETECTORS}),
    "stream hi": ({"typer", "requests"}, {"rich", "markdown_it", "pygments", "prompt_toolkit", *DETECTORS}),
}


# before there is a ledger (the cache alone): these record and read nothing, so sqlite3 stays out
WITHOUT_LEDGER = {
    "models": ({"typer", "lowrouter_cli.commands.models"},
               {"sqlite3", "lowrouter_cli.ledger", "lowrouter_cli.estimates", "lowrouter_cli.usage"}),
    "chat --no-log hi": ({"typer", "requests"}, {"sqlite3", "lowrouter_cli.ledger"}),
}


def loaded_modules(commands, environ):
    """command -> the watched modules it loaded, one process each, all at once."""
    processes = {command: subprocess.Popen([sys.executable, "-c", PROBE, *command.split()], cwd=ROOT, env=environ,
                                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for command in commands}
    loaded = {}
    for command, process in processes.items():
        _, stderr = process.communicate(timeout=60)
        assert b"Warning" not in stderr, (command, stderr)  # e.g. requests' on a missing detector
        loaded[command] = set(json.loads(stderr.decode().rsplit("MODULES ", 1)[1]))
    return loaded


def test_each_command_loads_only_what_it_uses(run_cli, emulator):
    environ = process_environ(emulator.base_url, env={"COLUMNS": "100"})
    assert run_cli("models").returncode == 0  # a fresh cache: `models` below sends nothing
    before_ledger = loaded_modules(WITHOUT_LEDGER, environ)
    assert run_cli("chat", "hi").returncode == 0  # something for generation --list
    loaded = loaded_modules(EXPECTED, environ)
    for expected, found in ((WITHOUT_LEDGER, before_ledger), (EXPECTED, loaded)):
        for command, (needed, unwanted) in expected.items():
            assert needed <= found[command], (command, found[command])
            assert not unwanted & found[command], (command, sorted(found[command]))


def test_help_without_typer_is_what_typer_prints():
    from lowrouter_cli.help_text import HELP

    environ = process_environ(None, env={"COLUMNS": "100"})
    for command in ("", "chat", "config set"):
        fast = subprocess.run([sys.executable, "-m", "lowrouter_cli", *command.split(), "--help"], cwd=ROOT,
                              env=environ, capture_output=True, text=True, timeout=60)
        assert fast.returncode == 0 and fast.stdout == HELP[(command, 98)]
    assert {width for _, width in HELP} == {78, 98} and ("generation", 78) in HELP


def on_a_terminal(emulator, *args):
    """What a command shows on a terminal (a pty), and the watched modules it loaded."""
    import os
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", PROBE, *args], cwd=ROOT,
                               env=process_environ(emulator.base_url, env={"COLUMNS": "100"}),
                               stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    shown = b""
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # the other end closed
            break
        if not data:
            break
        shown += data
    _, stderr = process.communicate(timeout=60)
    os.close(master)
    return shown, set(json.loads(stderr.decode().rsplit("MODULES ", 1)[1]))


def test_models_on_a_terminal_prints_its_table_without_rich(run_cli, emulator):
    """A table that fits is laid out by plain_table, escape codes and all, without importing rich."""
    assert run_cli("models").returncode == 0  # a fresh cache
    shown, loaded = on_a_terminal(emulator, "models", "--color", "always")
    assert shown.startswith(b"\x1b[1mModel") and b"openai/gpt-4o-mini" in shown
    assert not {"rich", "requests"} & loaded


def screen_lines(shown: bytes) -> list[str]:
    import pyte

    screen = pyte.Screen(100, 10)
    pyte.Stream(screen).feed(shown.decode())
    return screen.display


def test_a_plain_answer_on_a_terminal_is_printed_without_rich(emulator):
    """Plain paragraphs come out as rich would print them (render/plain_paragraphs.py) with neither
    rich nor markdown-it loaded, streamed or not; one word of Markdown loads them."""
    plain = "Plain words, twice over.\n\nA second paragraph (42%) here."
    printed = (b"Plain words, twice over." + b" " * 76 + b"\r\n\r\nA second paragraph (42%) here."
               + b" " * 70 + b"\r\n")
    for command in ("stream", "chat"):
        shown, loaded = on_a_terminal(emulator, command, f"{plain} [[answer:echo bare=1]]", "--no-log")
        if command == "stream":  # frames, then the last one: the screen holds what chat prints
            assert screen_lines(shown) == screen_lines(printed)
        else:
            assert shown == printed
        assert not {"rich", "markdown_it", "pygments"} & loaded, (command, loaded)
        shown, loaded = on_a_terminal(emulator, command, "Some **bold** here. [[answer:echo bare=1]]", "--no-log")
        assert b"\x1b[1mbold\x1b[0m" in shown and {"rich", "markdown_it"} <= loaded, (command, shown[-300:])


def test_the_collector_runs_less_often_until_the_client_is_made(run_cli, emulator):
    """collector.py: a process started by entry.main collects 70 times less often while it starts;
    making the client restores Python's setting (what start-up made is frozen first). In-process
    runs, as in these tests, are left as they are."""
    import gc

    from lowrouter_cli import collector

    usual, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert run_cli("models").returncode == 0 and run_cli("chat", "hi").returncode == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == (usual, frozen)
    probe = ("import gc, sys\nsys.argv = ['lowrouter', *sys.argv[1:]]\nfrom lowrouter_cli.entry import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\nsys.stderr.write(f'\\nTHRESHOLD {gc.get_threshold()[0]}')\n")
    environ = process_environ(emulator.base_url)
    for argv, threshold in ((["models"], collector.QUIET_THRESHOLD), (["chat", "--no-log", "hi"], usual[0])):
        done = subprocess.run([sys.executable, "-c", probe, *argv], cwd=ROOT, env=environ, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        assert done.returncode == 0 and done.stderr.decode().endswith(f"THRESHOLD {threshold}"), (argv, done.stderr)
