"""Ledger benchmark: what recording costs a chat, how fast `logs -q` searches 100,000 exchanges, and
that start-up never pays for the ledger. Figures side by side with their baselines, in one run.

    python benchmarks/ledger_bench.py [--repeat 21] [--rows 100000]

Bounds (issue 15): logging adds at most 10 ms to a `chat` round trip; `logs -q` over 100,000
exchanges answers in under 200 ms; --help, --version and TAB completion cost the same with a
100,000-exchange ledger as with none.
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
from stream_bench import BIN, KEY, EmulatorProcess  # noqa: E402

WORDS = ("vector index database embedding postgres hnsw graph query latency region provider carbon energy "
         "token price model router stream answer prompt cache budget socket terminal markdown table grid "
         "zone watt joule buffer header response request retry gateway python rust sqlite search").split()


def interleaved(runs, repeat):
    """Medians of several (command, environment) runs taken in turn, so that load on the machine
    falls on all of them alike."""
    times = [[] for _ in runs]
    for _ in range(repeat):
        for i, (cmd, env) in enumerate(runs):
            started = time.perf_counter()
            subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            times[i].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def fill(data_dir: Path, rows: int) -> None:
    """`rows` exchanges in 10-exchange conversations over the last 100 days, written the way the
    CLI writes them (through the ledger, FTS index included), in one transaction."""
    from lowrouter_cli import ledger
    from lowrouter_cli.context import Environment

    randomly = random.Random(15)
    env = Environment(data_dir=data_dir)
    now = time.time()
    with ledger.open_ledger(env) as opened:
        with opened.write():
            values = []
            for n in range(rows):
                prompt = " ".join(randomly.choices(WORDS, k=12))
                answer = " ".join(randomly.choices(WORDS, k=60))
                row = ledger.Exchange(conversation_id=f"c{n // 10:09d}", prompt=prompt, answer=answer,
                                      time=ledger.utc_time(now - (rows - n) * 86.4), model="openai/gpt-4o-mini",
                                      requested_model="lowrouter/auto", prompt_tokens=20, completion_tokens=80,
                                      cost_usd="0.0000510", generation_id=f"gen-{n:024d}")
                values.append([getattr(row, name) for name in ledger.COLUMNS])
            opened.connection.executemany(
                f"INSERT INTO exchanges ({', '.join(ledger.COLUMNS)}) VALUES ({', '.join('?' * len(ledger.COLUMNS))})",
                values)
        opened.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as after any run: the big write is in the file


def in_process_search(data_dir: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of find(-q, 20 newest) with the FTS5 index and with the LIKE fallback."""
    from lowrouter_cli import ledger
    from lowrouter_cli.context import Environment
    from lowrouter_cli.ledger_search import Filter, find

    figures = []
    for fts in (True, False):
        times = []
        for i in range(repeat):
            started = time.perf_counter()
            with ledger.open_ledger(Environment(data_dir=data_dir), create=False) as opened:
                opened.has_fts = fts
                find(opened, Filter(query=f"{WORDS[i % len(WORDS)]} sqlite", limit=20))
            times.append(time.perf_counter() - started)
        figures.append(statistics.median(times))
    return figures[0], figures[1]


def record_cost(data_dir: Path, repeat: int) -> float:
    """Median seconds of ledger.record (open, check the schema, insert, close) into a full ledger."""
    from lowrouter_cli import ledger
    from lowrouter_cli.context import Environment

    env = Environment(data_dir=data_dir)
    times = []
    for n in range(repeat):
        row = ledger.Exchange(conversation_id="bench", prompt="hi " * 20, answer="hello " * 100)
        started = time.perf_counter()
        ledger.record(env, row, print)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    checks = []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as empty, \
            tempfile.TemporaryDirectory() as full:
        def env_for(home):
            environ = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY,
                           XDG_DATA_HOME=home, XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home)
            environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules load from .pyc, not compiled
            return environ

        for command in (["chat", "--no-log", "hi"], ["logs", "-q", "x"]):  # once, to write the .pyc files
            subprocess.run([lowrouter, *command], env=env_for(empty), stdout=subprocess.DEVNULL, check=True)

        started = time.perf_counter()
        fill(Path(full) / "lowrouter", args.rows)
        size = (Path(full) / "lowrouter" / "ledger.db").stat().st_size
        print(f"filled a ledger with {args.rows:,} exchanges ({size / 1024 / 1024:.0f} MiB) in "
              f"{time.perf_counter() - started:.1f} s")

        logged, unlogged = interleaved([([lowrouter, "chat", "hi"], env_for(full)),
                                        ([lowrouter, "chat", "--no-log", "hi"], env_for(full))], args.repeat)
        record = record_cost(Path(full) / "lowrouter", args.repeat * 5)
        print(f"\nchat round trip, {args.rows:,}-exchange ledger (medians of {args.repeat}, interleaved):")
        print(f"  recorded {logged * 1000:.0f} ms / --no-log {unlogged * 1000:.0f} ms: "
              f"+{(logged - unlogged) * 1000:.1f} ms (bound 10 ms)")
        print(f"  ledger.record alone (open, schema check, insert, close): {record * 1000:.2f} ms")
        checks.append(("logging added to a chat round trip (ms)", (logged - unlogged) * 1000, 10))

        fts, like = in_process_search(Path(full) / "lowrouter", args.repeat)
        query, path = interleaved([([lowrouter, "logs", "-q", "vector sqlite"], env_for(full)),
                                   ([lowrouter, "logs", "path"], env_for(full))], args.repeat)
        print(f"\nlogs -q over {args.rows:,} exchanges (medians of {args.repeat}):")
        print(f"  search in-process: FTS5 {fts * 1000:.1f} ms / LIKE fallback {like * 1000:.1f} ms")
        print(f"  `lowrouter logs -q 'vector sqlite'` in a pipe {query * 1000:.0f} ms / `lowrouter logs path` "
              f"{path * 1000:.0f} ms (start-up alone)")
        checks.append(("`logs -q` command over 100,000 exchanges (ms)", query * 1000, 200))

        print(f"\nstart-up with a {args.rows:,}-exchange ledger / with none (medians of {args.repeat}):")
        subprocess.run([lowrouter, "models"], env=env_for(full), stdout=subprocess.DEVNULL, check=True)
        subprocess.run([lowrouter, "models"], env=env_for(empty), stdout=subprocess.DEVNULL, check=True)
        for name, cmd in (("--version", [lowrouter, "--version"]), ("--help", [lowrouter, "--help"]),
                          ("__complete-models", [lowrouter, "__complete-models"])):
            with_ledger, without = interleaved([(cmd, env_for(full)), (cmd, env_for(empty))], args.repeat)
            print(f"  lowrouter {name}: {with_ledger * 1000:.0f} ms / {without * 1000:.0f} ms = "
                  f"{with_ledger / without:.2f}")
            checks.append((f"lowrouter {name} with / without a ledger", with_ledger / without, 1.15))

    print()
    failed = False
    for name, value, bound in checks:
        ok = value <= bound
        failed |= not ok
        print(f"{'ok ' if ok else 'OVER'} {name}: {value:.2f} (bound {bound})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
