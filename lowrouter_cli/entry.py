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
    from lowrouter_cli.completion import configured_model_ids

    sys.stdout.write("".join(f"{model_id}\n" for model_id in configured_model_ids()))
