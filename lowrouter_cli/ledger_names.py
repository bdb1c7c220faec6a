"""What is known of the ledger without opening it: its file, whether exchanges are recorded, and
new conversation ids. A run that records and reads nothing (--no-log, LOWROUTER_NO_LOG, `logs off`,
no ledger yet) never imports sqlite3, which only ledger.py does."""

from __future__ import annotations

import os
from pathlib import Path

from lowrouter_cli.context import Environment

FILE_NAME = "ledger.db"
OFF_MARKER = "logs-off"  # its presence turns logging off for every run (`lowrouter logs off`)


def ledger_path(env: Environment) -> Path:
    return env.data_dir / FILE_NAME


def ledger_exists(env: Environment) -> bool:
    return os.path.lexists(ledger_path(env))


def logging_enabled(env: Environment, no_log: bool = False) -> bool:
    return off_reason(env, no_log) is None


def off_reason(env: Environment, no_log: bool = False) -> str | None:
    """Why nothing is recorded: --no-log for this run, LOWROUTER_NO_LOG (or the older
    LOWROUTER_NO_HISTORY) for the environment, `lowrouter logs off` for every run; None: recorded."""
    if no_log:
        return "--no-log"
    for variable in ("LOWROUTER_NO_LOG", "LOWROUTER_NO_HISTORY"):
        if (env.getenv(variable) or "").lower() in ("1", "true", "yes", "on"):
            return variable
    return "lowrouter logs off" if os.path.lexists(env.data_dir / OFF_MARKER) else None


def set_logging(env: Environment, on: bool) -> None:
    marker = env.data_dir / OFF_MARKER
    if on:
        try:
            marker.unlink()
        except FileNotFoundError:
            pass
        return
    env.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600))


def new_conversation_id() -> str:
    """Ten characters of [0-9a-z]: short enough to type, random enough never to collide."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    import secrets

    return "".join(secrets.choice(alphabet) for _ in range(10))
