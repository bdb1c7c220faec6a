import json
from decimal import Decimal

import pytest

from lowrouter_cli import catalog, generations, store
from lowrouter_cli.emulator.scenarios import MODELS
from lowrouter_cli.client import Client
from lowrouter_cli.errors import NetworkError, RequestRejected
from lowrouter_cli.records import parse_generation

from conftest import TEST_KEY


def test_format_price_per_million():
    from lowrouter_cli.render.numbers import format_price

    assert format_price(Decimal("0.00000015")) == "$0.15"
    assert format_price(Decimal("0.000004")) == "$4.00"
    assert format_price(Decimal("0.0000000125")) == "$0.0125"
    assert format_price(Decimal("0")) == "free"
    assert format_price(Decimal("-1")) == "dynamic"
    assert format_price(None) == "?"


def test_parse_and_select():
    models = catalog.parse_models({"data": MODELS + [{"id": 5}, "junk", {"id": "x/y", "pricing": "bad"}]})
    assert [m.id for m in models][-1] == "x/y"
    free = catalog.select(models, free=True)
    assert [m.id for m in free] == ["meta/llama-3.1-8b-instruct:free"]
    cheap = catalog.select(models, max_price=0.5, sort="price")
    assert [m.id for m in cheap] == ["meta/llama-3.1-8b-instruct:free", "mistral/mistral-small"]
    assert [m.id for m in catalog.select(models, region="eu-central")] == ["anthropic/claude-3.5-haiku"]
    assert [m.id for m in catalog.select(models, provider="AZURE")] == ["openai/gpt-4o-mini"]
    assert catalog.select(models, sort="context")[0].id == "anthropic/claude-3.5-haiku"
    assert [m.id for m in catalog.select(models, query="haiku")] == ["anthropic/claude-3.5-haiku"]


def test_dynamic_price_never_summed():
    auto = catalog.parse_models({"data": MODELS})[-1]
    assert catalog.estimate_cost(auto, 10, 10) is None
    mini = catalog.parse_models({"data": MODELS})[0]
    assert catalog.estimate_cost(mini, 1_000_000, 0) == pytest.approx(0.15)


class Fetcher:
    def __init__(self, body=None, status=200, error=None):
        self.calls, self.body, self.status, self.error = [], body or {"data": MODELS}, status, error

    def __call__(self, etag):
        self.calls.append(etag)
        if self.error:
            raise self.error
        return self.status, (None if self.status == 304 else self.body), '"v1"'


def test_cache_fresh_then_stale_revalidated_with_304(fake_env):
    now = [1000.0]
    env = fake_env(wall_clock=lambda: now[0])
    warnings = []
    fetch = Fetcher()
    assert catalog.load_catalog(env, "https://g/api/v1", 3600, fetch, warnings.append)["data"]
    assert catalog.load_catalog(env, "https://g/api/v1", 3600, fetch, warnings.append)
    assert fetch.calls == [None]  # fresh: no network
    now[0] += 4000
    not_modified = Fetcher(status=304)
    body = catalog.load_catalog(env, "https://g/api/v1", 3600, not_modified, warnings.append)
    assert not_modified.calls == ['"v1"'] and body["data"][0]["id"] == MODELS[0]["id"]
    assert store.read_models_cache(env, "https://g/api/v1")["fetched_at"] == now[0]
    refreshed = Fetcher()
    catalog.load_catalog(env, "https://g/api/v1", 3600, refreshed, warnings.append, refresh=True)
    assert len(refreshed.calls) == 1 and warnings == []
    assert catalog.cached_model_ids(env, "https://g/api/v1")[0] == "openai/gpt-4o-mini"
    assert catalog.cached_model_ids(env, "https://other/api/v1") == []


def test_stale_cache_used_when_the_network_fails(fake_env):
    now = [0.0]
    env = fake_env(wall_clock=lambda: now[0])
    catalog.load_catalog(env, "u", 10, Fetcher(), print)
    now[0] = 100
    warnings = []
    body = catalog.load_catalog(env, "u", 10, Fetcher(error=NetworkError("cannot connect")), warnings.append)
    assert body["data"] and "cannot connect" in warnings[0] and "cached 100 s ago" in warnings[0]
    with pytest.raises(NetworkError):
        catalog.load_catalog(fake_env(), "never-cached", 10, Fetcher(error=NetworkError("down")), print)


def test_corrupt_cache_is_ignored_and_refetched(fake_env):
    env = fake_env(wall_clock=lambda: 0.0)
    path = store.models_cache_path(env, "u")
    path.parent.mkdir(parents=True)
    path.write_text('{"fetched_at": 0, "body": {"da')
    fetch = Fetcher()
    assert catalog.load_catalog(env, "u", 3600, fetch, print)["data"] and fetch.calls == [None]
    assert json.loads(path.read_text())["body"]["data"]


def test_unwritable_cache_only_warns(fake_env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = fake_env(cache_dir=blocker / "cache")
    warnings = []
    assert catalog.load_catalog(env, "u", 3600, Fetcher(), warnings.append)["data"]
    assert warnings and "cannot write the model cache" in warnings[0]


def test_eco_invariants_flag_only_beyond_one_percent():
    good = {"lowrouter": {"eco": {"energy_wh": 0.048, "it_energy_wh": 0.04, "pue": 1.2, "co2e_g": 0.002688,
                                  "grid_carbon_intensity_g_per_kwh": 56}}}
    assert generations.eco_problems(parse_generation(good)) == []
    rounded = json.loads(json.dumps(good))
    rounded["lowrouter"]["eco"]["co2e_g"] = 0.00269  # within 1%
    assert generations.eco_problems(parse_generation(rounded)) == []
    bad = json.loads(json.dumps(good))
    bad["lowrouter"]["eco"]["energy_wh"] = 0.06
    assert len(generations.eco_problems(parse_generation(bad))) == 2
    assert generations.eco_problems(parse_generation({"lowrouter": "junk"})) == []


def test_wait_polls_with_backoff_until_the_record_appears(fake_env):
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    env = fake_env(monotonic=lambda: now[0], sleep=sleep)

    class Late:
        def require_key(self):
            pass

        def get_json(self, path):
            if now[0] < 1.5:
                raise RequestRejected("not found", status=404)
            return type("R", (), {"body": {"data": {"id": "gen-1"}}})()

    assert generations.fetch(env, Client(Late()), "gen-1", 5, lambda m: None).id == "gen-1"
    assert sleeps == [0.25, 0.5, 1.0]
    now[0] = 0.0
    with pytest.raises(RequestRejected, match="waited 1 s"):
        generations.fetch(env, Client(Late()), "gen-1", 1, lambda m: None)
    with pytest.raises(RequestRejected):
        generations.fetch(env, Client(Late()), "gen-1", None, lambda m: None)


# -- end to end -----------------------------------------------------------------------------------


def test_models_pipe_json_and_filters(run_cli):
    piped = run_cli("models")
    assert piped.returncode == 0
    lines = piped.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "name", "context", "prompt_usd_per_1m", "completion_usd_per_1m",
                                    "providers", "regions"]
    assert "openai/gpt-4o-mini\tOpenAI: GPT-4o-mini\t128000\t0.15\t0.6\tazure,openai\teu-west,us-east" in lines
    assert "\x1b" not in piped.stdout
    data = json.loads(run_cli("models", "--json", "--free").stdout)
    assert [m["id"] for m in data] == ["meta/llama-3.1-8b-instruct:free"]
    assert run_cli("models", "--sort", "bogus").returncode == 2


def test_models_are_cached_per_base_url(run_cli, emulator, user_dirs):
    run_cli("models")
    run_cli("models")
    gets = [r for r in emulator.state.requests if r["path"] == "/models"]
    assert len(gets) == 1
    run_cli("models", "--refresh")
    gets = [r for r in emulator.state.requests if r["path"] == "/models"]
    assert len(gets) == 2 and gets[1]["headers"].get("If-None-Match")
    cache_files = list((user_dirs / ".cache" / "lowrouter").glob("models-*.json"))
    assert len(cache_files) == 1 and TEST_KEY not in cache_files[0].read_text()


def test_eight_concurrent_refreshes_leave_a_valid_cache(run_concurrently, emulator, user_dirs):
    results = run_concurrently([("models", "--refresh")] * 8)
    assert [r.returncode for r in results] == [0] * 8 and all(r.stderr == "" for r in results)
    assert len([r for r in emulator.state.requests if r["path"] == "/models"]) == 8
    [cache] = (user_dirs / ".cache" / "lowrouter").glob("models-*.json")
    assert json.loads(cache.read_text())["body"]["data"]
    assert not list(cache.parent.glob(".*.tmp"))


def _ledger_rows(user_dirs):
    import sqlite3

    path = user_dirs / ".local/share/lowrouter/ledger.db"
    if not path.exists():
        return []
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute("SELECT * FROM exchanges ORDER BY id")]


def test_chat_is_recorded_and_generation_last_shows_it(run_cli, user_dirs):
    assert run_cli("chat", "secret prompt text").returncode == 0
    [entry] = _ledger_rows(user_dirs)
    assert entry["generation_id"].startswith("gen-") and entry["outcome"] == "ok"
    assert TEST_KEY not in (user_dirs / ".local/share/lowrouter/ledger.db").read_bytes().decode("latin-1")
    shown = run_cli("generation", "last", "--wait", "5")
    assert shown.returncode == 0, shown.stderr
    assert f"id: {entry['generation_id']}" in shown.stdout
    assert "eco.co2e:" in shown.stdout and "selected" in shown.stdout
    record = json.loads(run_cli("generation", entry["generation_id"], "--json").stdout)
    assert record["lowrouter"]["eco"]["grid_zone"] == "FR"
    listed = run_cli("generation", "--list")
    assert listed.stdout.splitlines()[1].split("\t")[1] == entry["generation_id"]


def test_no_log_options_and_variables(run_cli, user_dirs):
    run_cli("chat", "--no-history", "hi")
    run_cli("chat", "--no-log", "hi")
    run_cli("stream", "hi", env={"LOWROUTER_NO_HISTORY": "1"})
    run_cli("stream", "hi", env={"LOWROUTER_NO_LOG": "1"})
    assert _ledger_rows(user_dirs) == []


def test_unknown_generation_exits_4_and_wait_sees_a_late_record(run_cli):
    assert run_cli("generation", "gen-unknown").returncode == 4
    assert run_cli("generation", "last").returncode == 2


def test_wait_polls_until_a_late_record_appears(emulator, run_cli):
    emulator.state.record_delay = 3600.0  # not readable until this test says so
    assert run_cli("chat", "hi").returncode == 0
    [generation_id] = list(emulator.state.records)
    assert run_cli("generation", "last").returncode == 4
    sleeps = []

    def sleep(seconds):  # the record turns readable during the third wait
        sleeps.append(seconds)
        if len(sleeps) == 3:
            emulator.state.records[generation_id] = (0.0, emulator.state.records[generation_id][1])

    shown = run_cli("generation", "last", "--wait", "10", "-v", sleep=sleep)
    assert shown.returncode == 0, shown.stderr
    assert f"id: {generation_id}" in shown.stdout.splitlines()
    assert sleeps == [0.25, 0.5, 1.0]
    polls = [r for r in emulator.state.requests if r["path"].startswith("/generation")]
    assert len(polls) == 1 + 4  # the first try without --wait, then three 404s and the record
    assert shown.stderr.count("not readable yet, checking again") == 3


def test_wait_gives_up_at_its_deadline(emulator, run_cli):
    emulator.state.record_delay = 3600.0
    assert run_cli("chat", "hi").returncode == 0
    sleeps = []

    def monotonic():  # a clock on which each poll of the record takes 0.1 s and sleeps take their time
        polls = [r for r in emulator.state.requests if r["path"].startswith("/generation")]
        return sum(sleeps) + 0.1 * len(polls)

    result = run_cli("generation", "last", "--wait", "3", sleep=sleeps.append, monotonic=monotonic)
    assert result.returncode == 4 and "(waited 3 s)" in result.stderr
    # the last pause ends at the deadline: the 4th poll is at 0.25 + 0.5 + 1.0 + 4 × 0.1 = 2.15 s
    assert sleeps == [0.25, 0.5, 1.0, pytest.approx(0.85)]
    assert len([r for r in emulator.state.requests if r["path"].startswith("/generation")]) == 5


def test_failures_are_recorded_too(run_cli, user_dirs):
    assert run_cli("stream", "hi", "--region", "eu-west", "--provider", "bedrock").returncode == 6
    assert run_cli("stream", "[[fault:drop]] hi").returncode == 8
    rows = _ledger_rows(user_dirs)
    assert [(r["outcome"], r["exit_code"]) for r in rows] == [("route_unavailable", 6), ("truncated", 8)]
    assert all(r["generation_id"].startswith("gen-") for r in rows)
