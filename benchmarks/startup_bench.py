"""Start-up benchmark: lowrouter side by side with llm (PyPI) and a bare Python, in one run.

    python benchmarks/startup_bench.py [--repeat 15] [--llm PATH]

Commands alternate (A B C … A B C …); wall-time medians with their spread, CPU, and peak memory
from /usr/bin/time (benchmarks/harness.py). Bounds (issue 12): `--help` ≤ 0.08 × `llm --help`;
`chat` round trip ≤ 0.18 × `llm --no-stream` against the same emulator; cached `models` ≤ 0.15 ×
`llm models`; TAB completion of model ids < 60 ms (see catalog_bench.py for 20,000 models).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, print_rows  # noqa: E402
from stream_bench import BIN, KEY, EmulatorProcess, llm_setup  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--llm", default=shutil.which("llm"))
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, COLUMNS="100",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        subprocess.run([lowrouter, "models"], env=env, stdout=subprocess.DEVNULL, check=True)  # a fresh cache
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "python -c 'import typer, requests' (the floor)": ([sys.executable, "-c", "import typer, requests"], None),
            "lowrouter --version": ([lowrouter, "--version"], None),
            "lowrouter --help": ([lowrouter, "--help"], None),
            "lowrouter chat --help": ([lowrouter, "chat", "--help"], None),
            "lowrouter chat hi (round trip)": ([lowrouter, "chat", "--no-log", "hi"], None),
            "lowrouter models (cached)": ([lowrouter, "models"], None),
            "lowrouter __complete-models (TAB on -m)": ([lowrouter, "__complete-models"], None),
        }
        if args.llm:
            llm_env = llm_setup(emulator, Path(tmp))
            env.update({k: v for k, v in llm_env.items() if k == "LLM_USER_PATH"})
            commands.update({
                "llm --help": ([args.llm, "--help"], None),
                "llm --no-stream hi (round trip)": ([args.llm, "--no-stream", "-m", "lowrouter-emulator", "hi"], None),
                "llm models": ([args.llm, "models"], None),
            })
        rows = {row.name: row for row in alternate(commands, env, args.repeat)}
    print(f"medians of {args.repeat} alternated runs; spread is min–max\n")
    print_rows(list(rows.values()))
    print()
    checks = []
    if args.llm:
        checks = [("lowrouter --help", "llm --help", 0.08),
                  ("lowrouter chat hi (round trip)", "llm --no-stream hi (round trip)", 0.18),
                  ("lowrouter models (cached)", "llm models", 0.15)]
    failed = False
    for ours, theirs, bound in checks:
        ratio = rows[ours].median("wall") / rows[theirs].median("wall")
        failed |= ratio > bound
        print(f"{ours + ' / ' + theirs:72} {ratio:6.3f}  (bound {bound}) {'ok' if ratio <= bound else 'OVER'}")
    complete = rows["lowrouter __complete-models (TAB on -m)"].median("wall") * 1000
    print(f"{'TAB completion (few models; 20,000 in catalog_bench.py)':72} {complete:6.0f} ms")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
