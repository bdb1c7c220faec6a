"""Imports flow one way. The whole import map is checked against a table of layers (which layer may
import which), no job imports another, only the HTTP modules import requests, nothing on the CLI's
path imports the emulator, no module (the emulator's included) is over 400 lines, and --help and
--version load neither requests nor rich."""

import ast
import functools
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lowrouter_cli"


# Layers, top to bottom. A new module goes in one of them (jobs: *_job.py; command groups:
# commands/; output: render/). The emulator is not on the CLI's path and is left out.
LAYERS = {
    "cli": {"cli", "entry", "__main__", "help_text", "help_widths"},
    "commands": {"commands", "commands.*"},
    "jobs": {"chat", "account", "*_job"},
    "support": {"invocation", "exchange", "answering", "session_state", "session_input", "session_commands",
                "recording", "conversation", "generations", "prompt", "curl", "spending",
                "route_help"},
    "records": {"client", "api", "events", "records", "shapes", "catalog", "store", "settings", "completion",
                "ledger", "ledger_*", "usage", "estimates"},
    "render": {"render", "render.*"},
    "wire": {"transport", "byte_stream", "http_adapter", "http_failures", "retry", "sse", "urls", "decoding",
             "deadline", "jsontext", "requests_import"},
    "base": {"", "errors", "context", "paths", "collector"},
}
HTTP_MODULES = {"transport", "byte_stream", "http_adapter", "http_failures", "urls", "requests_import"}  # requests' importers
MAY_IMPORT = {  # besides its own layer (jobs excepted: no job imports another)
    "cli": {"commands", "jobs", "support", "records", "render", "wire", "base"},
    "commands": {"jobs", "support", "base"},
    "jobs": {"support", "records", "render", "wire", "base"},
    "support": {"records", "render", "wire", "base"},
    "records": {"wire", "base"},
    "render": {"records", "base"},  # typed records in; never a job, the support layer or the wire
    "wire": {"base"},
    "base": set(),
}


def module_name(path):
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name):
    import fnmatch

    found = [layer for layer, patterns in LAYERS.items() if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
    assert len(found) == 1, f"lowrouter_cli.{name or '__init__'} is in {found or 'no layer'}: place it in LAYERS"
    return found[0]


@functools.lru_cache(maxsize=None)
def parsed(path):
    """A module's syntax tree, parsed once for all the tests here."""
    return ast.parse(path.read_text())


def our_imports(path):
    """The package's modules a module imports (`from lowrouter_cli import api` counts as api)."""
    known = {module_name(p) for p in cli_modules()}
    names = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}"[14:] in known
                          else node.module)
    return {name[14:] for name in names if name == "lowrouter_cli" or name.startswith("lowrouter_cli.")}


def test_the_import_map_follows_the_layers():
    wrong = []
    for path in cli_modules():
        name = module_name(path)
        layer = layer_of(name)
        for imported in our_imports(path) - {name}:
            other = layer_of(imported)
            if other == layer == "jobs":
                wrong.append(f"job {name} imports job {imported}")
            elif other != layer and other not in MAY_IMPORT[layer]:
                wrong.append(f"{name} ({layer}) imports {imported} ({other})")
    assert wrong == []


def test_the_jobs_reach_the_gateway_only_through_the_client():
    jobs = [p for p in cli_modules() if layer_of(module_name(p)) == "jobs"]
    assert len(jobs) >= 4
    assert [module_name(p) for p in jobs if our_imports(p) & HTTP_MODULES] == []


def test_the_layer_table_catches_a_wrong_import(tmp_path):
    assert layer_of("models_job") == "jobs" and layer_of("render.tables") == "render"
    assert "generations" not in MAY_IMPORT["render"] and "support" not in MAY_IMPORT["render"]
    assert layer_of("generations") == "support"  # render/tables.py once imported a helper from it


@functools.lru_cache(maxsize=None)
def calls_of(path):
    """The names of the functions a module calls (`f(...)` and `x.f(...)` alike)."""
    return {node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            for node in ast.walk(parsed(path)) if isinstance(node, ast.Call)}


def test_an_exchange_is_finished_in_one_place():
    """The footer and the ledger row of a prompt come from finish_exchange alone, which every job
    that sends a prompt calls (or answering.stream_exchange, the streamed turn shared by `stream` and
    the interactive session, calls for it)."""
    callers = {name: sorted(module_name(p) for p in cli_modules() if name in calls_of(p))
               for name in ("print_footer", "record_exchange", "finish_exchange")}
    assert callers["print_footer"] == ["exchange"] and callers["record_exchange"] == ["exchange"]
    senders = sorted(module_name(p) for p in cli_modules() if {"complete", "stream"} & calls_of(p)
                     and (layer_of(module_name(p)) == "jobs" or module_name(p) == "answering"))
    assert senders and callers["finish_exchange"] == senders


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def imports_of(path):
    names = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@functools.lru_cache(maxsize=None)
def cli_modules():
    return tuple(p for p in PACKAGE.rglob("*.py") if "emulator" not in p.parts)


def test_only_the_http_modules_import_requests():
    importers = {module_name(p) for p in cli_modules() if any(n.split(".")[0] in ("requests", "urllib3")
                                                               or n.startswith("lowrouter_cli.requests_import")
                                                               for n in imports_of(p))}
    assert importers == HTTP_MODULES


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
