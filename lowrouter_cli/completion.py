"""Model ids for shell completion, from the cache alone: no network, no Typer, no rich.

A TAB press waits on this, so it stays light: it calls platformdirs itself rather than import
context.py (20 ms), and reads the cache file without the catalog's parsing.
"""

from __future__ import annotations

import os

from lowrouter_cli.paths import APP_NAME, DEFAULT_BASE_URL, models_cache_name, toml


MAX_IDS_BYTES = 8 << 20  # far above 20,000 ids; a bigger file is not one we wrote


def ids_path(cache_file: str | os.PathLike) -> str:
    """The ready list of ids kept beside a model cache file."""
    return os.fspath(cache_file).removesuffix(".json") + ".ids"


def model_ids_of(body: object) -> list[str]:
    """The ids of a /models body that a shell can offer."""
    models = body.get("data") if isinstance(body, dict) else None
    return [m["id"] for m in models or () if isinstance(m, dict) and _completable(m.get("id"))]


def model_ids_in(cache_file: str | os.PathLike) -> list[str]:
    """The ids in a model cache file, from the ready list beside it when that is as new as the
    cache (20,000 ids read in a few ms, where the cache's JSON takes 100 ms); [] when missing or broken."""
    try:
        ids_file = ids_path(cache_file)
        if os.stat(ids_file).st_mtime_ns >= os.stat(cache_file).st_mtime_ns:
            with open(ids_file, "rb") as handle:
                raw = handle.read(MAX_IDS_BYTES + 1)
            return raw.decode("utf-8").split("\n")[:-1] if len(raw) <= MAX_IDS_BYTES else []
    except (OSError, UnicodeDecodeError):
        pass
    import json  # only when the ready list can't answer

    from lowrouter_cli.jsontext import MAX_JSON_BYTES, TooLarge, check_count

    try:
        with open(cache_file, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)  # the caps the cache was written under
        if len(raw) > MAX_JSON_BYTES:
            return []
        check_count(raw)
        return model_ids_of(json.loads(raw)["body"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError, TooLarge):
        return []


def configured_model_ids() -> list[str]:
    """The cached ids for the gateway this user talks to (LOWROUTER_BASE_URL, else config.toml)."""
    import platformdirs

    try:
        base_url = os.environ.get("LOWROUTER_BASE_URL") or _configured_base_url(
            platformdirs.user_config_dir(APP_NAME, appauthor=False))
    except Exception:  # a broken config file: complete nothing rather than print an error
        return []
    cache_dir = platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    return model_ids_in(os.path.join(cache_dir, models_cache_name(base_url)))


def _configured_base_url(config_dir: str) -> str:
    path = os.path.join(config_dir, "config.toml")
    if os.path.exists(path):
        with open(path, "rb") as handle:
            value = toml().load(handle).get("base_url")
        if isinstance(value, str) and value:
            return value
    return DEFAULT_BASE_URL


def _completable(model_id: object) -> bool:
    """An id a shell can be offered: printable, on one line, and encodable (no lone surrogates)."""
    if not isinstance(model_id, str) or not model_id.isprintable() or not model_id.strip():
        return False
    try:
        model_id.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
