"""Start-up benchmark: lowrouter side by side with llm (PyPI) and a bare Python, in one run.

    python benchmarks/startup_bench.py [--repeat 15] [--llm PATH]

Bounds (issue 6): `lowrouter --help` ≤ 0.2 × `llm --help`; `lowrouter --version` ≤ 4 ×
`python -c pass`; a `lowrouter chat` round trip against the emulator ≤ 0.3 × llm's non-streaming
call against the same emulator. Also shown: completing model ids from the cache (target < 100 ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream_bench import BIN, KEY, EmulatorProcess, llm_setup  # noqa: E402


def wall(cmd, env, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--llm", default=shutil.which("llm"))
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    rows, checks = [], []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY,
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        python = wall([sys.executable, "-c", "pass"], env, args.repeat)
        version = wall([lowrouter, "--version"], env, args.repeat)
        help_ = wall([lowrouter, "--help"], env, args.repeat)
        chat = wall([lowrouter, "chat", "hi"], env, args.repeat)
        subprocess.run([lowrouter, "models"], env=env, stdout=subprocess.DEVNULL, check=True)
        complete = wall([lowrouter, "__complete-models"], env, args.repeat)
        rows += [("python -c pass", python), ("lowrouter --version", version), ("lowrouter --help", help_),
                 ("lowrouter chat hi (round trip)", chat), ("lowrouter __complete-models (TAB on -m)", complete)]
        checks += [("lowrouter --version / python -c pass", version / python, 4.0)]
        if args.llm:
            llm_env = llm_setup(emulator, Path(tmp))
            llm_help = wall([args.llm, "--help"], llm_env, args.repeat)
            llm_chat = wall([args.llm, "--no-stream", "-m", "lowrouter-emulator", "hi"], llm_env, args.repeat)
            rows += [("llm --help", llm_help), ("llm --no-stream hi (round trip)", llm_chat)]
            checks.insert(0, ("lowrouter --help / llm --help", help_ / llm_help, 0.2))
            checks.append(("lowrouter chat / llm --no-stream", chat / llm_chat, 0.3))
    print(f"medians of {args.repeat} runs\n")
    for name, seconds in rows:
        print(f"{name:44} {seconds * 1000:8.0f} ms")
    print()
    failed = False
    for name, ratio, bound in checks:
        failed |= ratio > bound
        print(f"{name:44} {ratio:8.3f}  (bound {bound}) {'ok' if ratio <= bound else 'OVER'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
