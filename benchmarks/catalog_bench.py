"""Large catalogs: `lowrouter models` (a terminal and a pipe) and TAB completion of model ids from
a cached list of 5,000 and 20,000 models, against `llm models` as the baseline for the cached
listing. Commands alternate (A B A B …); medians and spread (min–max) of wall time.

    python benchmarks/catalog_bench.py [--repeat 7] [--llm PATH]

The cache is written straight into a temporary XDG_CACHE_HOME (fresh, so nothing is sent).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, on_terminal, print_rows  # noqa: E402

from lowrouter_cli import store  # noqa: E402
from lowrouter_cli.context import Environment  # noqa: E402
from lowrouter_cli.paths import APP_NAME  # noqa: E402

BASE_URL = "https://gateway.invalid/api/v1"
PROVIDERS = ["openai", "anthropic", "mistral", "bedrock", "azure", "vertex"]
REGIONS = ["eu-west", "eu-central", "us-east", "us-west", "ap-south"]


def catalog(count: int) -> dict:
    data = []
    for n in range(count):
        provider = PROVIDERS[n % len(PROVIDERS)]
        data.append({
            "id": f"{provider}/model-{n:05d}-{'mini' if n % 3 else 'large'}",
            "name": f"{provider.title()}: Model {n} {'Mini' if n % 3 else 'Large'}",
            "context_length": [8192, 32768, 128000, 200000][n % 4],
            "pricing": {"prompt": f"{(n % 97 + 1) / 1e7:.10f}", "completion": f"{(n % 89 + 1) / 2.5e6:.10f}",
                        "request": "0"},
            "lowrouter": {"endpoints": [
                {"provider": provider, "region": REGIONS[n % 5], "status": "up"},
                {"provider": PROVIDERS[(n + 1) % 6], "region": REGIONS[(n + 2) % 5],
                 "status": "degraded" if n % 11 == 0 else "up"},
            ]},
        })
    return {"object": "list", "data": data}


def write_cache(home: Path, count: int) -> None:
    """As `lowrouter models` writes it after a fetch: the cache and the ready list of ids beside it."""
    env = Environment(cache_dir=home / "cache" / APP_NAME, wall_clock=time.time)
    store.write_models_cache(env, BASE_URL, catalog(count), None, print)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--llm", default=shutil.which("llm"))
    args = parser.parse_args()
    lowrouter = [sys.executable, "-m", "lowrouter_cli"]
    rows = []
    for count in (5000, 20000):
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            write_cache(home, count)
            env = dict(os.environ, LOWROUTER_BASE_URL=BASE_URL, XDG_CACHE_HOME=str(home / "cache"),
                       XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"), COLUMNS="100")
            env.pop("LOWROUTER_API_KEY", None)
            commands = {
                f"models on a terminal, {count:,} models": (lowrouter + ["models"], on_terminal),
                f"models | pipe, {count:,} models": (lowrouter + ["models"], None),
                f"TAB completion of -m, {count:,} models": (lowrouter + ["__complete-models"], None),
            }
            rows += alternate(commands, env, args.repeat)
    if args.llm:
        rows += alternate({"llm models (baseline, its own list)": ([args.llm, "models"], None)}, dict(os.environ),
                          args.repeat)
    print_rows(rows)


if __name__ == "__main__":
    main()
