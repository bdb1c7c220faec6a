"""Names of the files lowrouter keeps, in a module light enough for shell completion to use."""

from __future__ import annotations

import hashlib

APP_NAME = "lowrouter"
DEFAULT_BASE_URL = "https://lowrouter.ai/api/v1"


def models_cache_name(base_url: str) -> str:
    """One cache file per gateway: the name carries a hash of the base URL."""
    return f"models-{hashlib.sha256(base_url.rstrip('/').encode()).hexdigest()[:16]}.json"


def toml():
    """tomllib, or tomli on Python 3.10 (imported only when a config file exists)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib
