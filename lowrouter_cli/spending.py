"""Money and carbon around a prompt: the estimate (`--estimate`, nothing sent), the spend caps
checked before sending (`--max-cost`, the daily and monthly budgets), the notice for a large piped
prompt, and (`--eco`) the generation record awaited after the answer for the footer's energy and
CO2e. Nothing here runs, and nothing is read, unless one of those is asked for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lowrouter_cli.errors import LowRouterError, OverSpendCap
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.settings import Settings

LARGE_PROMPT_TOKENS = 20_000  # a piped prompt this large gets a notice with its estimated cost
WARN_AT = Decimal("0.8")  # a budget this far spent (with the worst case of this prompt) is announced
ECO_WAIT = 5.0  # seconds --eco waits for the generation record, never longer


@dataclass(frozen=True)
class SpendOptions:
    estimate: bool = False  # print the estimate and send nothing
    max_cost: Decimal | None = None  # refuse when the worst case is dearer (USD)
    force: bool = False  # send even over a cap
    eco: bool | None = None  # await the record for the footer (None: as config says)


def parse_usd(text: str, option: str) -> Decimal:
    """An amount of USD given on the command line, exact; a usage error otherwise."""
    from decimal import InvalidOperation

    from lowrouter_cli.errors import UsageError

    try:
        amount = Decimal(text.strip().lstrip("$"))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or not 0 <= amount < 10**9:
        raise UsageError(f"{option} wants an amount of USD such as 0.05, not {text!r}")
    return amount


def before_sending(invocation: Invocation, settings: Settings, request: Any, spend: SpendOptions, *,
                   as_json: bool) -> bool:
    """Print the estimate (True: send nothing), or check the caps and announce a large piped
    prompt (False: go ahead). Raises OverSpendCap (exit 9) when a cap would be passed."""
    env = invocation.env
    capped = spend.max_cost is not None or settings.budget_daily or settings.budget_monthly
    large = not env.stdin_isatty and env.stderr_isatty and _estimated_tokens(request) > LARGE_PROMPT_TOKENS
    if not (spend.estimate or capped or large):
        return False
    estimate = make_estimate(invocation, settings, request)
    if spend.estimate:
        from lowrouter_cli.render.estimate_view import print_estimate

        print_estimate(env, estimate, as_json=as_json)
        return True
    if large:
        cost = "" if estimate.worst_cost is None else f", up to {_usd(estimate.worst_cost)} with the answer (estimate)"
        messages.notice(env, f"a large prompt from stdin: about {estimate.prompt_tokens:,} tokens{cost}")
    if capped and not spend.force:
        check_caps(invocation, settings, estimate.worst_cost, spend.max_cost)
    return False


def _estimated_tokens(request: Any) -> int:
    from lowrouter_cli.estimates import estimate_tokens

    return estimate_tokens(request.messages())


def make_estimate(invocation: Invocation, settings: Settings, request: Any) -> Any:
    from lowrouter_cli.estimates import estimate, measured_per_token

    return estimate(request.model, request.messages(), request.max_tokens, _catalog(invocation, settings),
                    region=request.region, provider=request.provider,
                    measured=measured_per_token(_model_rows(invocation, request.model)))


def check_caps(invocation: Invocation, settings: Settings, worst: Decimal | None, max_cost: Decimal | None) -> None:
    """--max-cost against the worst case; each budget against what the ledger says was spent in
    its UTC day or month plus the worst case. Over a cap: OverSpendCap; past 80%: one warning."""
    env = invocation.env
    if max_cost is not None:
        if worst is None:
            raise OverSpendCap(f"--max-cost {_usd(max_cost)}: the cost of this prompt can't be bounded (no price, "
                               "or no longest answer: give --max-tokens); --force sends anyway")
        if worst > max_cost:
            raise OverSpendCap(f"over --max-cost {_usd(max_cost)}: this prompt may cost up to {_usd(worst)} "
                               "(estimate, with the longest answer); --force sends anyway")
    now = datetime.datetime.fromtimestamp(env.wall_clock(), datetime.timezone.utc)
    for budget, period, start in ((settings.budget_daily, "daily", now.strftime("%Y-%m-%dT00:00:00")),
                                  (settings.budget_monthly, "monthly", now.strftime("%Y-%m-01T00:00:00"))):
        if not budget:
            continue
        spent = spent_since(invocation, start)
        if worst is None:
            messages.notice(env, f"warning: the cost of this prompt can't be estimated; the {period} budget "
                                 f"checks only what was spent ({_usd(spent)} of {_usd(budget)})")
        total = spent + (worst or 0)
        if total > budget:
            raise OverSpendCap(f"over the {period} budget of {_usd(budget)}: {_usd(spent)} spent so far and this "
                               f"prompt may cost up to {_usd(worst or 0)} (estimate); --force sends anyway")
        if total >= budget * WARN_AT:
            messages.notice(env, f"warning: {total / budget:.0%} of the {period} budget of {_usd(budget)} "
                                 f"({_usd(spent)} spent, up to {_usd(worst or 0)} for this prompt)")


def spent_since(invocation: Invocation, start: str) -> Decimal:
    """What the ledger says was spent since `start` (UTC text), as an exact decimal."""
    from lowrouter_cli import ledger
    from lowrouter_cli.usage import decimal_cost

    total = Decimal(0)
    for opened in ledger.read(invocation.env):
        for (cost,) in opened.execute("SELECT cost_usd FROM exchanges WHERE time >= ? AND cost_usd IS NOT NULL",
                                      (start,)):
            total += decimal_cost(cost)
    return total


def await_record(invocation: Invocation, settings: Settings, generation_id: str | None) -> Any:
    """--eco: the generation record, asked for until it is readable, for ECO_WAIT seconds at most;
    None (and the footer goes without) when it doesn't come in time or can't be had."""
    from lowrouter_cli import generations

    if not generation_id:
        return None
    env = invocation.env
    try:
        with invocation.client(settings) as client:
            record = generations.fetch(env, client, generation_id, ECO_WAIT, lambda message: None)
    except LowRouterError as error:
        messages.notice(env, f"warning: no eco numbers for this answer: {error.one_line()}")
        return None
    return record if isinstance(record.raw, dict) else None


def _catalog(invocation: Invocation, settings: Settings) -> list[Any]:
    """The models with their prices: from the cache, or fetched when there is none (GET /models
    costs nothing); an empty list when it can't be had."""
    from lowrouter_cli import catalog

    env = invocation.env

    def fetch(etag: str | None) -> Any:
        with invocation.client(settings) as client:
            return client.list_models(etag)

    try:
        body = catalog.load_catalog(env, settings.base_url, settings.models_ttl, fetch,
                                    lambda message: messages.notice(env, message))
    except LowRouterError as error:
        messages.notice(env, f"warning: no model prices for the estimate: {error.one_line()}")
        return []
    return catalog.parse_models(body)


def _model_rows(invocation: Invocation, model: str) -> list[Any]:
    from lowrouter_cli import ledger

    try:
        for opened in ledger.read(invocation.env):
            return opened.select("(model = ? OR requested_model = ?) AND energy_wh IS NOT NULL", (model, model),
                                 limit=1000)
    except ledger.LedgerError:
        return []
    return []


def _usd(value: Decimal | int) -> str:
    from lowrouter_cli.render.numbers import format_cost

    return format_cost(Decimal(value))
