"""`lowrouter usage`: totals over the ledger, missing generation records fetched (8 at a time) and
kept, pending records counted, and the four outputs (table with bars, TSV, JSON, CodeCarbon CSV)."""

from __future__ import annotations

import csv
import io
import json
import threading
from decimal import Decimal

import pytest

from ledger_run import Runner
from lowrouter_cli import ledger, usage_job
from lowrouter_cli.ledger import Exchange
from lowrouter_cli.usage import FIELDS


@pytest.fixture
def runner(emulator):
    return Runner(emulator.base_url)


def chats(runner, *models):
    for number, model in enumerate(models):
        result = runner("chat", "-m", model, f"question {number}")
        assert result.returncode == 0, result.stderr


def records_of(emulator, rows):
    """The records the emulator holds for the ledger's generation ids."""
    return [emulator.state.records[row["generation_id"]][1] for row in rows]


def test_usage_fetches_the_missing_records_keeps_them_and_totals_exactly(runner, emulator):
    chats(runner, "openai/gpt-4o-mini", "openai/gpt-4o-mini", "anthropic/claude-3.5-haiku")
    assert all(row["record"] is None for row in runner.rows())

    result = runner("usage", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = runner.rows()
    assert all(row["record"] is not None for row in rows)  # kept: the next report needs no network
    totals = report["totals"]
    assert totals["requests"] == 3 and totals["pending"] == 0
    assert Decimal(totals["cost_usd"]) == sum(Decimal(row["cost_usd"]) for row in rows)
    eco = [record["lowrouter"]["eco"] for record in records_of(emulator, rows)]
    assert totals["energy_wh"] == pytest.approx(sum(e["energy_wh"] for e in eco))
    assert totals["co2e_g"] == pytest.approx(sum(e["co2e_g"] for e in eco))
    expected_intensity = sum(e["co2e_g"] for e in eco) / sum(e["energy_wh"] for e in eco) * 1000
    assert totals["grid_intensity_g_per_kwh"] == pytest.approx(expected_intensity, abs=0.05)
    assert totals["prompt_tokens"] == sum(row["prompt_tokens"] for row in rows)
    assert totals["completion_tokens"] == sum(row["completion_tokens"] for row in rows)
    assert [group["key"] for group in report["groups"]] == [rows[0]["time"][:10]]
    assert set(report["groups"][0]) == {"key", *FIELDS}


def test_offline_uses_only_the_ledger_and_counts_pending(runner, emulator):
    chats(runner, "openai/gpt-4o-mini", "openai/gpt-4o-mini")

    result = runner("usage", "--offline", "--json")

    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert report["totals"]["pending"] == 2
    assert report["totals"]["energy_wh"] is None and report["totals"]["co2e_g"] is None
    assert all(row["record"] is None for row in runner.rows())


def test_records_not_readable_yet_are_pending_not_failures(runner):
    env = runner.env()
    for number in range(3):
        ledger.record(env, Exchange(conversation_id="c1", prompt="p", generation_id=f"gen-missing{number}",
                                    cost_usd="0.001", time=f"2026-11-2{number}T10:00:00.000000Z"), print)

    result = runner("usage", "--json", "--since", "2026-11-01")

    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert report["totals"]["pending"] == 3
    assert report["totals"]["cost_usd"] == "0.003"
    assert [group["key"] for group in report["groups"]] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert result.stderr == ""  # 404s are expected for fresh records: no warning


def test_group_by_model_orders_dearest_first_and_tsv_has_stable_columns(runner):
    env = runner.env()
    for model, cost in (("a/cheap", "0.0001"), ("b/dear", "0.5"), ("a/cheap", "0.0002")):
        ledger.record(env, Exchange(conversation_id="c1", prompt="p", model=model, cost_usd=cost,
                                    latency_ms=100, time="2026-11-20T10:00:00.000000Z"), print)

    result = runner("usage", "--by", "model", "--since", "2026-11-01", "--offline")

    lines = result.stdout.splitlines()
    assert lines[0] == "\t".join(("model", *FIELDS))
    assert [line.split("\t")[:2] for line in lines[1:]] == [["b/dear", "1"], ["a/cheap", "2"], ["total", "3"]]
    assert lines[2].split("\t")[FIELDS.index("cost_usd") + 1] == "0.0003"
    assert lines[3].split("\t")[FIELDS.index("cost_usd") + 1] == "0.5003"


def test_failed_cancelled_and_pinned_are_counted(runner):
    env = runner.env()
    for outcome, region in (("ok", "eu-west"), ("cancelled", None), ("rate_limited", None), ("ok", None)):
        ledger.record(env, Exchange(conversation_id="c1", prompt="p", outcome=outcome, route_region=region,
                                    time="2026-11-20T10:00:00.000000Z"), print)

    totals = json.loads(runner("usage", "--json", "--since", "2026-11-01", "--offline").stdout)["totals"]

    assert (totals["pinned"], totals["cancelled"], totals["failed"], totals["requests"]) == (1, 1, 1, 4)


def test_since_and_until_bound_the_window(runner):
    env = runner.env()
    for day in ("2026-11-10", "2026-11-15", "2026-11-20"):
        ledger.record(env, Exchange(conversation_id="c1", prompt="p", time=f"{day}T10:00:00.000000Z"), print)

    report = json.loads(runner("usage", "--json", "--offline", "--since", "2026-11-12",
                               "--until", "2026-11-20").stdout)

    assert [group["key"] for group in report["groups"]] == ["2026-11-15"]


def test_the_terminal_table_has_a_full_bar_for_the_dearest_group(runner):
    env = runner.env()
    for model, cost in (("a/cheap", "0.25"), ("b/dear", "1")):
        ledger.record(env, Exchange(conversation_id="c1", prompt="p", model=model, cost_usd=cost,
                                    time="2026-11-20T10:00:00.000000Z"), print)

    result = runner("usage", "--by", "model", "--since", "2026-11-01", "--offline", "--color", "never",
                    tty=True, COLUMNS="100")

    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "█" * 8 in lines["b/dear"] and "█" * 9 not in lines["b/dear"]
    assert "██" in lines["a/cheap"] and "███" not in lines["a/cheap"]  # a quarter of the dearest
    assert "$1.25" in lines["Total"]
    assert "\x1b" not in result.stdout


def test_codecarbon_csv_has_its_columns_and_units(runner, emulator):
    chats(runner, "openai/gpt-4o-mini")
    runner("usage", "--json")  # fetch the record

    result = runner("usage", "--csv", "codecarbon")

    table = list(csv.DictReader(io.StringIO(result.stdout)))
    row = runner.rows()[0]
    eco = records_of(emulator, [row])[0]["lowrouter"]["eco"]
    assert len(table) == 1
    assert float(table[0]["emissions"]) == pytest.approx(eco["co2e_g"] / 1000)
    assert float(table[0]["energy_consumed"]) == pytest.approx(eco["energy_wh"] / 1000)
    assert table[0]["run_id"] == row["generation_id"]
    assert table[0]["timestamp"] == row["time"]
    assert table[0]["country_iso_code"] == (eco["grid_zone"] if len(eco["grid_zone"]) == 2 else "")


def test_a_bad_since_is_a_usage_error(runner):
    result = runner("usage", "--since", "last tuesday")
    assert result.returncode == 2
    assert "--since" in result.stderr and len(result.stderr.splitlines()) == 1


def test_records_are_fetched_eight_at_a_time(fake_env, monkeypatch):
    """16 ids: the first 8 fetches must all be in flight together (the barrier opens only then),
    and never a ninth."""
    barrier = threading.Barrier(usage_job.IN_FLIGHT, timeout=10)
    lock = threading.Lock()
    active, most, threads, clients = [0], [0], set(), []

    class Client:
        def get_generation(self, generation_id):
            with lock:
                active[0] += 1
                most[0] = max(most[0], active[0])
                threads.add(threading.get_ident())
            barrier.wait()
            with lock:
                active[0] -= 1
            return type("Record", (), {"raw": {"id": generation_id}})()

        def close(self):
            pass

    class Invocation:
        env = fake_env()
        verbose = False

        def settings(self):
            return type("S", (), {"api_key": "k"})()

        def client(self, settings):
            clients.append(Client())
            return clients[-1]

    fetched = usage_job.fetch_records(Invocation(), [f"gen-{n}" for n in range(16)])

    assert most[0] == usage_job.IN_FLIGHT
    assert len(threads) == len(clients) == usage_job.IN_FLIGHT  # a ninth worker would have had its own
    assert sorted(fetched.records) == sorted(f"gen-{n}" for n in range(16))


def test_latency_percentiles_are_nearest_rank_per_group_and_overall(runner):
    env = runner.env()
    for model, latencies in (("a/ten", range(10, 101, 10)), ("b/four", (40, 10, 30, 20))):
        for latency in latencies:
            ledger.record(env, Exchange(conversation_id="c", prompt="p", model=model, latency_ms=latency,
                                        time="2026-11-20T10:00:00.000000Z"), print)

    report = json.loads(runner("usage", "--json", "--offline", "--by", "model", "--since", "2026-11-01").stdout)

    found = {group["key"]: (group["latency_p50_ms"], group["latency_p95_ms"]) for group in report["groups"]}
    assert found == {"a/ten": (50, 100), "b/four": (20, 40)}
    overall = sorted([*range(10, 101, 10), 40, 10, 30, 20])  # 14 values: ranks 7 and 14
    assert (report["totals"]["latency_p50_ms"], report["totals"]["latency_p95_ms"]) == (overall[6], overall[13])


def test_weeks_are_iso_weeks_and_months_calendar_months(runner):
    env = runner.env()
    for moment in ("2026-11-22T10:00:00.000000Z", "2026-11-23T10:00:00.000000Z", "2026-11-29T23:59:59.000000Z",
                   "2026-12-01T00:00:00.000000Z"):
        ledger.record(env, Exchange(conversation_id="c", prompt="p", cost_usd="0.1", time=moment), print)

    def keys(by):
        report = json.loads(runner("usage", "--json", "--offline", "--by", by, "--since", "2026-11-01").stdout)
        return [(group["key"], group["requests"], group["cost_usd"]) for group in report["groups"]]

    assert keys("week") == [("2026-W47", 1, "0.1"), ("2026-W48", 2, "0.2"), ("2026-W49", 1, "0.1")]
    assert keys("month") == [("2026-11", 3, "0.3"), ("2026-12", 1, "0.1")]


def test_an_empty_window_says_so(runner):
    assert runner("chat", "hi").returncode == 0
    result = runner("usage", "--offline", "--since", "2020-01-01", "--until", "2020-02-01", tty=True,
                    COLUMNS="80")
    assert result.returncode == 0
    assert result.stdout.startswith("No exchanges since 2020-01-01 00:00 until 2020-02-01 00:00 UTC")


def test_a_columns_value_that_only_looks_like_digits_is_ignored(runner):
    """COLUMNS="²": isdigit() says yes, int() says no; the table is drawn at the default width."""
    env = runner.env()
    ledger.record(env, Exchange(conversation_id="c", prompt="p", cost_usd="1", time="2026-11-20T10:00:00.000000Z"),
                  print)

    result = runner("usage", "--offline", "--since", "2026-11-01", "--color", "never", tty=True, COLUMNS="²", LINES="³")

    assert result.returncode == 0, result.stderr
    assert "2026-11-20" in result.stdout and "$1.00" in result.stdout
