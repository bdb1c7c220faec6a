"""Print the mutation score per module from mutmut 3's results in mutants/ (run scripts/mutmut.sh).

Killed counts mutants a test failed on (a timeout too: the mutant hung the code). The score is
killed / (run - equivalent): "unrun" mutants (a run stopped early) are counted apart, and
equivalent names the survivors listed in scripts/mutmut_equivalent.txt, each with the reason no
test can tell it from the original.
`--survivors` lists the rest by name (see one with `python -m mutmut show NAME`); `--check` says
which entries of mutmut_equivalent.txt no longer name the mutant they describe (each quotes the
text of its mutated line; mutant numbers move when a function changes). Exit 1 when any is stale.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout",
          24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 37: "caught by type check", None: "not checked"}


def equivalent_entries() -> dict[str, str]:
    """mutant name -> the text its mutated line must contain (the first `quoted` part of the reason)."""
    path = ROOT / "scripts" / "mutmut_equivalent.txt"
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            quoted = re.search(r"`([^`]+)`", reason)
            entries[name] = quoted.group(1) if quoted else ""
    return entries


def equivalent_names() -> set[str]:
    return set(equivalent_entries())


def stale_entries() -> list[str]:
    """Entries whose mutant is gone, or whose quoted text is not in that mutant (or is in the original)."""
    stale = []
    for name, quoted in sorted(equivalent_entries().items()):
        module, _, function = name.rpartition(".")
        source = ROOT / "mutants" / (module.replace(".", "/") + ".py")
        text = source.read_text() if source.exists() else ""
        mutant, original = _function(text, function), _function(text, function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        if not mutant or not quoted or quoted not in mutant or quoted in original:
            stale.append(name)
    return stale


def _function(text: str, name: str) -> str:
    """The source of the (possibly nested) function `name` in mutmut's copy of a module."""
    found = re.search(rf"^( *)def {re.escape(name)}\(", text, re.M)
    if not found:
        return ""
    end = re.compile(rf"^ {{0,{len(found.group(1))}}}\S", re.M).search(text, found.end())
    return text[found.start():end.start() if end else len(text)]


def results() -> dict[str, dict[str, str]]:
    """module -> mutant name -> status."""
    by_module: dict[str, dict[str, str]] = defaultdict(dict)
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        module = str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            by_module[module][name] = STATUS.get(code, "suspicious")
    return by_module


def main() -> int:
    by_module = results()
    if not by_module:
        print("no results in mutants/: run scripts/mutmut.sh first", file=sys.stderr)
        return 1
    equivalent = equivalent_names()
    survivors = []
    print(f"{'module':32} {'mutants':>7} {'unrun':>6} {'killed':>7} {'equiv.':>7} {'left':>5} {'score':>7}")
    totals: Counter = Counter()
    for module, statuses in sorted(by_module.items()):
        counts = Counter("killed" if s in ("killed", "timeout") else s for s in statuses.values())
        equal = sum(1 for name, s in statuses.items() if s != "killed" and name in equivalent)
        left = [n for n, s in statuses.items()
                if s not in ("killed", "timeout", "not checked") and n not in equivalent]
        survivors += [(n, statuses[n]) for n in left]
        row = Counter(mutants=len(statuses), unrun=counts["not checked"], killed=counts["killed"],
                      equivalent=equal, left=len(left))
        totals.update(row)
        print(_line(module, row))
    print(_line("all", totals))
    if "--survivors" in sys.argv:
        for name, status in sorted(survivors):
            print(f"{status:12} {name}")
    if "--check" in sys.argv:
        stale = stale_entries()
        for name in stale:
            print(f"stale equivalent: {name}", file=sys.stderr)
        return 1 if stale else 0
    return 0


def _line(name: str, row: Counter) -> str:
    considered = row["mutants"] - row["equivalent"] - row["unrun"]
    score = 100.0 * row["killed"] / considered if considered else 100.0
    return (f"{name:32} {row['mutants']:7} {row['unrun']:6} {row['killed']:7} {row['equivalent']:7} "
            f"{row['left']:5} {score:6.1f}%")


if __name__ == "__main__":
    sys.exit(main())
