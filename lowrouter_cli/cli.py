"""The Typer app: thin commands (options, a docstring, one call into the core, one into output).

`run()` is the only place where failures become exit codes and one-line messages. Heavy modules
(requests, rich, the api) are imported inside the commands, so --help and --version stay fast.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from enum import Enum
from typing import Annotated, Any, Callable, List, Optional

import typer

from lowrouter_cli import __version__
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import ExitCode, Interrupted, LowRouterError, OutputClosed, Terminated, UsageError

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


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


# -- options shared by every command, accepted after the command's name --------------------------

BaseUrlOpt = Annotated[Optional[str], typer.Option(
    "--base-url", metavar="URL", show_default=False,
    help="Gateway API base URL [env LOWROUTER_BASE_URL; default https://lowrouter.ai/api/v1].")]
TimeoutOpt = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="SECONDS", min=0.001, show_default=False,
    help="Longest wait for an answer; for streams, the longest silence between bytes [default 120].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the gateway's JSON (for jq).")]
VerboseOpt = Annotated[bool, typer.Option(
    "-v", "--verbose", help="Show requests, headers (key redacted), status, timing and retries on stderr.")]
ColorOpt = Annotated[Color, typer.Option(
    "--color", case_sensitive=False, help="Colour and escape codes: auto (terminal only), always, never.")]

# -- options of the commands that send a prompt --------------------------------------------------

PromptArg = Annotated[Optional[List[str]], typer.Argument(
    metavar="[PROMPT]...", show_default=False,
    help="The prompt; stdin, when not a terminal, is added after it (or is the prompt).")]
ModelOpt = Annotated[Optional[str], typer.Option(
    "-m", "--model", metavar="MODEL", show_default=False,
    help="Model id, or lowrouter/auto to let the router pick [env LOWROUTER_MODEL].")]
SystemOpt = Annotated[Optional[str], typer.Option(
    "-s", "--system", metavar="TEXT", show_default=False, help="System prompt.")]
RegionOpt = Annotated[Optional[str], typer.Option(
    "--region", metavar="REGION", show_default=False,
    help="Pin the route to a region (e.g. eu-west); 503 rather than a fallback.")]
ProviderOpt = Annotated[Optional[str], typer.Option(
    "--provider", metavar="PROVIDER", show_default=False,
    help="Pin the route to a provider (e.g. openai); 503 rather than a fallback.")]
MaxTokensOpt = Annotated[Optional[int], typer.Option(
    "--max-tokens", metavar="N", min=1, show_default=False, help="Longest answer, in tokens.")]
TemperatureOpt = Annotated[Optional[float], typer.Option(
    "--temperature", metavar="T", min=0.0, max=2.0, show_default=False, help="Sampling temperature, 0 to 2.")]
NoHistoryOpt = Annotated[bool, typer.Option(
    "--no-history", help="Don't record this generation in the local history [env LOWROUTER_NO_HISTORY=1].")]


def guarded(command: Callable[..., None]) -> Callable[..., None]:
    """Typer turns Ctrl-C into a silent exit 130 and a broken pipe into exit 1 before run() could
    see them: hand them on as our own exceptions instead."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None
        except BrokenPipeError:
            raise OutputClosed() from None

    return wrapper


def _env(ctx: typer.Context, color: Color) -> Environment:
    env: Environment = ctx.obj
    env.color = color.value
    return env


def _version(value: bool) -> None:
    if value:
        print(f"lowrouter {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Command-line client for the LowRouter LLM gateway."""


def _chat_request(env: Environment, settings: Any, prompt: Optional[List[str]], system: Optional[str],
                  max_tokens: Optional[int], temperature: Optional[float]) -> Any:
    from lowrouter_cli.api import ChatRequest
    from lowrouter_cli.prompt import read_prompt

    return ChatRequest(
        model=settings.model,
        prompt=read_prompt(env, prompt),
        system=system,
        region=settings.region,
        provider=settings.provider,
        max_tokens=max_tokens,
        temperature=temperature,
    )


def _settings(env: Environment, **options: Any) -> Any:
    from lowrouter_cli import store
    from lowrouter_cli.render import messages
    from lowrouter_cli.settings import resolve

    stored_key = None
    if not env.getenv("LOWROUTER_API_KEY"):  # the environment wins: don't even read the file
        stored_key = store.read_stored_key(env, lambda message: messages.notice(env, message))
    return resolve(env, store.read_config(env), stored_key, **options)


CurlOpt = Annotated[bool, typer.Option(
    "--curl", help="Print the equivalent curl command on stdout and send nothing.")]


def _print_curl(env: Environment, settings: Any, request: Any, *, stream: bool) -> None:
    from lowrouter_cli.curl import curl_command

    env.stdout.write(curl_command(settings.base_url, request.body(stream=stream), stream=stream))
    env.stdout.flush()


@app.command()
@guarded
def chat(
    ctx: typer.Context,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    region: RegionOpt = None,
    provider: ProviderOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    json: JsonOpt = False,
    curl: CurlOpt = False,
    no_history: NoHistoryOpt = False,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Ask once and print the whole answer (Markdown on a terminal, plain text in a pipe)."""
    from lowrouter_cli.chat import run_chat

    env = _env(ctx, color)
    settings = _settings(env, base_url=base_url, timeout=timeout, model=model, region=region, provider=provider)
    request = _chat_request(env, settings, prompt, system, max_tokens, temperature)
    if curl:
        return _print_curl(env, settings, request, stream=False)
    run_chat(env, settings, request, as_json=json, verbose=verbose, history=_history_on(env, no_history))


@app.command()
@guarded
def stream(
    ctx: typer.Context,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    region: RegionOpt = None,
    provider: ProviderOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Plain tokens even on a terminal (no Markdown).")] = False,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per event, as received (JSON Lines).")] = False,
    curl: CurlOpt = False,
    no_history: NoHistoryOpt = False,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Stream the answer token by token: live Markdown on a terminal, raw text in a pipe."""
    from lowrouter_cli.chat import run_stream

    env = _env(ctx, color)
    settings = _settings(env, base_url=base_url, timeout=timeout, model=model, region=region, provider=provider)
    request = _chat_request(env, settings, prompt, system, max_tokens, temperature)
    if curl:
        return _print_curl(env, settings, request, stream=True)
    run_stream(env, settings, request, as_json=json, raw=raw, verbose=verbose,
               history=_history_on(env, no_history))


def _history_on(env: Environment, no_history: bool) -> bool:
    return not no_history and env.getenv("LOWROUTER_NO_HISTORY") not in ("1", "true", "yes")


class Sort(str, Enum):
    price = "price"
    context = "context"
    name = "name"


@app.command()
@guarded
def models(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(
        metavar="[QUERY]", show_default=False, help="Show models whose id or name contains this.")] = None,
    provider: Annotated[Optional[str], typer.Option(
        "--provider", metavar="PROVIDER", show_default=False, help="Only models served by this provider.")] = None,
    region: Annotated[Optional[str], typer.Option(
        "--region", metavar="REGION", show_default=False, help="Only models served in this region.")] = None,
    free: Annotated[bool, typer.Option("--free", help="Only free models.")] = False,
    max_price: Annotated[Optional[float], typer.Option(
        "--max-price", metavar="USD", min=0, show_default=False,
        help="Only models whose prompt and completion prices are at most this, per million tokens.")] = None,
    sort: Annotated[Optional[Sort], typer.Option(
        "--sort", case_sensitive=False, show_default=False, help="Order by price, context or name.")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Fetch the list now, ignoring the cache.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the models as a JSON list.")] = False,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """List models with prices per million tokens and where they run (cached for an hour)."""
    from lowrouter_cli.models_job import run_models

    env = _env(ctx, color)
    settings = _settings(env, base_url=base_url, timeout=timeout)
    run_models(env, settings, query=query, provider=provider, region=region, free=free, max_price=max_price,
               sort=sort.value if sort else None, refresh=refresh, as_json=json, verbose=verbose)


@app.command()
@guarded
def generation(
    ctx: typer.Context,
    generation_id: Annotated[Optional[str], typer.Argument(
        metavar="[ID|last]", show_default=False,
        help="A generation id, or 'last' for the newest in the local history.")] = None,
    wait: Annotated[Optional[float], typer.Option(
        "--wait", metavar="SECONDS", min=0, show_default=False,
        help="Keep asking while the record is not readable yet (404), up to this long.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List recent generations from the local history.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the record (or the history) as JSON.")] = False,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Show what a generation cost: tokens, money, energy and CO2e, and how it was routed."""
    from lowrouter_cli.models_job import run_generation, run_history

    env = _env(ctx, color)
    if list_:
        return run_history(env, as_json=json)
    if not generation_id:
        raise UsageError("give a generation id, 'last', or --list")
    settings = _settings(env, base_url=base_url, timeout=timeout)
    run_generation(env, settings, generation_id, wait=wait, as_json=json, verbose=verbose)


auth_app = typer.Typer(help="Store, check or remove the API key.", no_args_is_help=True, add_completion=False,
                       rich_markup_mode=None)
app.add_typer(auth_app, name="auth")
VerifyOpt = Annotated[bool, typer.Option("--verify/--no-verify", help="Check the key against the gateway.")]


@auth_app.command("login")
@guarded
def auth_login(
    ctx: typer.Context,
    verify: VerifyOpt = True,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Store a key (read from stdin or a hidden prompt, never the command line) with mode 0600."""
    from lowrouter_cli.account import login

    env = _env(ctx, color)
    login(env, _settings(env, base_url=base_url, timeout=timeout), verify=verify, verbose=verbose)


@auth_app.command("status")
@guarded
def auth_status(
    ctx: typer.Context,
    verify: VerifyOpt = True,
    base_url: BaseUrlOpt = None,
    timeout: TimeoutOpt = None,
    verbose: VerboseOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Show where the key comes from, the key masked, and whether the gateway accepts it."""
    from lowrouter_cli.account import status

    env = _env(ctx, color)
    status(env, _settings(env, base_url=base_url, timeout=timeout), verify=verify, verbose=verbose)


@auth_app.command("logout")
@guarded
def auth_logout(ctx: typer.Context, verbose: VerboseOpt = False, color: ColorOpt = Color.auto) -> None:
    """Remove the stored key."""
    from lowrouter_cli.account import logout

    logout(_env(ctx, color))


config_app = typer.Typer(help="Read and change defaults in config.toml.", no_args_is_help=True,
                         add_completion=False, rich_markup_mode=None)
app.add_typer(config_app, name="config")
KeyArg = Annotated[str, typer.Argument(
    metavar="KEY", help="One of: model, base_url, region, provider, timeout, models_ttl.")]


@config_app.command("get")
@guarded
def config_get(ctx: typer.Context, key: KeyArg, verbose: VerboseOpt = False, color: ColorOpt = Color.auto) -> None:
    """Print one value from the config file."""
    from lowrouter_cli import account

    account.config_get(_env(ctx, color), key)


@config_app.command("set")
@guarded
def config_set(ctx: typer.Context, key: KeyArg,
               value: Annotated[str, typer.Argument(metavar="VALUE", help="The new value.")],
               verbose: VerboseOpt = False, color: ColorOpt = Color.auto) -> None:
    """Set a default (options and environment variables still beat it)."""
    from lowrouter_cli import account

    account.config_set(_env(ctx, color), key, value)


@config_app.command("unset")
@guarded
def config_unset(ctx: typer.Context, key: KeyArg, verbose: VerboseOpt = False, color: ColorOpt = Color.auto) -> None:
    """Remove a default."""
    from lowrouter_cli import account

    account.config_unset(_env(ctx, color), key)


@config_app.command("list")
@guarded
def config_list(ctx: typer.Context, json: JsonOpt = False, verbose: VerboseOpt = False,
                color: ColorOpt = Color.auto) -> None:
    """Print every value in the config file."""
    from lowrouter_cli import account

    account.config_list(_env(ctx, color), json)


@config_app.command("path")
@guarded
def config_path(ctx: typer.Context, verbose: VerboseOpt = False, color: ColorOpt = Color.auto) -> None:
    """Print where the config file is (it may not exist yet)."""
    from lowrouter_cli import store

    env = _env(ctx, color)
    env.stdout.write(f"{store.config_path(env)}\n")


# -- the one place where failures become exit codes ------------------------------------------------


def run(env: Environment, argv: Optional[List[str]] = None) -> int:
    from lowrouter_cli.render import messages

    previous_term = signal.signal(signal.SIGTERM, _raise_terminated)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="lowrouter", standalone_mode=False, obj=env)
        return result if isinstance(result, int) else ExitCode.OK
    except LowRouterError as error:
        messages.error_line(env, error.one_line())
        return error.exit_code
    except typer.Exit as exit_:
        return exit_.exit_code
    except typer.TyperException as error:  # click's usage errors
        context = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and context is not None:
            env.stderr.write(context.get_help() + "\n")  # `lowrouter` alone: the help, whole
        else:
            messages.error_line(env, _usage_message(error))
        return ExitCode.USAGE
    except (KeyboardInterrupt, typer.Abort):
        messages.error_line(env, "interrupted")
        return ExitCode.INTERRUPTED
    except (OutputClosed, BrokenPipeError):
        _silence_stdout()
        return 128 + signal.SIGPIPE
    except Exception as error:  # a bug: one line, no locals (they could hold the key)
        messages.error_line(env, f"unexpected error: {type(error).__name__}: {error}")
        if env.getenv("LOWROUTER_DEBUG"):
            import traceback

            traceback.print_exc(file=env.stderr)
        return ExitCode.UNEXPECTED
    finally:
        signal.signal(signal.SIGTERM, previous_term)


def _usage_message(error: Any) -> str:
    message = error.format_message()
    context = getattr(error, "ctx", None)
    if context is not None:
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
    sys.exit(run(Environment.from_os()))
