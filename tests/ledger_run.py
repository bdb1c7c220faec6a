"""Run the CLI in-process against the emulator with string streams, and read the ledger it wrote
(shared by the ledger, logs and conversation tests)."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from lowrouter_cli import cli
from lowrouter_cli.context import Environment

KEY = "sk-lr-test-0123456789abcdef"


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


class Runner:
    def __init__(self, home: Path, base_url: str) -> None:
        self.home = home
        self.base_url = base_url
        self.clock = 1_795_000_000.0
        self.environ: dict[str, str] = {}

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def env(self, stdin: str = "", tty: bool = False, **environ: str) -> Environment:
        self.clock += 60  # each run a minute after the last: times order the rows
        now = self.clock
        return Environment(
            stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(),
            stdout_isatty=tty, stderr_isatty=tty,
            environ={"LOWROUTER_BASE_URL": self.base_url, "LOWROUTER_API_KEY": KEY, **self.environ, **environ},
            config_dir=self.home / "config", cache_dir=self.home / "cache", data_dir=self.data_dir,
            wall_clock=lambda: now, sleep=lambda seconds: None)

    def __call__(self, *argv: str, stdin: str = "", tty: bool = False, **environ: str) -> Ran:
        env = self.env(stdin, tty, **environ)
        code = cli.run(env, list(argv))
        return Ran(code, env.stdout.getvalue(), env.stderr.getvalue())

    def rows(self) -> list[dict]:
        path = self.data_dir / "ledger.db"
        if not path.exists():
            return []
        connection = sqlite3.connect(path)
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute("SELECT * FROM exchanges ORDER BY id")]
        finally:
            connection.close()
