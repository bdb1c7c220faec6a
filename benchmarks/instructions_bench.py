"""The live view's extra work counted in instructions, which this machine's noise does not move.

    python benchmarks/instructions_bench.py [--case paragraph] [--rate 100] [--kb 50]

The adversarial set's CPU times (adversarial_bench.py) swing by as much as the figure on a shared
2-core machine: one round's extra for the paced paragraph went from −407 to 280 ms within a run.
Here the same runs are counted by valgrind's cachegrind (user-space instructions executed,
`--cache-sim=no`; about 50 times slower, so the pace is kept): lowrouter streaming the case into a
pipe and on a 100×40 pseudo-terminal, and rich rendering the same text once, cold
(`python -m rich.markdown FILE` minus `python -c pass`, on the same terminal). The extra
(terminal − pipe) over rich's cold render is the adversarial bound's ratio in instructions.

What instructions leave out: system calls' kernel time (a frame's write to the terminal, the poll
before each read) and what a cold cache costs. A paced frame runs after a sleep, when the
process's code and data have left the caches, so an instruction there costs several times what it
costs in rich's one tight render: the CPU-time ratio is that much higher than this one. Needs
valgrind (`apt install valgrind`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial_bench import CASES, DELAYS  # noqa: E402
from harness import measure, on_terminal  # noqa: E402
from stream_bench import BIN, KEY, EmulatorProcess  # noqa: E402


def instructions(cmd: list[str], env: dict, mode: str | None) -> int:
    """User-space instructions `cmd` executed (valgrind's cachegrind, no cache simulation)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cachegrind.out"
        measure(["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out}",
                 "--log-file=/dev/null", *cmd], env, mode)
        for line in out.read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise SystemExit("cachegrind wrote no summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", default="paragraph", choices=sorted(CASES))
    parser.add_argument("--rate", default="100", choices=sorted(DELAYS))
    parser.add_argument("--kb", type=int, default=0, help="only the first KB kB of the case (0: all of it)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions_bench.py needs valgrind (apt install valgrind)")
    text = CASES[args.case][:args.kb * 1000] if args.kb else CASES[args.case]
    prompt = f"{text}\n[[answer:echo bare=1]] [[fault:ok chunk_delay={DELAYS[args.rate]}]]"
    lowrouter = [sys.executable, str(BIN / "lowrouter"), "stream", prompt]
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, LOWROUTER_NO_LOG="1",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        env.pop("NO_COLOR", None)
        env.pop("COLUMNS", None)
        source = Path(tmp) / "answer.md"
        source.write_text(text)
        pipe = instructions(lowrouter, env, None)
        terminal = instructions(lowrouter, env, on_terminal)
        rich = instructions([sys.executable, "-m", "rich.markdown", str(source)], env, on_terminal)
        python = instructions([sys.executable, "-c", "pass"], env, on_terminal)
    extra, cold = terminal - pipe, rich - python
    print(f"{args.case}, {len(text) // 1000} kB, {args.rate} tokens/s (instructions, millions)")
    print(f"  piped {pipe / 1e6:9.1f}   terminal {terminal / 1e6:9.1f}   extra {extra / 1e6:7.1f}")
    print(f"  rich once, cold {cold / 1e6:7.1f}   extra / cold {extra / cold:.2f}")


if __name__ == "__main__":
    main()
