"""Files on disk: the model cache (user cache dir), the key and config.toml (user config dir).
The ledger of exchanges (user data dir) is ledger.py's.

Writes are atomic (a temporary file in the same folder, then a rename), so concurrent runs never
leave a half-written file; unreadable or corrupt files are treated as absent. A folder that can't
be written costs a warning, never the answer.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from lowrouter_cli.context import Environment
from lowrouter_cli.paths import models_cache_name, toml

KEY_FILE_LIMIT = 64 * 1024
Warn = Callable[[str], None]


class NotFollowed(OSError):
    """A symbolic link where our own file should be: following it would read or write whatever
    it points at (another file's first line sent as the key, appends to any file)."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ELOOP, f"{path} is a symbolic link (not followed)")
        self.path = path

    def __str__(self) -> str:
        return self.strerror


def open_no_follow(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open of our own file, never through a symbolic link at `path`."""
    try:
        return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as error:
        if error.errno == errno.ELOOP or os.path.islink(path):
            raise NotFollowed(path) from None
        raise


def not_ours(fd: int, path: Path) -> str | None:
    """Why the file open at `fd` can't be trusted as ours (not a regular file, another user's), or None."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {info.st_uid})"
    return None


def _read_fd(fd: int, limit: int | None = None) -> bytes:
    chunks, size = [], 0
    while limit is None or size <= limit:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


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
    """The file's JSON, or None when it is missing, unreadable, corrupt, or over the JSON cap."""
    from lowrouter_cli.jsontext import MAX_JSON_BYTES, TooLarge, loads

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            return None
        return loads(raw)
    except (OSError, ValueError, UnicodeDecodeError, TooLarge):
        return None


# -- model cache ---------------------------------------------------------------------------------


def models_cache_path(env: Environment, base_url: str) -> Path:
    return env.cache_dir / models_cache_name(base_url)


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
        # Beside it, the ids alone, one a line, written after it: TAB completion reads only these.
        from lowrouter_cli.completion import ids_path, model_ids_of

        write_atomic(Path(ids_path(path)), "".join(f"{model_id}\n" for model_id in model_ids_of(body)))
    except OSError as error:
        warn(f"warning: cannot write the model cache {path}: {error.strerror or error}")


# -- the API key -----------------------------------------------------------------------------------


def key_path(env: Environment) -> Path:
    return env.config_dir / "key"


def read_stored_key(env: Environment, warn: Warn) -> tuple[str, str] | None:
    """(key, its file's path), or None when there is no key file. A symbolic link, a file owned by
    another user, or one we can't read is an AuthError naming the path; modes looser than
    0700/0600 are tightened, with a warning."""
    from lowrouter_cli.errors import AuthError

    path = key_path(env)
    try:
        fd = open_no_follow(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO there must not hang us
    except FileNotFoundError:
        return None
    except NotFollowed as error:
        raise AuthError(f"refusing the key file: {error}; store the key itself with `lowrouter auth login`") from None
    except OSError as error:
        raise AuthError(f"cannot read the key file {path}: {error.strerror or error}") from None
    try:
        problem = not_ours(fd, path)
        if problem:
            raise AuthError(f"the key file {problem}")
        info = os.fstat(fd)
        _tighten(path.parent, os.stat(path.parent).st_mode, 0o700, lambda mode: os.chmod(path.parent, mode), warn)
        _tighten(path, info.st_mode, 0o600, lambda mode: os.fchmod(fd, mode), warn)
        data = _read_fd(fd, KEY_FILE_LIMIT)
    except OSError as error:
        raise AuthError(f"cannot read the key file {path}: {error.strerror or error}") from None
    finally:
        os.close(fd)
    try:
        key = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise AuthError(f"the key file {path} is not UTF-8 text") from None
    return (key, str(path)) if key else None


def _tighten(path: Path, st_mode: int, wanted: int, chmod: Callable[[int], None], warn: Warn) -> None:
    mode = st_mode & 0o777
    if mode & ~wanted:
        try:
            chmod(wanted)
            warn(f"warning: {path} was readable by others (mode {mode:o}); set it to {wanted:o}")
        except OSError:
            pass


def write_key(env: Environment, key: str) -> Path:
    path = key_path(env)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        write_atomic(path, key + "\n", 0o600)
    return path


def delete_key(env: Environment) -> bool:
    path = key_path(env)
    try:
        with _writing(path):
            path.unlink()
        return True
    except FileNotFoundError:
        return False


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A file the user asked us to change (key, config): failing to is their error to fix
    (full disk, read-only folder), in one line, never a traceback."""
    from lowrouter_cli.errors import UsageError

    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


# -- config.toml -----------------------------------------------------------------------------------


def config_path(env: Environment) -> Path:
    return env.config_dir / "config.toml"


def read_config(env: Environment) -> dict[str, Any]:
    """The config file's table; {} when there is none. A broken file is a usage error that names
    the file and the line."""
    from lowrouter_cli.errors import UsageError

    path = config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no file, or no folder (context.NO_FOLDER)
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from None
    tomllib = toml()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reason = str(error)
        if "(at end of document)" in reason:  # name the line there too
            last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
            reason = reason.replace("(at end of document)", f"(at line {max(last_line, 1)}, the end)")
        raise UsageError(f"{path} is not valid TOML: {reason}") from None


def write_config(env: Environment, values: dict[str, Any]) -> Path:
    path = config_path(env)
    lines = ["# lowrouter defaults: lowrouter config set KEY VALUE"]
    for key, value in sorted(values.items()):
        lines.append(f"{key} = {_toml_value(value)}")
    with _writing(path):
        write_atomic(path, "\n".join(lines) + "\n", 0o600)
    return path


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string
