"""Run the CLI in-process against the emulator with a wall clock the test sets (each run a minute
after the last, so the ledger's times order the runs), and read the ledger it wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import TEST_KEY, Result, cli_environ, run_in_process, user_folders


class Runner:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.clock = 1_795_000_000.0

    @property
    def data_dir(self) -> Path:
        return user_folders(cli_environ(None, None, None))["data_dir"]

    def env(self):
        """An Environment for calling a job directly (the test's folders, the next minute)."""
        from lowrouter_cli.context import Environment

        self.clock += 60
        now = self.clock
        environ = cli_environ(self.base_url, TEST_KEY, None)
        return Environment(environ=environ, wall_clock=lambda: now, sleep=lambda s: None, **user_folders(environ))

    def __call__(self, *argv: str, tty: bool = False, **environ: str) -> Result:
        self.clock += 60
        now = self.clock
        return run_in_process(argv, environ=cli_environ(self.base_url, TEST_KEY, environ), stdout_isatty=tty,
                              stderr_isatty=tty, wall_clock=lambda: now)

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
