"""Generation records: fetch one (waiting for it to appear if asked), check its eco numbers, and
find the newest one in the ledger for `generation last`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import RequestRejected, UsageError

if TYPE_CHECKING:
    from lowrouter_cli.client import Client
    from lowrouter_cli.records import GenerationRecord

TOLERANCE = 0.01  # the gateway rounds: flag only what is off by more than 1%


def fetch(env: Environment, client: Client, generation_id: str, wait: float | None,
          announce: Callable[[str], None]) -> GenerationRecord:
    """The record; with `wait`, poll with backoff while it answers 404 (it appears a moment
    after the answer), up to `wait` seconds."""
    deadline = env.monotonic() + (wait or 0)
    delay = 0.25
    while True:
        try:
            return client.get_generation(generation_id)
        except RequestRejected as error:
            remaining = deadline - env.monotonic()
            if error.status != 404 or wait is None or remaining <= 0:
                if error.status == 404:
                    error.message += (f" (waited {wait:g} s)"  # honest: the deadline has passed
                                      if wait else " (a record is readable a second or two after the answer:"
                                      " add --wait 5 to keep asking)")
                raise
        pause = min(delay, remaining)  # the last pause ends at the deadline, not before it
        announce(f"generation {generation_id} not readable yet, checking again in {pause:g} s")
        env.sleep(pause)
        delay = min(delay * 2, 2.0)


def eco_problems(record: GenerationRecord) -> list[str]:
    """Broken invariants: energy = IT energy × PUE, and CO2e = energy / 1000 × grid intensity."""
    eco = record.eco
    if eco is None:
        return []
    energy, it_energy, pue = eco.energy_wh, eco.it_energy_wh, eco.pue
    co2e, intensity = eco.co2e_g, eco.grid_carbon_intensity_g_per_kwh
    problems = []
    if energy is not None and it_energy is not None and pue is not None and _off(energy, it_energy * pue):
        problems.append(f"energy_wh {energy:g} ≠ it_energy_wh × pue = {it_energy * pue:g}")
    if co2e is not None and energy is not None and intensity is not None and _off(co2e, energy / 1000 * intensity):
        problems.append(f"co2e_g {co2e:g} ≠ energy_wh / 1000 × intensity = {energy / 1000 * intensity:g}")
    return problems


# A generation id (gen-7fQ2mZk9Xc4Rb1LwT8nVd3Ph, or another gateway's) starts with gen- or has a
# digit, and no spaces: a word such as `lst` cannot be one, a usage error before any network call.
_ID_CHARACTERS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")


def could_be_an_id(text: str) -> bool:
    return bool(_ID_CHARACTERS.fullmatch(text)) and (
        text.startswith("gen-") or (len(text) >= 6 and any(c.isdigit() for c in text)))


def resolve_id(env: Environment, generation_id: str) -> str:
    if generation_id != "last":
        if not could_be_an_id(generation_id):
            import difflib

            guess = " (did you mean 'last'?)" if difflib.get_close_matches(generation_id, ["last"], cutoff=0.6) else ""
            raise UsageError(f"{generation_id!r} is not a generation id (ids look like "
                             f"gen-7fQ2mZk9Xc4Rb1LwT8nVd3Ph; or give 'last' or --list){guess}")
        return generation_id
    from lowrouter_cli import ledger

    for opened in ledger.read(env):
        newest = opened.latest_generation_id()
        if newest:
            return newest
    raise UsageError("no generation in the ledger yet: run lowrouter chat or stream first")


def _off(actual: float, expected: float) -> bool:
    return abs(actual - expected) > TOLERANCE * max(abs(expected), 1e-12)


def stored_record(env: Environment, generation_id: str) -> GenerationRecord | None:
    """A record kept in the ledger (None when it holds none or can't be read)."""
    from lowrouter_cli.ledger import LedgerError, read
    from lowrouter_cli.records import parse_generation

    try:
        for opened in read(env):
            stored = opened.stored_record(generation_id)
            return None if stored is None else parse_generation(stored)
    except LedgerError:
        return None  # the gateway still has it
    return None


def store_record(env: Environment, generation_id: str, record: Any, warn: Callable[[str], None]) -> None:
    """Keep a fetched record in the ledger, so showing it again needs no network."""
    from lowrouter_cli.ledger import LedgerError, read

    try:
        for opened in read(env):
            opened.store_record(generation_id, record)
    except LedgerError as error:
        warn(f"warning: generation record not kept in the ledger: {error}")
