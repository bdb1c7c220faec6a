"""A/B benchmark of the piped stream: two source trees of lowrouter, run alternately against one
emulator on the same long answer, so machine noise falls on both alike. Prints medians and the ratio.

    git archive COMMIT | tar -x -C /tmp/before       # any two checkouts
    python benchmarks/piped_ab.py --before /tmp/before --after . [--words 26000] [--repeat 15]

Each run is `python -m lowrouter_cli stream PROMPT` with PYTHONPATH pointing at one tree, stdout a pipe.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure  # noqa: E402
from stream_bench import KEY, EmulatorProcess  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--after", required=True, type=Path)
    parser.add_argument("--words", type=int, default=26000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    prompt = f"[[answer:long words={args.words}]]"
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    runs: dict[str, list] = {name: [] for name in trees}
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        base = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY,
                    XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp, LOWROUTER_NO_HISTORY="1")
        for _ in range(args.repeat):
            for name, tree in trees.items():
                env = dict(base, PYTHONPATH=str(tree))
                run = measure([sys.executable, "-m", "lowrouter_cli", "stream", prompt], env)
                runs[name].append((run.wall, run.cpu, run.peak_mib, run.output_bytes))
    print(f"piped `lowrouter stream`, {args.words} words, medians of {args.repeat} alternating runs\n")
    print(f"{'tree':8} {'wall s':>8} {'CPU s':>8} {'bytes':>10}")
    medians = {}
    for name, rows in runs.items():
        medians[name] = [statistics.median(row[i] for row in rows) for i in range(4)]
        wall, cpu, _, size = medians[name]
        print(f"{name:8} {wall:8.3f} {cpu:8.3f} {size:10.0f}")
    print(f"\nafter / before: wall {medians['after'][0] / medians['before'][0]:.3f}, "
          f"CPU {medians['after'][1] / medians['before'][1]:.3f}")


if __name__ == "__main__":
    main()
