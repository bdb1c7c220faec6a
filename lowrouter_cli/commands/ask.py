"""`lowrouter chat` and `lowrouter stream`: the commands that send a prompt, and their options."""

from __future__ import annotations

from typing import Annotated, Any, List, Optional

import typer

from lowrouter_cli.commands.request_options import RequestOpt, request_fields
from lowrouter_cli.commands.shared import with_shared_options
from lowrouter_cli.errors import UsageError
from lowrouter_cli.invocation import Invocation

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
