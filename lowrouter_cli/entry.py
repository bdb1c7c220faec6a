"""The console script's entry point. Shell completion of model ids and --version run from here
without loading Typer: TAB answers from the cache alone well under 100 ms."""

from __future__ import annotations

import sys

COMPLETE_MODELS = "__complete-models"


def main() -> None:
    if sys.argv[1:2] == [COMPLETE_MODELS]:
        print_model_ids()
        return
    if sys.argv[1:] == ["--version"]:  # scripts call this in loops: skip building the command tree
        from lowrouter_cli import __version__

        print(f"lowrouter {__version__}")
        return
    from lowrouter_cli.cli import main as cli_main

    cli_main()


def print_model_ids() -> None:
    """Model ids from the cached list for the configured gateway: no network, no errors shown.

    A TAB press waits on this, so it reads the cache file directly instead of loading the CLI
    (platformdirs is called here too, for the same reason: context.py costs 20 ms to import)."""
    try:
        import json
        import os

        import platformdirs

        from lowrouter_cli.paths import APP_NAME, models_cache_name

        base_url = os.environ.get("LOWROUTER_BASE_URL") or _configured_base_url(platformdirs, APP_NAME)
        cache = os.path.join(platformdirs.user_cache_dir(APP_NAME, appauthor=False), models_cache_name(base_url))
        with open(cache, encoding="utf-8") as handle:
            models = json.load(handle)["body"]["data"]
        ids = [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]
    except Exception:  # no cache, or a broken one: complete nothing rather than print an error
        return
    sys.stdout.write("".join(f"{model_id}\n" for model_id in ids))


def _configured_base_url(platformdirs, app_name: str) -> str:
    import os

    path = os.path.join(platformdirs.user_config_dir(app_name, appauthor=False), "config.toml")
    if os.path.exists(path):
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        with open(path, "rb") as handle:
            value = tomllib.load(handle).get("base_url")
        if isinstance(value, str) and value:
            return value
    from lowrouter_cli.paths import DEFAULT_BASE_URL

    return DEFAULT_BASE_URL
