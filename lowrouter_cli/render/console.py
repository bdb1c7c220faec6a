"""rich Consoles configured from the Environment (imported only when something is formatted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lowrouter_cli.context import Environment

if TYPE_CHECKING:
    from rich.console import Console


def make_console(env: Environment, *, stderr: bool = False) -> "Console":
    from rich.console import Console

    stream = env.stderr if stderr else env.stdout
    isatty = env.stderr_isatty if stderr else env.stdout_isatty
    styled = env.styled(isatty)
    width = None
    columns = env.getenv("COLUMNS")
    if columns and columns.isascii() and columns.isdigit():  # "²" is a digit to isdigit(), not to int()
        width = int(columns)
    return Console(
        file=stream,
        force_terminal=styled,
        color_system="auto" if styled else None,
        no_color=env.no_color,
        highlight=False,
        emoji=False,
        markup=False,
        width=width,
        soft_wrap=False,
        force_jupyter=False,
        force_interactive=styled and isatty,
        legacy_windows=False,
        _environ=_sane_environ(env),
    )


def _sane_environ(env: Environment) -> dict[str, str]:
    """What rich reads (COLUMNS, LINES, TERM...) from our Environment, not os.environ; a COLUMNS or
    LINES that is not plain ASCII digits is left out (rich would call int("²") and crash)."""
    return {name: value for name, value in env.environ.items()
            if name not in ("COLUMNS", "LINES") or (value.isascii() and value.isdigit())}


def terminal_columns(env: Environment, stream: Any = None) -> int:
    """The width of the terminal behind `stream` (stderr when not given): $COLUMNS when set (as rich
    reads it), else the terminal's own size, else 80."""
    import os

    columns = env.getenv("COLUMNS")
    if columns and columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size((env.stderr if stream is None else stream).fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80
