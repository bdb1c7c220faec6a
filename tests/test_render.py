import json

from lowrouter_cli import api, catalog, store
from lowrouter_cli.exchange import exchange_cost as _cost
from lowrouter_cli.emulator.scenarios import MODELS, choose_route, generation_record
from lowrouter_cli.render.messages import Footer, print_footer
from lowrouter_cli.render.tables import print_generation, print_models
from lowrouter_cli.settings import resolve
from lowrouter_cli.records import parse_generation


def test_footer_only_on_a_terminal(fake_env):
    footer = Footer(model="m", provider="p", region="r", prompt_tokens=1, completion_tokens=2, cost=0.000006,
                    generation_id="gen-1")
    piped = fake_env()
    print_footer(piped, footer)
    assert piped.stderr.getvalue() == ""
    terminal = fake_env(stderr_isatty=True, environ={"NO_COLOR": "1"}, color="never")
    print_footer(terminal, footer)
    assert terminal.stderr.getvalue() == "m · p/r · 1 → 2 tokens · $0.000006 · gen-1\n"


def test_footer_cost_falls_back_to_cached_prices(fake_env):
    env = fake_env(wall_clock=lambda: 0.0)
    settings = resolve(env, base_url="https://g/api/v1")
    assert _cost(env, settings, "openai/gpt-4o-mini", api.Usage(1000, 1000, 2000, 0.5)) == 0.5
    assert _cost(env, settings, "openai/gpt-4o-mini", api.Usage(1000, 1000)) is None
    store.write_models_cache(env, "https://g/api/v1", {"data": MODELS}, None, print)
    assert _cost(env, settings, "openai/gpt-4o-mini", api.Usage(1_000_000, 1_000_000)) == 0.75
    assert _cost(env, settings, "lowrouter/auto", api.Usage(10, 10)) is None


def test_models_table_on_a_terminal(fake_env):
    env = fake_env(stdout_isatty=True, environ={"COLUMNS": "160"})
    print_models(env, catalog.parse_models({"data": MODELS}))
    out = env.stdout.getvalue()
    assert "In $/1M" in out and "$0.15" in out and "dynamic" in out and "-1" not in out


def record():
    route = choose_route("lowrouter/auto", None)
    return generation_record("gen-1", "lowrouter/auto", route, None, 12, 7, streamed=True, cancelled=False,
                             finish_reason="stop")


def test_generation_view_on_a_terminal_flags_broken_eco(fake_env):
    env = fake_env(stdout_isatty=True, environ={"COLUMNS": "120"})
    broken = record()
    broken["lowrouter"]["eco"]["energy_wh"] *= 2
    from lowrouter_cli.generations import eco_problems
    print_generation(env, parse_generation(broken), eco_problems(parse_generation(broken)))
    out = env.stdout.getvalue()
    assert "eco" in out and "⚠ energy_wh" in out and "→ #2 openai/eu-west status 200" in out
    assert "constraints: none" in out and "azure/eu-west score 0.91" in out


def test_generation_lines_in_a_pipe(fake_env):
    env = fake_env()
    print_generation(env, parse_generation(record()), [])
    lines = env.stdout.getvalue().splitlines()
    assert "streamed: yes" in lines and "eco.grid_zone: FR" in lines
    assert lines[-1] == "attempt: #2 openai/eu-west status 200 669 ms selected"
    print_generation(env, parse_generation(json.loads('{"id": 5, "lowrouter": []}')), [])  # odd shapes: no traceback
