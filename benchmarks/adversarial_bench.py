"""The adversarial set for live Markdown: a 1,000-line code block, a 1,000-row table and a 50 kB
paragraph, each streamed in a burst and paced at about 1,000 and 100 tokens a second, on a real
pseudo-terminal (100×40) and into a pipe, alternated (benchmarks/harness.py).

    python benchmarks/adversarial_bench.py [--repeat 1] [--rates burst,1000,100] [--cases code,table,paragraph]

For each: the extra CPU of the live view (terminal CPU − piped CPU, the median of the differences
within each round: the two runs of a round are back to back, so the machine's drift between rounds,
which on these machines moves a paced run's CPU by half, is not counted) against rich rendering the
same text once (bound 1.5×), and how far the display ended behind the stream (terminal wall −
piped wall; bound 150 ms). "Rich once" is measured two ways, both printed: warm (one more render in
this process, rich already imported and its first render done: the render alone) and cold
(`python -m rich.markdown FILE` on the same terminal, minus `python -c pass`: what rendering it once
costs a process that starts without rich, as the live view's extra does: the piped run never
imports rich, so the extra carries rich's imports). The emulator echoes the text as the answer ([[answer:echo bare=1]]: the text alone), one word
per event; pacing is its chunk_delay (so "1,000 tokens/s" is a little under, sleeps overshoot).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, on_terminal, print_rows  # noqa: E402
from stream_bench import BIN, KEY, EmulatorProcess, rich_render_once  # noqa: E402

from lowrouter_cli.emulator.scenarios import tokenize  # noqa: E402

CASES = {
    "code": "Here is the module:\n\n```python\n"
            + "\n".join(f"    total_{i} = compute(value_{i}, {i % 7})" for i in range(1000)) + "\n```\n",
    "table": "| id | model | price |\n|---|---|---|\n"
             + "\n".join(f"| {i} | model-{i} | {i % 97}.5 |" for i in range(1000)) + "\n",
    "paragraph": " ".join(f"word{i % 50} and{i % 7}" for i in range(50_000 // 14)) + "\n",
}
DELAYS = {"burst": 0.0, "1000": 0.001, "100": 0.01}


def rich_once_cold(text: str, env: dict, repeat: int) -> float:
    """CPU of `python -m rich.markdown` rendering `text` on a 100×40 pty, over `python -c pass`."""
    with tempfile.NamedTemporaryFile("w", suffix=".md") as source:
        source.write(text)
        source.flush()
        rows = alternate({"rich": ([sys.executable, "-m", "rich.markdown", source.name], on_terminal),
                          "python": ([sys.executable, "-c", "pass"], on_terminal)}, env, repeat)
    rich, python = rows
    return rich.median("cpu") - python.median("cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--rates", default="burst,1000,100")
    parser.add_argument("--cases", default="code,table,paragraph")
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    results = []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, LOWROUTER_NO_LOG="1",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        env.pop("NO_COLOR", None)
        env.pop("COLUMNS", None)
        for case in args.cases.split(","):
            text = CASES[case]
            once = rich_render_once(text, 3)
            cold = rich_once_cold(text, env, max(3, args.repeat))
            for rate in args.rates.split(","):
                prompt = f"{text}\n[[answer:echo bare=1]] [[fault:ok chunk_delay={DELAYS[rate]}]]"
                label = f"{case} ({len(text) // 1000} kB, {len(tokenize(prompt))} tokens), {rate}"
                rows = alternate({f"{label}, pipe": ([lowrouter, "stream", prompt], None),
                                  f"{label}, terminal": ([lowrouter, "stream", prompt], on_terminal)},
                                 env, args.repeat)
                print_rows(rows)
                pipe, tty = rows
                extras = [t.cpu - p.cpu for t, p in zip(tty.runs, pipe.runs)]
                extra = statistics.median(extras)
                print(f"{'':52} extra CPU by round: {', '.join(f'{e * 1000:.0f}' for e in extras)} ms; "
                      f"difference of the medians {(tty.median('cpu') - pipe.median('cpu')) * 1000:.0f} ms")
                results.append((label, extra, once, cold, tty.median("wall") - pipe.median("wall")))
    print()
    print(f"{'case, tokens/s':52} {'extra ms':>8} {'rich once: warm':>15} {'cold ms':>8} "
          f"{'extra/warm':>10} {'extra/cold':>10} {'behind ms':>9}")
    failed = False
    for label, extra, once, cold, behind in results:
        ok = extra / cold <= 1.5 and behind <= 0.150
        failed |= not ok
        print(f"{label:52} {extra * 1000:8.0f} {once * 1000:15.0f} {cold * 1000:8.0f} {extra / once:10.2f} "
              f"{extra / cold:10.2f} {behind * 1000:9.0f}  {'ok' if ok else 'OVER'} (cold)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
