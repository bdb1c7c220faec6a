"""Money and carbon around a prompt: --estimate (nothing sent), --max-cost and the budgets (exit 9,
--force), the notice for a large piped prompt, and --eco's footer and ledger numbers."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from ledger_run import Runner
from lowrouter_cli import ledger
from lowrouter_cli.catalog import parse_models
from lowrouter_cli.emulator.scenarios import MODELS
from lowrouter_cli.estimates import estimate, estimate_tokens
from lowrouter_cli.ledger import Exchange

MINI = "openai/gpt-4o-mini"


@pytest.fixture
def runner(emulator):
    return Runner(emulator.base_url)


def catalog():
    return parse_models({"data": MODELS} if isinstance(MODELS, list) else MODELS)


def model(model_id):
    return next(m for m in catalog() if m.id == model_id)


def chat_posts(emulator):
    return [r for r in emulator.state.requests if r["path"].endswith("/chat/completions")]


def test_estimate_sends_nothing_and_prices_the_prompt_and_the_longest_answer(runner, emulator):
    prompt = "x" * 400  # 100 tokens of text

    result = runner("chat", "--estimate", "--json", "-m", MINI, "--max-tokens", "50", prompt)

    assert result.returncode == 0, result.stderr
    assert chat_posts(emulator) == []
    figures = json.loads(result.stdout)
    tokens = 3 + 4 + math.ceil(400 / 4)
    mini = model(MINI)
    assert figures["prompt_tokens"] == tokens and figures["completion_tokens_max"] == 50
    assert Decimal(figures["cost_usd_min"]) == mini.prompt_price * tokens
    assert Decimal(figures["cost_usd_max"]) == mini.prompt_price * tokens + mini.completion_price * 50
    assert figures["estimated"] is True and figures["bounded_by_dearest_model"] is False
    assert figures["co2e_g_min"] is None  # no measured exchanges yet


def test_estimate_counts_the_system_prompt_the_conversation_and_stdin(runner):
    from conftest import TEST_KEY, cli_environ, run_in_process

    assert runner("chat", "-m", MINI, "first question").returncode == 0
    result = run_in_process(["stream", "--estimate", "--json", "-c", "-s", "be brief", "follow-up"],
                            input="piped text", environ=cli_environ(runner.base_url, TEST_KEY, None))

    figures = json.loads(result.stdout)
    row = runner.rows()[0]
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": row["prompt"]},
                {"role": "assistant", "content": row["answer"]},
                {"role": "user", "content": "follow-up\n\npiped text"}]
    assert figures["prompt_tokens"] == estimate_tokens(messages)
    assert figures["model"] == MINI  # from the conversation


def test_auto_is_bounded_by_the_dearest_model_the_router_may_pick():
    models = catalog()
    result = estimate("lowrouter/auto", [{"role": "user", "content": "hi"}], 100, models)

    priced = [m for m in models if m.id != "lowrouter/auto" and m.prompt_price is not None
              and m.prompt_price >= 0 and m.completion_price is not None and m.completion_price >= 0]
    dearest = max(priced, key=lambda m: m.prompt_price * result.prompt_tokens + m.completion_price * 100)
    assert result.bounded_by_dearest and result.priced_by == dearest.id
    assert result.cost_high == dearest.prompt_price * result.prompt_tokens + dearest.completion_price * 100


def test_the_text_estimate_says_it_is_an_approximation(runner):
    result = runner("chat", "--estimate", "-m", "lowrouter/auto", "--max-tokens", "10", "hi")

    assert result.returncode == 0
    assert "an approximation" in result.stdout
    assert "the dearest model the router may pick" in result.stdout
    assert "not enough measured exchanges" in result.stdout


def test_estimate_uses_the_users_own_measured_energy_per_token(runner):
    env = runner.env()
    for number in range(3):
        ledger.record(env, Exchange(conversation_id="c", prompt="p", model=MINI, prompt_tokens=10,
                                    completion_tokens=90, energy_wh=0.5, co2e_g=0.02,
                                    time=f"2026-11-2{number}T10:00:00.000000Z"), print)

    figures = json.loads(runner("chat", "--estimate", "--json", "-m", MINI, "--max-tokens", "100", "hi").stdout)

    wh_per_token, g_per_token = 1.5 / 300, 0.06 / 300
    assert figures["measured_exchanges"] == 3
    assert figures["energy_wh_min"] == pytest.approx(figures["prompt_tokens"] * wh_per_token)
    assert figures["energy_wh_max"] == pytest.approx((figures["prompt_tokens"] + 100) * wh_per_token)
    assert figures["co2e_g_max"] == pytest.approx((figures["prompt_tokens"] + 100) * g_per_token)


def test_max_cost_refuses_to_send_with_exit_9_naming_the_cap_and_the_estimate(runner, emulator):
    result = runner("chat", "-m", MINI, "--max-tokens", "100000", "--max-cost", "0.000001", "hi")

    assert result.returncode == 9
    assert chat_posts(emulator) == []
    assert len(result.stderr.splitlines()) == 1
    assert "over --max-cost $0.000001" in result.stderr and "--force" in result.stderr


def test_force_sends_anyway_and_a_generous_cap_sends(runner, emulator):
    assert runner("chat", "-m", MINI, "--max-tokens", "100000", "--max-cost", "0.000001", "--force",
                  "hi").returncode == 0
    assert runner("stream", "-m", MINI, "--max-tokens", "10", "--max-cost", "1", "hi").returncode == 0
    assert len(chat_posts(emulator)) == 2


def test_a_cost_that_cant_be_bounded_is_refused_under_max_cost(runner, emulator):
    result = runner("chat", "-m", "no/such-model", "--max-cost", "1", "hi")

    assert result.returncode == 9
    assert "can't be bounded" in result.stderr
    assert chat_posts(emulator) == []


def test_the_daily_budget_counts_todays_spend_from_the_ledger(runner, emulator):
    env = runner.env()
    today = ledger.utc_time(runner.clock + 60)[:10]
    ledger.record(env, Exchange(conversation_id="c", prompt="p", cost_usd="0.9",
                                time=f"{today}T00:00:01.000000Z"), print)
    ledger.record(env, Exchange(conversation_id="c", prompt="p", cost_usd="5",
                                time="2020-01-01T00:00:01.000000Z"), print)  # another day: not counted

    over = runner("chat", "-m", MINI, "--max-tokens", "100000", "hi", LOWROUTER_BUDGET_DAILY="0.91")
    near = runner("chat", "-m", MINI, "--max-tokens", "10", "hi", LOWROUTER_BUDGET_DAILY="1")

    assert over.returncode == 9
    assert "over the daily budget of $0.91" in over.stderr and "$0.9 spent" in over.stderr
    assert near.returncode == 0
    assert "warning: 90% of the daily budget of $1.00" in near.stderr
    assert len(chat_posts(emulator)) == 1


def test_a_budget_in_the_config_file_is_checked_too(runner, emulator):
    assert runner("config", "set", "budget_monthly", "0.0000001").returncode == 0
    result = runner("chat", "-m", MINI, "--max-tokens", "1000", "hi")
    assert result.returncode == 9 and "monthly budget" in result.stderr
    assert runner("config", "set", "budget_monthly", "lots").returncode == 2


def test_a_large_piped_prompt_gets_a_notice_on_a_terminal_only(runner, emulator):
    big = "word " * 20_000  # 100,000 characters: about 25,000 tokens
    from conftest import TEST_KEY, cli_environ, run_in_process

    environ = cli_environ(emulator.base_url, TEST_KEY, None)
    on_terminal = run_in_process(["chat", "-m", MINI, "summarize"], input=big, environ=environ, stderr_isatty=True)
    in_pipe = run_in_process(["chat", "-m", MINI, "summarize"], input=big, environ=environ)

    assert on_terminal.returncode == in_pipe.returncode == 0
    assert "a large prompt from stdin: about 25,0" in on_terminal.stderr
    assert "large prompt" not in in_pipe.stderr


def test_eco_waits_for_the_record_and_adds_energy_and_co2e_to_the_footer_and_the_ledger(runner, emulator):
    result = runner("chat", "--eco", "-m", MINI, "hi", tty=True)

    assert result.returncode == 0, result.stderr
    row = runner.rows()[-1]
    eco = emulator.state.records[row["generation_id"]][1]["lowrouter"]["eco"]
    assert row["energy_wh"] == eco["energy_wh"] and row["co2e_g"] == eco["co2e_g"]
    assert "mWh" in result.stderr and "mg CO2e" in result.stderr


def test_without_eco_nothing_waits_for_the_record(runner, emulator):
    result = runner("chat", "-m", MINI, "hi", tty=True)

    assert [r for r in emulator.state.requests if "/generation/" in r["path"]] == []
    assert "CO2e" not in result.stderr


def test_eco_gives_up_after_five_seconds(runner, emulator):
    emulator.state.record_delay = 60.0
    result = runner("chat", "--eco", "-m", MINI, "hi", tty=True)

    assert result.returncode == 0
    assert sum(result.sleeps) <= 5.0
    assert "no eco numbers" in result.stderr


def seed_measurements(runner, per_model):
    env = runner.env()
    for model_id, (co2e, tokens, count) in per_model.items():
        for number in range(count):
            ledger.record(env, Exchange(conversation_id="c", prompt="p", model=model_id, prompt_tokens=tokens // 2,
                                        completion_tokens=tokens - tokens // 2, co2e_g=co2e, energy_wh=1.0,
                                        time=f"2026-11-2{number}T10:00:00.000000Z"), print)


def test_models_sort_co2_orders_by_the_users_measured_grams_per_1k_tokens(runner, emulator):
    seed_measurements(runner, {MINI: (0.5, 1000, 3), "mistral/mistral-small": (0.1, 1000, 3),
                               "anthropic/claude-3.5-haiku": (9.0, 1000, 2)})  # only 2: not enough

    result = runner("models", "--sort", "co2")

    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[-1] == "co2e_g_per_1k_tokens"
    rows = [line.split("\t") for line in lines[1:]]
    assert [(row[0], row[-1]) for row in rows[:2]] == [("mistral/mistral-small", "0.1"), (MINI, "0.5")]
    assert all(row[-1] == "" for row in rows[2:])
    assert "anthropic/claude-3.5-haiku" in [row[0] for row in rows[2:]]


def test_models_on_a_terminal_shows_the_measured_column_and_says_when_there_is_none(runner):
    assert "no measured CO2e yet" in runner("models", "--sort", "co2").stderr
    seed_measurements(runner, {MINI: (0.5, 1000, 3)})

    result = runner("models", "--color", "never", tty=True, COLUMNS="160")

    mini = next(line for line in result.stdout.splitlines() if line.startswith(MINI))
    assert "CO2e/1k tok" in result.stdout and mini.rstrip().endswith("500 mg")
