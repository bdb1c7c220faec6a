"""Shared fixtures: a private user dir for every test, the emulator on an ephemeral port, and a
runner for the installed `lowrouter` console script."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from lowrouter_cli.context import Environment
from lowrouter_cli.emulator.server import Emulator

TEST_KEY = "sk-lr-test-0123456789abcdef"
BIN = Path(sys.executable).parent


def console_script(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    assert found, f"{name} is not installed: install the project first (see README)"
    return found


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
        if name.startswith("LOWROUTER_") or name in ("NO_COLOR", "FORCE_COLOR", "HTTPS_PROXY", "https_proxy",
                                                     "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def emulator():
    with Emulator(api_key=TEST_KEY, record_delay=0.0) as server:
        yield server


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(emulator):
    """Run the installed console script against the emulator; returns code, stdout, stderr."""

    def run(*args: str, input: bytes | str | None = None, env: dict | None = None,
            timeout: float = 60, key: str | None = TEST_KEY, base_url: str | None = None) -> Result:
        environ = dict(os.environ)
        environ["LOWROUTER_BASE_URL"] = base_url or emulator.base_url
        if key is not None:
            environ["LOWROUTER_API_KEY"] = key
        environ.update(env or {})
        if isinstance(input, str):
            input = input.encode()
        done = subprocess.run([console_script("lowrouter"), *args], input=input if input is not None else b"",
                              capture_output=True, timeout=timeout, env=environ)
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"),
                      done.stderr.decode("utf-8", "replace"))

    return run


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
