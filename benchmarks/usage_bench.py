"""`lowrouter usage` benchmark: a report over 100,000 stored exchanges, beside `logs path` (start-up
and opening the ledger, no report) as the baseline; and 1,000 missing generation records fetched
from a loopback server that answers each in 20 ms and counts how many requests it holds at once.

    python benchmarks/usage_bench.py [--repeat 7] [--rows 100000] [--records 1000]

Bounds (issue 16): `usage` over 100,000 exchanges with everything stored answers in under 1 s;
the 1,000 missing records are fetched with 8 in flight (so in about 1/8 of the serial time).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_bench import interleaved  # noqa: E402
from stream_bench import BIN, KEY  # noqa: E402

RECORD_DELAY = 0.02  # seconds the fake gateway takes to answer one GET /generation


def fill(data_dir: Path, rows: int, *, with_records: bool) -> None:
    """`rows` exchanges over the last 6 days across 4 models and 3 regions, in one transaction;
    with their eco numbers and record stored, or with none (for `usage` to fetch)."""
    from lowrouter_cli import ledger
    from lowrouter_cli.context import Environment

    randomly = random.Random(16)
    models = ("openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "mistral/mistral-small", "meta/llama-3.1-8b")
    regions = ("eu-west", "us-east", "eu-central")
    now = time.time()
    with ledger.open_ledger(Environment(data_dir=data_dir)) as opened:
        values = []
        for n in range(rows):
            energy = randomly.uniform(0.05, 2.0)
            row = ledger.Exchange(
                conversation_id=f"c{n // 5:09d}", prompt="p", answer="a", time=ledger.utc_time(now - n * 5 * 86400 / rows),
                model=randomly.choice(models), provider="openai", region=randomly.choice(regions),
                prompt_tokens=randomly.randint(10, 2000), completion_tokens=randomly.randint(10, 800),
                cost_usd=f"{randomly.uniform(0, 0.01):.8f}", latency_ms=randomly.randint(100, 9000),
                generation_id=f"gen-{n:024d}", outcome="ok")
            if with_records:
                row.energy_wh, row.co2e_g, row.record = energy, energy * 0.3, "{}"
            values.append([getattr(row, name) for name in ledger.COLUMNS])
        with opened.write():
            opened.connection.executemany(
                f"INSERT INTO exchanges ({', '.join(ledger.COLUMNS)}) VALUES ({', '.join('?' * len(ledger.COLUMNS))})",
                values)
        opened.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class RecordServer(ThreadingHTTPServer):
    """GET /generation/ID answers a small record after RECORD_DELAY; counts requests in flight."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordHandler)
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = self.served = 0


class RecordHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        time.sleep(RECORD_DELAY)
        generation_id = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"data": {"id": generation_id, "lowrouter": {"eco": {
            "energy_wh": 0.048, "it_energy_wh": 0.04, "pue": 1.2, "co2e_g": 0.002688, "grid_zone": "FR",
            "grid_carbon_intensity_g_per_kwh": 56}}}}).encode()
        with server.lock:
            server.in_flight -= 1
            server.served += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    lowrouter = str(BIN / "lowrouter")
    with tempfile.TemporaryDirectory() as full, tempfile.TemporaryDirectory() as missing:
        def env_for(home: str, base_url: str = "http://127.0.0.1:9/api/v1") -> dict:
            environ = dict(os.environ, LOWROUTER_BASE_URL=base_url, LOWROUTER_API_KEY=KEY, XDG_DATA_HOME=home,
                           XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home)
            environ.pop("PYTHONDONTWRITEBYTECODE", None)
            return environ

        fill(Path(full) / "lowrouter", args.rows, with_records=True)
        report, by_model, baseline = interleaved([
            ([lowrouter, "usage", "--since", "30d", "--json"], env_for(full)),
            ([lowrouter, "usage", "--since", "30d", "--by", "model"], env_for(full)),
            ([lowrouter, "logs", "path"], env_for(full))], args.repeat)
        print(f"usage over {args.rows:,} stored exchanges (medians of {args.repeat}, interleaved):")
        print(f"  usage --json (by day) {report * 1000:.0f} ms, usage --by model (TSV) {by_model * 1000:.0f} ms; "
              f"logs path (start-up, no report) {baseline * 1000:.0f} ms")
        print(f"  report cost over start-up: {(report - baseline) * 1000:.0f} ms; "
              f"{'within' if max(report, by_model) < 1 else 'OVER'} the 1 s bound")

        fill(Path(missing) / "lowrouter", args.records, with_records=False)
        server = RecordServer()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
        started = time.perf_counter()
        subprocess.run([lowrouter, "usage", "--since", "30d", "--json"], env=env_for(missing, base_url),
                       stdout=subprocess.DEVNULL, check=True)
        took = time.perf_counter() - started
        server.shutdown()
        serial = args.records * RECORD_DELAY
        print(f"\n{args.records:,} missing generation records, {RECORD_DELAY * 1000:.0f} ms each at the server:")
        print(f"  fetched {server.served:,} in {took:.2f} s, at most {server.most_in_flight} in flight "
              f"(bound 8); one at a time would take {serial:.0f} s: {serial / took:.1f}x faster")


if __name__ == "__main__":
    main()
