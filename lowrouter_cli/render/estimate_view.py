"""An estimate printed before anything is sent: `key: value` lines (aligned on a terminal) or JSON."""

from __future__ import annotations

from lowrouter_cli.context import Environment
from lowrouter_cli.estimates import CHARS_PER_TOKEN, Estimate
from lowrouter_cli.render.numbers import format_co2e, format_cost, format_energy
from lowrouter_cli.render.safe_text import field_text, json_dumps


def print_estimate(env: Environment, estimate: Estimate, *, as_json: bool) -> None:
    if as_json:
        env.stdout.write(json_dumps(estimate.as_dict(), indent=2) + "\n")
        env.stdout.flush()
        return
    lines = estimate_lines(estimate)
    width = max(len(key) for key, _ in lines)
    env.stdout.write("".join(f"{key + ':':<{width + 1}} {field_text(value)}\n" for key, value in lines))
    env.stdout.flush()


def estimate_lines(estimate: Estimate) -> list[tuple[str, str]]:
    """The estimate as (key, value) pairs, every figure marked as the estimate it is."""
    lines = [("model", estimate.model + " (estimate: nothing was sent)"),
             ("prompt", f"~{estimate.prompt_tokens:,} tokens (about {CHARS_PER_TOKEN} characters a token: "
                        "an approximation; real counts depend on the model and the language)")]
    if estimate.completion_limit is None:
        lines.append(("answer", "no known limit (give --max-tokens to bound the cost)"))
    else:
        lines.append(("answer", f"up to {estimate.completion_limit:,} tokens ({estimate.completion_limit_source})"))
    if estimate.cost_low is None:
        lines.append(("cost", "unknown: no price for this model in the catalog"))
    else:
        high = "no upper bound known" if estimate.cost_high is None else f"{format_cost(estimate.cost_high)} " \
                                                                        "with the longest answer"
        lines.append(("cost", f"{format_cost(estimate.cost_low)} for the prompt alone to {high}"))
        if estimate.bounded_by_dearest:
            lines.append(("priced as", f"{estimate.priced_by}, the dearest model the router may pick "
                                       "(lowrouter/auto or a dynamic price)"))
    energy, co2e = estimate.energy_range(), estimate.co2e_range()
    if energy and co2e and estimate.measured:
        source = f"from your {estimate.measured.exchanges} measured exchanges with this model"
        lines.append(("energy", f"{format_energy(energy[0])} to {format_energy(energy[1])} ({source})"))
        lines.append(("CO2e", f"{format_co2e(co2e[0])} to {format_co2e(co2e[1])}"))
    else:
        lines.append(("energy, CO2e", "not enough measured exchanges with this model yet "
                                      "(3 with generation records; `lowrouter usage` fetches them)"))
    return lines
