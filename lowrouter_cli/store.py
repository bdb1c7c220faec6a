"""Files on disk: the model cache (user cache dir) and the generation history (user data dir).

Writes are atomic (a temporary file in the same folder, then a rename), so concurrent runs never
leave a half-written file; unreadable or corrupt files are treated as absent. A folder that can't
be written costs a warning, never the answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from lowrouter_cli.context import Environment

HISTORY_LIMIT = 1000
Warn = Callable[[str], None]


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_json(path: Path) -> Any:
    """The file's JSON, or None when it is missing, unreadable or corrupt."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


# -- model cache ---------------------------------------------------------------------------------


def models_cache_path(env: Environment, base_url: str) -> Path:
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:16]
    return env.cache_dir / f"models-{digest}.json"


def read_models_cache(env: Environment, base_url: str) -> dict[str, Any] | None:
    entry = read_json(models_cache_path(env, base_url))
    if (isinstance(entry, dict) and isinstance(entry.get("fetched_at"), (int, float))
            and isinstance(entry.get("body"), dict) and isinstance(entry["body"].get("data"), list)):
        return entry
    return None


def write_models_cache(env: Environment, base_url: str, body: Any, etag: str | None, warn: Warn) -> None:
    entry = {"base_url": base_url, "fetched_at": env.wall_clock(), "etag": etag, "body": body}
    path = models_cache_path(env, base_url)
    try:
        write_atomic(path, json.dumps(entry))
    except OSError as error:
        warn(f"warning: cannot write the model cache {path}: {error.strerror or error}")


# -- history ---------------------------------------------------------------------------------------


def history_path(env: Environment) -> Path:
    return env.data_dir / "history.jsonl"


def append_history(env: Environment, entry: dict[str, Any], warn: Warn) -> None:
    """One line per generation; O_APPEND keeps concurrent lines whole, and a lock guards the
    occasional trim to the newest HISTORY_LIMIT lines."""
    path = history_path(env)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _lock(fd)
            os.write(fd, line.encode("utf-8"))
            # Counting lines costs about a millisecond, and only once the file could be over the cap.
            if os.fstat(fd).st_size > HISTORY_LIMIT * 100 and path.read_bytes().count(b"\n") > HISTORY_LIMIT:
                lines = read_history(env)
                write_atomic(path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines), 0o600)
        finally:
            os.close(fd)
    except OSError as error:
        warn(f"warning: cannot write the history {path}: {error.strerror or error}")


def read_history(env: Environment) -> list[dict[str, Any]]:
    """The newest HISTORY_LIMIT entries, oldest first; damaged lines (a crash mid-write, a full
    disk) are skipped."""
    try:
        text = history_path(env).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries[-HISTORY_LIMIT:]


def _lock(fd: int) -> None:
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
    except (ImportError, OSError):
        pass  # no locking here: appends stay whole, only a concurrent trim could drop a line
