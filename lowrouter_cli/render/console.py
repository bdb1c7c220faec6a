"""rich Consoles configured from the Environment (imported only when something is formatted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from lowrouter_cli.context import Environment

if TYPE_CHECKING:
    from rich.console import Console

    from lowrouter_cli.render.live_view import Screen, Size


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


def live_screen(env: Environment) -> "Screen":
    """stdout as make_console(env) sees it (whether it is a terminal, its colours, its size),
    without importing rich: the live view makes that Console only when a block needs it."""
    from lowrouter_cli.render.live_view import Screen

    styled = env.styled(env.stdout_isatty)
    environ = _sane_environ(env)
    dumb = environ.get("TERM", "").lower() in ("dumb", "unknown")  # rich: no colour system there
    return Screen(file=env.stdout, live=styled, styled=styled and not dumb, colour=not env.no_color,
                  size=lambda: console_size(environ, is_terminal=styled), make_console=lambda: make_console(env))


def console_size(environ: Mapping[str, str], *, is_terminal: bool) -> "Size":
    """rich's Console.size for a Console that make_console made (same sources, same order):
    COLUMNS and LINES, else a dumb terminal's 80×25, else the size of stdin, stdout or stderr."""
    import os

    from lowrouter_cli.render.live_view import Size

    columns, lines = environ.get("COLUMNS"), environ.get("LINES")
    width = int(columns) if columns is not None and columns.isdigit() else None
    height = int(lines) if lines is not None and lines.isdigit() else None
    if width is not None and height is not None:
        return Size(width, height)
    if is_terminal and environ.get("TERM", "").lower() in ("dumb", "unknown"):
        return Size(80, 25)
    measured = (0, 0)
    for descriptor in (0, 1, 2):  # rich asks stdin first
        try:
            measured = tuple(os.get_terminal_size(descriptor))
        except (AttributeError, ValueError, OSError):
            continue
        break
    return Size((measured[0] or 80) if width is None else width, (measured[1] or 25) if height is None else height)


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
