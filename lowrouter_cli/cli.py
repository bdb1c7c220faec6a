"""The Typer app: thin commands (options, a docstring, one call into a job).

The options every command shares are declared once, in commands/shared.py, and are taken before
or after the command's name; command groups (auth, config) live in commands/, one module each.
`run()` is the only place where failures become exit codes and one-line messages. Heavy modules
(requests, rich, the api) are imported inside the commands, so --help and --version stay fast.
"""

from __future__ import annotations

import os
import signal
import sys
from enum import Enum
from typing import Annotated, Any, List, Optional

import typer

from lowrouter_cli import __version__
from lowrouter_cli.commands import auth, config, logs
from lowrouter_cli.commands.request_options import RequestOpt, request_fields, two_values
from lowrouter_cli.commands.shared import Session, with_shared_options, with_shared_options_before_name
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import ExitCode, LowRouterError, OutputClosed, Terminated, UsageError
from lowrouter_cli.invocation import Invocation

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
app.add_typer(auth.app, name="auth")
app.add_typer(config.app, name="config")
app.add_typer(logs.app, name="logs")


def _version(value: bool) -> None:
    if value:
        print(f"lowrouter {__version__}")
        raise typer.Exit()


@app.callback()
@with_shared_options_before_name
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Command-line client for the LowRouter LLM gateway."""


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
CurlOpt = Annotated[bool, typer.Option(
    "--curl", help="Print the equivalent curl command on stdout and send nothing.")]
NoLogOpt = Annotated[bool, typer.Option(
    "--no-log", "--no-history", help="Record nothing of this exchange in the ledger [env LOWROUTER_NO_LOG=1].")]
ContinueOpt = Annotated[bool, typer.Option(
    "-c", "--continue", help="Continue the most recent conversation (of any terminal), sending its earlier turns.")]
CidOpt = Annotated[Optional[str], typer.Option(
    "--cid", metavar="ID", show_default=False,
    help="Continue this conversation (a unique prefix of its id is enough).")]
RawOpt = Annotated[bool, typer.Option(
    "--raw", "--no-md", help="Plain text even on a terminal (no Markdown), as in a pipe.")]
ReasoningOpt = Annotated[Optional[bool], typer.Option(
    "--reasoning/--no-reasoning", show_default=False,
    help="Show the model's reasoning text on stderr [config reasoning; default off: a status line on a terminal].")]
EstimateOpt = Annotated[bool, typer.Option(
    "--estimate", help="Send nothing: print the estimated tokens, cost range and (from your ledger) energy and CO2e.")]
MaxCostOpt = Annotated[Optional[str], typer.Option(
    "--max-cost", metavar="USD", show_default=False,
    help="Refuse to send (exit 9) when the worst-case estimated cost is above this.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Send even over --max-cost or a budget (budget_daily, budget_monthly).")]
EcoOpt = Annotated[Optional[bool], typer.Option(
    "--eco/--no-eco", show_default=False,
    help="Wait up to 5 s for the generation record and add its energy and CO2e to the footer [config eco].")]


def spend_options(estimate: bool, max_cost: Optional[str], force: bool, eco: Optional[bool]) -> Any:
    from lowrouter_cli.spending import SpendOptions, parse_usd

    return SpendOptions(estimate, parse_usd(max_cost, "--max-cost") if max_cost is not None else None, force, eco)


@app.command()
@with_shared_options
def chat(
    invocation: Invocation,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    region: RegionOpt = None,
    provider: ProviderOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    raw: RawOpt = False,
    json: Annotated[bool, typer.Option("--json", help="Print the gateway's JSON (for jq).")] = False,
    request_options: RequestOpt = None,
    curl: CurlOpt = False,
    continue_: ContinueOpt = False,
    cid: CidOpt = None,
    no_log: NoLogOpt = False,
    reasoning: ReasoningOpt = None,
    estimate: EstimateOpt = False,
    max_cost: MaxCostOpt = None,
    force: ForceOpt = False,
    eco: EcoOpt = None,
    interactive: Annotated[bool, typer.Option(
        "-i", "--interactive",
        help="An interactive session (also without a prompt when stdin and stdout are terminals); "
             "the PROMPT, if given, is its first turn.")] = False,
) -> None:
    """Ask once and print the whole answer (Markdown on a terminal, plain text in a pipe).

    With -i, a session: answers stream live, every turn continues one conversation, and the status
    line shows tokens, cost and CO2e. Its commands: /model ID, /region [R], /provider [P], /system
    [TEXT], /new, /retry, /edit, /cost, /trace, /copy, /save FILE, /help, /exit.
    """
    from lowrouter_cli.prompt import PromptOptions

    _chat_or_session(invocation, PromptOptions(
        prompt, model, system, region, provider, max_tokens, temperature, curl, no_log, continue_, cid,
        reasoning=reasoning, extra=request_fields(request_options), spend=spend_options(estimate, max_cost, force, eco)),
        interactive=interactive, as_json=json, raw=raw)


def _chat_or_session(invocation: Invocation, options: Any, *, interactive: bool, as_json: bool, raw: bool) -> None:
    """-i, or no prompt with stdin and stdout terminals: the interactive session; else one answer."""
    env = invocation.env
    if interactive or (not options.words and env.stdin_isatty and env.stdout_isatty and not (as_json or options.curl)):
        from lowrouter_cli.session_job import run_session

        if as_json or options.curl:
            raise UsageError("-i can't be combined with --json or --curl")
        return run_session(invocation, options, raw=raw)
    from lowrouter_cli import chat as jobs

    jobs.chat(invocation, options, as_json=as_json, raw=raw)


@app.command()
@with_shared_options
def stream(
    invocation: Invocation,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    region: RegionOpt = None,
    provider: ProviderOpt = None,
    max_tokens: MaxTokensOpt = None,
    temperature: TemperatureOpt = None,
    raw: RawOpt = False,
    json: Annotated[bool, typer.Option("--json", help="One JSON object per event, as received (JSON Lines).")] = False,
    request_options: RequestOpt = None,
    curl: CurlOpt = False,
    continue_: ContinueOpt = False,
    cid: CidOpt = None,
    no_log: NoLogOpt = False,
    max_time: Annotated[Optional[float], typer.Option(
        "--max-time", metavar="SECONDS", min=0.001, show_default=False,
        help="Longest the whole stream may take; past it the partial answer stays and the exit is 8 "
             "[env LOWROUTER_MAX_TIME].")] = None,
    reasoning: ReasoningOpt = None,
    estimate: EstimateOpt = False,
    max_cost: MaxCostOpt = None,
    force: ForceOpt = False,
    eco: EcoOpt = None,
) -> None:
    """Stream the answer token by token: live Markdown on a terminal, raw text in a pipe."""
    from lowrouter_cli import chat as jobs

    jobs.stream(invocation, jobs.PromptOptions(prompt, model, system, region, provider, max_tokens, temperature,
                                               curl, no_log, continue_, cid, max_time, reasoning=reasoning,
                                               extra=request_fields(request_options),
                                               spend=spend_options(estimate, max_cost, force, eco)),
                as_json=json, raw=raw)


class Sort(str, Enum):
    price = "price"
    context = "context"
    name = "name"
    co2 = "co2"


@app.command()
@with_shared_options
def models(
    invocation: Invocation,
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
        "--sort", case_sensitive=False, show_default=False,
        help="Order by price, context, name, or co2 (your own measured g CO2e per 1,000 tokens, from the ledger).")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Fetch the list now, ignoring the cache.")] = False,
    endpoints: Annotated[bool, typer.Option(
        "--endpoints", help="One row per endpoint: model, provider, region, status and prices.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the models as a JSON list.")] = False,
) -> None:
    """List models with prices per million tokens and where they run (cached for an hour)."""
    from lowrouter_cli.models_job import run_models

    run_models(invocation, query=query, provider=provider, region=region, free=free, max_price=max_price,
               sort=sort.value if sort else None, refresh=refresh, as_json=json, endpoints=endpoints)


@app.command()
@with_shared_options
def generation(
    invocation: Invocation,
    generation_id: Annotated[Optional[str], typer.Argument(
        metavar="[ID|last]", show_default=False,
        help="A generation id, or 'last' for the newest in the ledger.")] = None,
    wait: Annotated[Optional[float], typer.Option(
        "--wait", metavar="SECONDS", min=0, show_default=False,
        help="Keep asking while the record is not readable yet (404), up to this long.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List recent generations from the ledger, newest first.")] = False,
    limit: Annotated[int, typer.Option(
        "-n", "--limit", metavar="N", min=0, help="With --list: how many (0: all).")] = 20,
    json: Annotated[bool, typer.Option("--json", help="Print the record (or the list) as JSON.")] = False,
) -> None:
    """Show what a generation cost: tokens, money, energy and CO2e, and how it was routed."""
    from lowrouter_cli.generation_job import run_generation

    run_generation(invocation, generation_id, wait=wait, list_=list_, limit=limit, as_json=json)


class Grouping(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    model = "model"
    provider = "provider"
    region = "region"


@app.command()
@with_shared_options
def usage(
    invocation: Invocation,
    since: Annotated[Optional[str], typer.Option(
        "--since", metavar="WHEN", show_default=False,
        help="From this time: 7d, 12h, a date (2026-11-20) or an ISO time [default 7d].")] = None,
    until: Annotated[Optional[str], typer.Option(
        "--until", metavar="WHEN", show_default=False, help="Up to this time (same forms as --since).")] = None,
    by: Annotated[Grouping, typer.Option(
        "--by", case_sensitive=False, help="Group by day, week, month (UTC), model, provider or region.")] = Grouping.day,
    offline: Annotated[bool, typer.Option(
        "--offline", help="Use only what the ledger holds: fetch no missing generation records.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the report as a JSON object.")] = False,
    csv: Annotated[Optional[str], typer.Option(
        "--csv", metavar="FORMAT", show_default=False,
        help="Write CSV instead: 'codecarbon' (CodeCarbon's emissions.csv columns, one row per exchange).")] = None,
) -> None:
    """What you spent and emitted: requests, tokens, cost, energy and CO2e from the ledger."""
    from lowrouter_cli.usage_job import run_usage

    run_usage(invocation, since=since, until=until, by=by.value, offline=offline, as_json=json, csv=csv)


# -- the one place where failures become exit codes ------------------------------------------------


def run(env: Environment, argv: Optional[List[str]] = None) -> int:
    from lowrouter_cli.render import messages

    session = Session(env)  # holds the Environment with the colour chosen, once it is known
    refusal = _unusable_start(env, sys.argv[1:] if argv is None else argv)
    if refusal:
        messages.error_line(env, refusal)
        return ExitCode.USAGE
    previous_term = signal.signal(signal.SIGTERM, _raise_terminated)
    command = typer.main.get_command(app)
    two_values(command)  # -o KEY VALUE
    try:
        result = command.main(args=argv, prog_name="lowrouter", standalone_mode=False, obj=session)
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
    sys.exit(run(Environment.from_os()))
