"""Imports flow one way: only transport imports requests, nothing on the CLI's path imports the
emulator, and --help/--version load neither requests nor rich."""

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lowrouter_cli"


def imports_of(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def cli_modules():
    return [p for p in PACKAGE.rglob("*.py") if "emulator" not in p.parts]


def test_only_transport_imports_requests():
    importers = {p.name for p in cli_modules() if any(n.split(".")[0] in ("requests", "urllib3")
                                                      for n in imports_of(p))}
    assert importers == {"transport.py", "urls.py"}


def test_the_cli_never_imports_the_emulator():
    offenders = [p.name for p in cli_modules() if any("emulator" in n for n in imports_of(p))]
    assert offenders == []


def test_errors_and_sse_import_nothing_of_ours_above_them():
    for name in ("errors.py", "sse.py"):
        ours = {n for n in imports_of(PACKAGE / name) if n.startswith("lowrouter_cli")}
        assert ours <= {"lowrouter_cli"}, (name, ours)


def test_help_and_version_load_neither_requests_nor_rich():
    code = ("import sys; from lowrouter_cli.cli import run; from lowrouter_cli.context import Environment; "
            "run(Environment.from_os(), sys.argv[1:]); "
            "print(sorted(m for m in ('requests', 'rich', 'lowrouter_cli.emulator') if m in sys.modules))")
    for args in (["--version"], ["--help"], ["chat", "--help"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              env=dict(os.environ), timeout=60)
        assert done.stdout.strip().splitlines()[-1] == "[]", (args, done.stdout, done.stderr)
