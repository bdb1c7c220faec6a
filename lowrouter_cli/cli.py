"""The Typer app: the command tree, and the one place where failures become exit codes.

Each command is a thin function (options, a docstring, one call into a job) in commands/, one
module per command or group; the options every command shares are declared once, in
commands/shared.py, and are taken before or after the command's name. A command line that starts
with a command's name imports and builds that command alone: Typer turns every command it holds
into a click command before parsing (8 ms for the whole tree). Heavy modules (requests, rich, the
api) are imported inside the commands, so --help and --version stay fast.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from importlib import import_module
from typing import Annotated, Any, List, Optional

import typer

from lowrouter_cli import __version__
from lowrouter_cli.commands.request_options import two_values
from lowrouter_cli.commands.shared import Session, with_shared_options_before_name
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import ExitCode, LowRouterError, OutputClosed, Terminated

# Top-level names, in the order --help lists them -> the module in commands/ that holds them.
COMMANDS = {"chat": "ask", "stream": "ask", "models": "models", "generation": "generation", "usage": "usage"}
GROUPS = ("auth", "config", "logs")  # each a Typer app of its own, in commands/<name>.py


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app; with `only`, a command's or group's name, the app holds that one alone."""
    app = typer.Typer(
        name="lowrouter",
        help="Command-line client for the LowRouter LLM gateway: ask, stream, compare prices, and "
        "inspect what each generation cost in money, energy and CO2.",
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    app.callback()(root)
    for name, module in COMMANDS.items():
        if only in (None, name):
            app.command()(getattr(import_module(f"lowrouter_cli.commands.{module}"), name))
    for name in GROUPS:
        if only in (None, name):
            app.add_typer(import_module(f"lowrouter_cli.commands.{name}").app, name=name)
    return app


def _version(value: bool) -> None:
    if value:
        print(f"lowrouter {__version__}")
        raise typer.Exit()


@with_shared_options_before_name
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Command-line client for the LowRouter LLM gateway."""


# -- the one place where failures become exit codes ------------------------------------------------


def run(env: Environment, argv: Optional[List[str]] = None) -> int:
    from lowrouter_cli.render import messages

    session = Session(env)  # holds the Environment with the colour chosen, once it is known
    words = sys.argv[1:] if argv is None else argv
    refusal = _unusable_start(env, words)
    if refusal:
        messages.error_line(env, refusal)
        return ExitCode.USAGE
    previous_term = signal.signal(signal.SIGTERM, _raise_terminated)
    first = words[0] if words and words[0] in (*COMMANDS, *GROUPS) else None  # else: options first, --help…
    tree = typer.main.get_command(build_app(first))
    two_values(tree)  # -o KEY VALUE
    try:
        result = tree.main(args=argv, prog_name="lowrouter", standalone_mode=False, obj=session)
        return result if isinstance(result, int) else ExitCode.OK
    except LowRouterError as error:
        messages.error_line(session.env, error.one_line())
        return error.exit_code
    except typer.Exit as exit_:
        return exit_.exit_code
    except typer.TyperException as error:  # click's usage errors
        context = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and context is not None:
            session.env.stderr.write(context.get_help() + "\n")  # `lowrouter` alone: the help, whole
        else:
            messages.error_line(session.env, _usage_message(error))
        return ExitCode.USAGE
    except (KeyboardInterrupt, typer.Abort):
        messages.error_line(session.env, "interrupted")
        return ExitCode.INTERRUPTED
    except (OutputClosed, BrokenPipeError):
        if session.env.stdout is sys.stdout:
            _silence_stdout()
        return ExitCode.OUTPUT_CLOSED
    except Exception as error:  # a bug: one line, no locals (they could hold the key)
        messages.error_line(session.env, f"unexpected error: {type(error).__name__}: {error}")
        if session.env.getenv("LOWROUTER_DEBUG"):
            import traceback

            traceback.print_exc(file=session.env.stderr)
        return ExitCode.UNEXPECTED
    finally:
        signal.signal(signal.SIGTERM, previous_term)


def _unusable_start(env: Environment, argv: List[str]) -> str | None:
    """Why this run can't even start: nowhere to print the answer (checked before anything is
    sent, so nothing is paid for), or a command line that is not text we can send."""
    if env.stdout is None:
        return "stdout is closed: there is nowhere to print the answer (nothing was sent)"
    for number, argument in enumerate(argv, 1):
        if not argument.isascii():
            try:
                argument.encode("utf-8")
            except UnicodeEncodeError:
                return f"argument {number} of the command line is not valid UTF-8"
    return None


def _usage_message(error: Any) -> str:
    message = error.format_message()
    context = getattr(error, "ctx", None)
    if context is not None:
        if type(error).__name__ == "NoSuchOption" and context.info_name in ("chat", "stream"):
            # `chat "-5 degrees"`: a prompt that starts with a dash, read as an option
            return (f"{message}; a prompt that starts with '-' goes after '--': "
                    f"{context.command_path} -- \"-5 degrees: is that cold?\"")
        message += f" (see '{context.command_path} --help')"
    return message


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated("terminated")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush can't complain about the pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main() -> None:
    code = run(Environment.from_os())
    # Done: what is still alive needs no collecting. The interpreter's exit then skips its cycle
    # collection over every module (30-60 ms of a run on these machines); exit itself is unchanged.
    gc.freeze()
    sys.exit(code)
