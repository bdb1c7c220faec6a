"""The console script's entry point. Shell completion of model ids, --version and --help run from
here without loading Typer: TAB answers from the cache alone, and --help prints the text generated
from the command tree (help_text.py) when the terminal's width is one it was printed for."""

from __future__ import annotations

import sys

COMPLETE_MODELS = "__complete-models"


def main() -> None:
    if sys.argv[1:2] == [COMPLETE_MODELS] or sys.argv[1:] == ["--version"]:
        try:
            if sys.argv[1:2] == [COMPLETE_MODELS]:
                print_model_ids()
            else:  # scripts call this in loops: skip building the command tree
                from lowrouter_cli import __version__

                print(f"lowrouter {__version__}")
            sys.stdout.flush()
        except (AttributeError, OSError, ValueError):
            if sys.stdout is not None:  # its reader went away (`| head`): a quiet stop
                sys.exit(141)
            if sys.stderr is not None:  # closed before we started (`>&-`)
                sys.stderr.write("lowrouter: error: stdout is closed: there is nowhere to print\n")
            sys.exit(2)
        return
    if sys.argv[-1:] in (["--help"], ["-h"]) and print_help(sys.argv[1:-1]):
        return
    from lowrouter_cli import collector

    collector.quiet()  # until the command's client is made (collector.py)
    from lowrouter_cli.cli import main as cli_main

    cli_main()


def print_model_ids() -> None:
    from lowrouter_cli.completion import configured_model_ids

    sys.stdout.write("".join(f"{model_id}\n" for model_id in configured_model_ids()))


def print_help(path: list[str]) -> bool:
    """Print the help of the command at `path` (names only, no options), if it was generated for
    this width; False leaves it to Typer."""
    if sys.stdout is None or any(word.startswith("-") for word in path):
        return False
    from lowrouter_cli.help_text import HELP
    from lowrouter_cli.help_widths import click_help_width

    text = HELP.get((" ".join(path), click_help_width()))
    if text is None:
        return False
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `lowrouter --help | head -1`: as the Typer path, exit 141 quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    return True
