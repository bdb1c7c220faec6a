"""Soak: the installed CLI under load and faults against the emulator (in its own process).
Bounded in count and time; everything stays on 127.0.0.1. Prints figures; exits 1 on a miss.

    python benchmarks/soak.py [--words 1000000] [--concurrent 50] [--faults 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import measure  # noqa: E402
from stream_bench import BIN, KEY, EmulatorProcess  # noqa: E402


def measured(cmd, env):
    run = measure(cmd, env)
    return run.wall, run.cpu, run.peak_mib, run.output_bytes


# (command, fault, expected exit code)
FAULTS = [
    ("chat", "ok", 0), ("stream", "ok", 0), ("chat", "429 retry_after=0", 5), ("stream", "502 retry_after=0", 7),
    ("chat", "503 retryable=false", 6), ("stream", "midstream_error", 7), ("stream", "drop", 8),
    ("stream", "no_finish", 8), ("chat", "error_in_200", 7), ("chat", "html retry_after=0", 7),
    ("stream", "crlf", 0), ("stream", "onebyte", 0), ("stream", "split_utf8", 0), ("stream", "cr", 0),
    ("chat", "402", 4), ("stream", "midstream_error code=429", 5),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--faults", type=int, default=200)
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    misses = []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY,
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)

        short = measured([lowrouter, "stream", "[[answer:long words=2000]]"], env)
        huge = measured([lowrouter, "stream", f"[[answer:long words={args.words}]]"], env)
        ratio = huge[2] / short[2]
        print(f"piped answer of {args.words:,} words: {huge[0]:.1f} s wall, {huge[1]:.1f} s CPU, "
              f"{huge[3] / 1e6:.1f} MB out, peak {huge[2]:.1f} MiB vs {short[2]:.1f} MiB for 2,000 words "
              f"(ratio {ratio:.3f})")
        if ratio > 1.3:
            misses.append("memory grew with the answer")

        started = time.perf_counter()
        processes = [subprocess.Popen([lowrouter, "chat", f"question {i}"], env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for i in range(args.concurrent)]
        codes = [p.wait(300) for p in processes]
        ok = codes.count(0)
        print(f"{args.concurrent} concurrent chats: {ok} succeeded in {time.perf_counter() - started:.1f} s")
        if ok != args.concurrent:
            misses.append("concurrent chats failed")

        rng = random.Random(7)
        times, wrong = [], 0
        for _ in range(args.faults):
            command, fault, expected = rng.choice(FAULTS)
            started = time.perf_counter()
            done = subprocess.run([lowrouter, command, f"[[answer:unicode]] [[fault:{fault}]]"], env=env,
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            times.append(time.perf_counter() - started)
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            if done.returncode != expected or (expected and not lines[-1].startswith("lowrouter: error:")) \
                    or b"Traceback" in done.stderr:
                wrong += 1
                print(f"  miss: {command} [{fault}] exited {done.returncode}, expected {expected}")
        print(f"{args.faults} runs under random faults: {args.faults - wrong} with the expected exit code and "
              f"one error line; median {statistics.median(times) * 1000:.0f} ms, slowest {max(times):.2f} s")
        if wrong:
            misses.append("fault runs misbehaved")
    if misses:
        print("MISSED:", "; ".join(misses))
        sys.exit(1)


if __name__ == "__main__":
    main()
