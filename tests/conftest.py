"""Shared fixtures: a private user dir for every test, the emulator on an ephemeral port, and two
ways to run the CLI against it.

- `run_cli` runs it in-process through `cli.run(env, argv)`: an Environment of the test's own
  folders, byte streams, the given variables, and a sleep that records its delays instead of
  waiting. Most tests use this one.
- `run_process` (and `lowrouter_command()` for Popen) starts `python -m lowrouter_cli` on the
  code in this checkout, for what only a real process shows: signals, SIGPIPE, a closed stdout,
  a pseudo-terminal, `python -m` itself.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lowrouter_cli.context import Environment
from lowrouter_cli.emulator.server import Emulator
from lowrouter_cli.paths import APP_NAME

# Keep compiled bytecode even where PYTHONDONTWRITEBYTECODE is set (as on the shared dev machines):
# without it every xdist worker compiles the package and rewrites every test module from source
# again (about 2 s CPU a worker), and so does every `python -m lowrouter_cli` the tests start.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# Each test's folders (tmp_path) in memory where the system has a RAM disk: the ledger and the
# key, config and cache files are fsync'ed as they should be, and on a virtual disk that made
# each in-process test wait several times its CPU time. (PYTEST_DEBUG_TEMPROOT is pytest's own
# setting for where tmp_path goes; one set by the caller wins.)
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")

TEST_KEY = "sk-lr-test-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent  # the checkout: what every test must exercise
CLEARED = ("NO_COLOR", "FORCE_COLOR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
           "all_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "COLUMNS", "LINES",
           "TERM")


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers per core, as much of the suite waits (on processes it started, a
    pseudo-terminal, a socket) rather than computes."""
    return 2 * (os.cpu_count() or 1)


# The files whose tests take longest (processes, terminals, real waits, many examples), the
# longest first: each worker starts with its share of them, so none is left with one at the end.
# (Not test_emulator_openai.py: kept together, only one worker pays for importing openai.)
SLOW_FIRST = ("test_live_interrupt.py", "test_session.py", "test_imports.py", "test_e2e_terminal.py",
              "test_e2e_stream.py", "test_api.py", "test_fuzz.py", "test_hostile_property.py",
              "test_sse_blocks.py", "test_sse.py", "test_layers.py", "test_hostile_http.py", "test_faults.py",
              "test_e2e_chat.py")


def pytest_collection_modifyitems(config, items) -> None:
    """With `--dist worksteal` each worker is first given an equal run of the collected tests, in
    order (and idle ones later take the end of a busy one's queue): deal the slow tests round the
    workers, at the start of each one's run. (Every worker computes the same order.)"""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    if workers < 2:
        return
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    slow = sorted((item for item in items if item.path.name in rank), key=lambda item: rank[item.path.name])
    rest = [item for item in items if item.path.name not in rank]
    runs: list = [[] for _ in range(workers)]
    for i, item in enumerate(slow):
        runs[i % workers].append(item)
    left = len(items)
    for k, run in enumerate(runs):  # the sizes xdist's first split gives: what is left, shared evenly
        size = left // (workers - k)
        left -= size
        take = max(0, size - len(run))
        run.extend(rest[:take])
        del rest[:take]
    items[:] = [item for run in runs for item in run] + rest


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    """platformdirs follows XDG_* on Linux: point every user folder into the test's tmp dir."""
    home = tmp_path / "home"
    dirs = {"XDG_CONFIG_HOME": home / ".config", "XDG_CACHE_HOME": home / ".cache",
            "XDG_DATA_HOME": home / ".local/share", "XDG_STATE_HOME": home / ".local/state"}
    monkeypatch.setenv("HOME", str(home))
    for name, path in dirs.items():
        monkeypatch.setenv(name, str(path))
    for name in list(os.environ):
        if name.startswith("LOWROUTER_") or name in CLEARED:
            monkeypatch.delenv(name, raising=False)
    return home


SHUTDOWN_POLL = 0.005  # socketserver checks for shutdown() this often: each test waits up to this


def serve_in_background(server) -> threading.Thread:
    """serve_forever() on a thread, polling for shutdown() every 5 ms rather than socketserver's
    0.5 s (or the emulator's 50 ms), a wait every test would otherwise pay at its end."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL}, daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def running_emulator(**options):
    """The emulator on an ephemeral 127.0.0.1 port (Emulator.start, with a shorter shutdown poll)."""
    server = Emulator(**{"api_key": TEST_KEY, **options})
    serve_in_background(server.server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator():
    with running_emulator(record_delay=0.0) as server:
        yield server


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    sleeps: list = field(default_factory=list)  # in-process runs: the delays the CLI slept (skipped)


def cli_environ(base_url: str | None, key: str | None, env: dict | None) -> dict:
    """The variables a run sees: the test's (user_dirs), the gateway and key, then `env`."""
    environ = dict(os.environ)
    if base_url is not None:
        environ["LOWROUTER_BASE_URL"] = base_url
    if key is not None:
        environ["LOWROUTER_API_KEY"] = key
    environ.update(env or {})
    return environ


def user_folders(environ: dict) -> dict:
    """Where platformdirs puts lowrouter's folders on Linux, from the XDG_* variables given."""
    return {"config_dir": Path(environ["XDG_CONFIG_HOME"]) / APP_NAME,
            "cache_dir": Path(environ["XDG_CACHE_HOME"]) / APP_NAME,
            "data_dir": Path(environ["XDG_DATA_HOME"]) / APP_NAME}


@contextlib.contextmanager
def os_environ(environ: dict):
    """requests reads proxies and CA bundles from os.environ: show it the run's variables too."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def byte_stream(data: bytes = b"") -> io.TextIOWrapper:
    """A text stream over bytes, like sys.stdout: the raw stream writer uses its .buffer."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline="\n",
                            write_through=True)


class SkippingClock:
    """Real clocks, except that a sleep returns at once and moves both clocks on by its length:
    backoffs and polling loops run as if they had waited, without waiting."""

    def __init__(self) -> None:
        self.sleeps: list = []
        self.skipped = 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.skipped += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.skipped

    def wall_clock(self) -> float:
        return time.time() + self.skipped


_REAL: dict = {}  # cli.build_app and typer.main.get_command, as they are outside command_trees_built_once
_trees: dict = {}  # id(app) -> (app, its click command): the app is kept, so its id stays its own


@functools.lru_cache(maxsize=None)
def _app_built_once(only):
    app = _REAL["build_app"](only)
    _trees[id(app)] = (app, _REAL["get_command"](app))
    return app


def _command_of(app):
    built = _trees.get(id(app))
    return built[1] if built is not None and built[0] is app else _REAL["get_command"](app)


@contextlib.contextmanager
def command_trees_built_once():
    """cli.run builds the Typer app and its click command for the command named: once per process
    for the real CLI, but some 3 ms of each of the suite's in-process runs. While this is in
    force, the tree built for a first word is built once per worker and reused (click keeps no
    state in a command between invocations; `two_values` sets the same -o shape again).
    Elsewhere (scripts/generate_docs.py, test_cli_shape) every build is fresh."""
    import typer.main

    from lowrouter_cli import cli

    _REAL.setdefault("build_app", cli.build_app)
    _REAL.setdefault("get_command", typer.main.get_command)
    cli.build_app, typer.main.get_command = _app_built_once, _command_of
    try:
        yield
    finally:
        cli.build_app, typer.main.get_command = _REAL["build_app"], _REAL["get_command"]


def run_in_process(argv, *, input=None, environ, stdin_isatty=False, stdout_isatty=False, stderr_isatty=False,
                   **environment) -> Result:
    from lowrouter_cli import cli

    if isinstance(input, str):
        input = input.encode()
    stdin, stdout, stderr = byte_stream(input or b""), byte_stream(), byte_stream()
    out_bytes, err_bytes = stdout.buffer, stderr.buffer
    clock = SkippingClock()
    values = dict(stdin=stdin, stdout=stdout, stderr=stderr, stdin_isatty=stdin_isatty,
                  stdout_isatty=stdout_isatty, stderr_isatty=stderr_isatty, environ=environ,
                  sleep=clock.sleep, monotonic=clock.monotonic, wall_clock=clock.wall_clock,
                  **user_folders(environ))
    values.update(environment)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    # click prints --help and usage through sys.stdout/sys.stderr, --version through print().
    with os_environ(environ), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            command_trees_built_once():
        try:
            code = cli.run(Environment(**values), list(argv))
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    for stream in (stdout, stderr):
        try:
            stream.flush()
        except ValueError:  # closed by the code under test
            pass
    return Result(int(code), out_bytes.getvalue().decode("utf-8", "replace"),
                  err_bytes.getvalue().decode("utf-8", "replace"), clock.sleeps)


@pytest.fixture
def run_cli(emulator):
    """Run `lowrouter ARGS` in-process against the emulator; returns code, stdout, stderr, sleeps.
    `timeout` is accepted for the process runner's sake; in-process runs are bounded by --timeout."""

    def run(*args: str, input: bytes | str | None = None, env: dict | None = None, timeout: float = 60,
            key: str | None = TEST_KEY, base_url: str | None = None, **environment) -> Result:
        environ = cli_environ(base_url or emulator.base_url, key, env)
        return run_in_process(args, input=input, environ=environ, **environment)

    return run


@pytest.fixture
def run_concurrently(emulator, monkeypatch):
    """Run several `lowrouter` commands at once, each in a thread of its own, all sharing the test's
    folders; returns their Results in order. (cli.run sets a SIGTERM handler, which only the main
    thread may do: that part is skipped here.)"""
    from concurrent.futures import ThreadPoolExecutor

    from lowrouter_cli import cli

    monkeypatch.setattr(cli.signal, "signal", lambda signum, handler: None)

    def run(commands, env: dict | None = None) -> list:
        environ = cli_environ(emulator.base_url, TEST_KEY, env)

        def one(argv):
            stdout, stderr = byte_stream(), byte_stream()
            environment = Environment(stdin=byte_stream(), stdout=stdout, stderr=stderr, environ=environ,
                                      sleep=lambda seconds: None, **user_folders(environ))
            code = cli.run(environment, list(argv))
            return Result(int(code), stdout.buffer.getvalue().decode(), stderr.buffer.getvalue().decode())

        with ThreadPoolExecutor(len(commands)) as pool, command_trees_built_once():
            return list(pool.map(one, commands))

    return run


def lowrouter_command(*args: str) -> list:
    """`lowrouter ARGS` as a process running this checkout's code (never an installed copy)."""
    return [sys.executable, "-m", "lowrouter_cli", *args]


def process_environ(base_url: str | None = None, key: str | None = TEST_KEY, env: dict | None = None) -> dict:
    environ = cli_environ(base_url, key, env)
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environ.get("PYTHONPATH")) if p)
    return environ


@pytest.fixture
def run_process(emulator):
    """Run `python -m lowrouter_cli ARGS` as a process against the emulator."""

    def run(*args: str, input: bytes | str | None = None, env: dict | None = None, timeout: float = 60,
            key: str | None = TEST_KEY, base_url: str | None = None) -> Result:
        if isinstance(input, str):
            input = input.encode()
        done = subprocess.run(lowrouter_command(*args), input=input if input is not None else b"",
                              capture_output=True, timeout=timeout, cwd=ROOT,
                              env=process_environ(base_url or emulator.base_url, key, env))
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"),
                      done.stderr.decode("utf-8", "replace"))

    return run


ENTRY_MODULES = {"lowrouter": "lowrouter_cli", "lowrouter-emulator": "lowrouter_cli.emulator"}


@functools.lru_cache(maxsize=None)
def checkout_bin() -> Path:
    """A folder of `lowrouter` and `lowrouter-emulator` scripts that run this checkout's code, for
    shells and pty tests that want a program on PATH."""
    folder = Path(tempfile.mkdtemp(prefix="lowrouter-bin-"))
    for name, module in ENTRY_MODULES.items():
        script = folder / name
        script.write_text(f"#!/bin/sh\nPYTHONPATH='{ROOT}'${{PYTHONPATH:+:$PYTHONPATH}} "
                          f"exec '{sys.executable}' -m {module} \"$@\"\n")
        script.chmod(0o755)
    return folder


def console_script(name: str) -> str:
    """The path of a console script that runs the checkout (never a stale installed copy)."""
    return str(checkout_bin() / name)


@pytest.fixture
def lowrouter_on_path() -> Path:
    return checkout_bin()


@pytest.fixture
def fake_env(tmp_path):
    """An Environment with string streams, for in-process tests of the output layer."""

    def make(**overrides) -> Environment:
        values = dict(stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO(),
                      environ={}, config_dir=tmp_path / "config", cache_dir=tmp_path / "cache",
                      data_dir=tmp_path / "data", sleep=lambda s: None)
        values.update(overrides)
        return Environment(**values)

    return make
