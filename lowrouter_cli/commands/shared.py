"""The options every command takes (--base-url, --timeout, -v/--verbose, --color), declared once.

`@with_shared_options` adds them to a command, and the app's callback takes them too, so both
`lowrouter --color never chat hi` and `lowrouter chat hi --color never` work (after the name wins).
The command itself receives one Invocation in their place, whose Environment is built with the
colour chosen. Ctrl-C and a closed stdout become our own exceptions here, before Typer sees them.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
import inspect
from enum import Enum
from typing import Annotated, Any, Callable, Optional

import typer

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import translated
from lowrouter_cli.invocation import Invocation


@dataclass
class Session:
    """Typer's ctx.obj: the Environment run() was given, replaced by one built with the colour
    chosen once the options are parsed, so run()'s error line follows --color too."""

    env: Environment


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


BaseUrlOpt = Annotated[Optional[str], typer.Option(
    "--base-url", metavar="URL", show_default=False,
    help="Gateway API base URL [env LOWROUTER_BASE_URL; default https://lowrouter.ai/api/v1].")]
TimeoutOpt = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="SECONDS", min=0.001, show_default=False,
    help="Longest wait for an answer; for streams, the longest silence between bytes [default 120].")]
VerboseOpt = Annotated[bool, typer.Option(
    "-v", "--verbose", help="Show requests, headers (key redacted), status, timing and retries on stderr.")]
ColorOpt = Annotated[Optional[Color], typer.Option(
    "--color", case_sensitive=False, show_default=False,
    help="Colour and escape codes: auto (terminal only, the default), always, never.")]

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
SHARED_PARAMETERS = (
    inspect.Parameter("base_url", _KEYWORD, default=None, annotation=BaseUrlOpt),
    inspect.Parameter("timeout", _KEYWORD, default=None, annotation=TimeoutOpt),
    inspect.Parameter("verbose", _KEYWORD, default=False, annotation=VerboseOpt),
    inspect.Parameter("color", _KEYWORD, default=None, annotation=ColorOpt),
)
_SHARED_NAMES = tuple(parameter.name for parameter in SHARED_PARAMETERS)
_BEFORE_NAME = "lowrouter.shared-options"  # ctx.meta key: what was given before the command's name
_CONTEXT = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)


def with_shared_options_before_name(callback: Callable[..., None]) -> Callable[..., None]:
    """For the app's callback: take the shared options before the command's name too, and keep
    them for the command."""

    @functools.wraps(callback)
    def wrapper(ctx: typer.Context, **options: Any) -> None:
        ctx.meta[_BEFORE_NAME] = {name: options.pop(name) for name in _SHARED_NAMES}
        return callback(**options)

    return _with_signature(wrapper, list(inspect.signature(callback, eval_str=True).parameters.values()))


def with_shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """Typer sees the command's own parameters (all but the first, an Invocation) plus the shared
    options; the command is called with the Invocation built from them."""

    @functools.wraps(command)
    def wrapper(ctx: typer.Context, **options: Any) -> None:
        shared = {name: options.pop(name) for name in _SHARED_NAMES}
        if ctx.invoked_subcommand is not None:  # a group's callback (`logs`): its subcommand does the work
            return None
        try:
            return command(_invocation(ctx, shared), **options)
        except (KeyboardInterrupt, BrokenPipeError) as error:
            raise translated(error) from None

    return _with_signature(wrapper, list(inspect.signature(command, eval_str=True).parameters.values())[1:])


def _with_signature(wrapper: Callable[..., None], own: list[inspect.Parameter]) -> Callable[..., None]:
    """What Typer reads to build the options: the context, the function's own, then the shared."""
    parameters = [_CONTEXT, *own, *SHARED_PARAMETERS]
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return wrapper


def _invocation(ctx: typer.Context, after: dict[str, Any]) -> Invocation:
    before = ctx.meta.get(_BEFORE_NAME, {})

    def given(name: str) -> Any:
        return after[name] if after[name] is not None else before.get(name)

    color = given("color")
    session: Session = ctx.find_root().obj
    if color is not None:
        session.env = dataclasses.replace(session.env, color=color.value)
    return Invocation(session.env, base_url=given("base_url"), timeout=given("timeout"),
                      verbose=bool(after["verbose"] or before.get("verbose")))
