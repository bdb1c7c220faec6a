"""A/B benchmark of the piped stream (issue 12): two revisions of lowrouter, `curl -N` and `llm`,
run alternately (A B A B …) against one emulator on the same long answer, so machine noise falls on
all alike. Prints medians with their spread, CPU per event for each revision, and the issue's ratios.

    python benchmarks/piped_ab.py --before REV [--after REV] [--words 26000] [--repeat 9] [--llm PATH]
                                  [--close-delimited]

Each revision (--after: this checkout as it is) is installed as pip installs a wheel (compiled, a
console script; startup_bench.installed_copy) and runs `lowrouter stream PROMPT`, stdout a drained
pipe. CPU per event: (CPU of the long answer - CPU of a 2,000-word one) / the events between them,
so start-up cancels out. Bounds: piped wall ≤ 0.08 × llm and ≤ 2.5 × curl -N; CPU per event ≤ 2/3
of issue 12's 9.4 µs (chunked body) or 6.4 µs (--close-delimited: a body that ends with the connection).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Row, measure  # noqa: E402
from startup_bench import installed_copy  # noqa: E402
from stream_bench import KEY, EmulatorProcess, llm_setup  # noqa: E402

from lowrouter_cli.emulator.scenarios import long_markdown, tokenize  # noqa: E402

SHORT_WORDS = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a git revision of this checkout")
    parser.add_argument("--after", default=None, help="a git revision (default: this checkout as it is)")
    parser.add_argument("--words", type=int, default=26000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--llm", default=shutil.which("llm"))
    parser.add_argument("--close-delimited", action="store_true", help="the emulator ends bodies by closing")
    args = parser.parse_args()
    framing = " [[fault:close_delimited]]" if args.close_delimited else ""
    prompt, short = f"[[answer:long words={args.words}]]{framing}", f"[[answer:long words={SHORT_WORDS}]]{framing}"
    today = 6.4 if args.close_delimited else 9.4  # issue 12's CPU per event before
    events = len(tokenize(long_markdown(args.words))) - len(tokenize(long_markdown(SHORT_WORDS)))
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        base = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, LOWROUTER_NO_LOG="1",
                    XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        commands = {}
        for name, revision in (("before", args.before), ("after", args.after)):
            lowrouter = installed_copy(Path(tmp) / name, revision)
            commands[name] = ([lowrouter, "stream", prompt], base)
            commands[f"{name}, {SHORT_WORDS:,} words"] = ([lowrouter, "stream", short], base)
        body = json.dumps({"model": "lowrouter/auto", "stream": True, "messages": [{"role": "user", "content": prompt}]})
        commands["curl -N"] = (["curl", "-sN", f"{emulator.base_url}/chat/completions", "-H",
                                f"Authorization: Bearer {KEY}", "-H", "Content-Type: application/json", "-d", body],
                               base)
        if args.llm:
            commands["llm (PyPI)"] = ([args.llm, "-m", "lowrouter-emulator", prompt], llm_setup(emulator, Path(tmp)))
        rows = {name: Row(name, []) for name in commands}
        for _ in range(args.repeat):
            for name, (argv, env) in commands.items():
                rows[name].runs.append(measure(argv, env))
    print(f"piped stream of {args.words} words ({events + len(tokenize(long_markdown(SHORT_WORDS)))} events, "
          f"{'close-delimited' if args.close_delimited else 'chunked'} body), medians of {args.repeat} alternated runs\n")
    print(f"before: {args.before}; after: {args.after or 'this checkout'}\n")
    print(f"{'command':28} {'wall ms (min–max)':>22} {'CPU ms (min–max)':>22}")
    for row in rows.values():
        (wall_low, wall_high), (cpu_low, cpu_high) = row.spread("wall"), row.spread("cpu")
        print(f"{row.name:28} {row.median('wall') * 1000:8.0f} ({wall_low * 1000:5.0f}–{wall_high * 1000:5.0f})"
              f" {row.median('cpu') * 1000:8.0f} ({cpu_low * 1000:5.0f}–{cpu_high * 1000:5.0f})")
    print()
    for name in ("before", "after"):
        long, brief = rows[name], rows[f"{name}, {SHORT_WORDS:,} words"]
        per_event = (long.median("cpu") - brief.median("cpu")) / events * 1e6
        ratios = [f"CPU per event {per_event:5.2f} µs ({per_event / today:.2f} × {today}; bound 0.667)",
                  f"wall / curl -N {long.median('wall') / rows['curl -N'].median('wall'):.2f} (bound 2.5)"]
        if args.llm:
            ratios.append(f"wall / llm {long.median('wall') / rows['llm (PyPI)'].median('wall'):.3f} (bound 0.08)")
        print(f"{name:8} " + ";  ".join(ratios))
    after, before = rows["after"], rows["before"]
    print(f"\nafter / before: wall {after.median('wall') / before.median('wall'):.3f}, "
          f"CPU {after.median('cpu') / before.median('cpu'):.3f}")


if __name__ == "__main__":
    main()
