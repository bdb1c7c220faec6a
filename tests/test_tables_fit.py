"""Tables that fit: `models` (compact and --endpoints) and `generation --list` at 40, 80 and 100
columns, one screen line per row where they fit, ids never split or cut."""

import json

from lowrouter_cli import catalog
from lowrouter_cli.emulator.scenarios import MODELS
from lowrouter_cli.render.fit import Column, fitted_columns

from terminal_screen import capture

IDS = [m["id"] for m in MODELS]


def on_screen(run_cli, *args, columns):
    done = run_cli(*args, "--color", "never", stdout_isatty=True, stderr_isatty=True,
                   env={"COLUMNS": str(columns)})
    return done.returncode, done.stdout.splitlines(), done.stderr


def test_descriptive_columns_give_way_first_and_kept_ones_never():
    columns = [Column("Id"), Column("Name", drop=2), Column("Price"), Column("Regions", drop=1)]
    rows = [["a" * 10, "n" * 10, "p" * 5, "r" * 10]]
    assert fitted_columns(columns, rows, 41) == [0, 1, 2, 3]  # 35 + 3 gaps of 2
    assert fitted_columns(columns, rows, 40) == fitted_columns(columns, rows, 29) == [0, 2, 3]  # Name first
    assert fitted_columns(columns, rows, 28) == fitted_columns(columns, rows, 17) == [0, 2]
    assert fitted_columns(columns, rows, 16) is None  # even id and price don't fit: stacked


def test_models_at_80_and_100_columns_one_line_per_model(run_cli):
    for width, header in ((80, ["Model", "Context", "In $/1M", "Out $/1M", "Status"]),
                          (100, ["Model", "Context", "In $/1M", "Out $/1M", "Status", "Regions"])):
        code, lines, _ = on_screen(run_cli, "models", columns=width)
        assert code == 0 and lines[0].split() == " ".join(header).split()
        assert len(lines) == 1 + len(IDS) and all(len(line) <= width for line in lines)
        assert [line.split()[0] for line in lines[1:]] == IDS  # ids whole, one row each
    assert lines[1].split() == ["openai/gpt-4o-mini", "128k", "$0.15", "$0.60", "1", "degraded", "eu-west",
                                "us-east"]


def test_models_at_40_columns_stack_each_model_under_its_id(run_cli):
    code, lines, _ = on_screen(run_cli, "models", columns=40)
    assert code == 0 and all(len(line) <= 40 for line in lines)
    assert [line for line in lines if not line.startswith(" ")] == IDS
    assert lines[1:4] == ["  Context 128k  In $/1M $0.15", "  Out $/1M $0.60  Status 1 degraded",
                          "  Regions eu-west us-east"]


def test_endpoints_one_row_each_with_status_and_exact_tsv(run_cli):
    code, lines, _ = on_screen(run_cli, "models", "--endpoints", columns=100)
    assert code == 0 and lines[0].split() == ["Model", "Provider", "Region", "Status", "In", "$/1M", "Out", "$/1M"]
    assert lines[1].split() == ["openai/gpt-4o-mini", "azure", "eu-west", "degraded", "$0.15", "$0.60"]
    piped = run_cli("models", "--endpoints", "--sort", "price")
    assert piped.stdout.splitlines()[:3] == [
        "model\tprovider\tregion\tstatus\tprompt_usd_per_1m\tcompletion_usd_per_1m",
        "meta/llama-3.1-8b-instruct:free\tdeepinfra\tus-west\tup\t0\t0",
        "mistral/mistral-small\tmistral\teu-west\tup\t0.1\t0.3"]


def test_region_and_provider_must_meet_on_one_endpoint():
    models = catalog.parse_models({"data": MODELS})
    assert catalog.select(models, region="eu-central", provider="anthropic") == []
    assert [m.id for m in catalog.select(models, region="eu-central", provider="BEDROCK")] == [
        "anthropic/claude-3.5-haiku"]
    assert [m.id for m in catalog.select(models, region="eu-west", provider="azure")] == ["openai/gpt-4o-mini"]


def test_empty_results_say_so_on_stderr_and_exit_0(run_cli):
    for args in (["models", "nothingmatches"], ["models", "--region", "eu-central", "--provider", "anthropic"]):
        done = run_cli(*args)
        assert (done.returncode, done.stdout) == (0, "") and done.stderr.count("\n") == 1
    assert run_cli("models", "nothingmatches").stderr == "lowrouter: no model matches 'nothingmatches'\n"
    both = run_cli("models", "--json", "--region", "eu-central", "--provider", "anthropic")
    assert json.loads(both.stdout) == [] and both.stderr == (
        "lowrouter: no model matches with --provider anthropic --region eu-central\n")


def test_tsv_prices_are_numbers_per_million_with_the_unit_in_the_header(run_cli):
    lines = run_cli("models").stdout.splitlines()
    assert lines[0].split("\t")[3:5] == ["prompt_usd_per_1m", "completion_usd_per_1m"]
    assert lines[1].split("\t")[3:5] == ["0.15", "0.6"]
    assert lines[-1].split("\t")[3:5] == ["", ""]  # dynamic: no number would be true


def test_generation_list_newest_first_with_n_and_fits_100_columns(run_cli):
    ids = []
    for _ in range(3):
        done = run_cli("chat", "--json", "hi")
        ids.append(json.loads(done.stdout)["lowrouter"]["generation_id"])
    piped = run_cli("generation", "--list", "-n", "2").stdout.splitlines()
    assert piped[0].split("\t")[7] == "cost"
    assert [line.split("\t")[1] for line in piped[1:]] == ids[::-1][:2]
    assert float(piped[1].split("\t")[7]) > 0
    assert len(run_cli("generation", "--list").stdout.splitlines()) == 4  # default 20: all three
    code, lines, _ = on_screen(run_cli, "generation", "--list", columns=100)
    assert code == 0 and len(lines) == 4 and all(len(line) <= 100 for line in lines)
    assert [line.split()[2] for line in lines[1:]] == ids[::-1]
    code, lines, _ = on_screen(run_cli, "generation", "--list", columns=40)
    assert [line for line in lines if not line.startswith(" ")] == ids[::-1]


def test_screens_at_40_80_100_columns_on_a_real_terminal(emulator):
    for columns in (40, 80, 100):
        shown = capture(emulator.base_url, "models", "--endpoints", columns=columns)
        assert shown.code == 0
        rows = [line for line in shown.lines if line.startswith(tuple(IDS))]
        assert all(line.split()[0] in IDS for line in rows) and len(rows) == 7, (columns, shown.text)
        if columns >= 100:
            assert rows[0].split() == ["openai/gpt-4o-mini", "azure", "eu-west", "degraded", "$0.15", "$0.60"]
        else:
            assert shown.lines[0] == "openai/gpt-4o-mini" and "Status degraded" in shown.text


def test_an_empty_history_says_so_on_a_terminal(run_cli):
    done = run_cli("generation", "--list", stdout_isatty=True)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "lowrouter: no generation in the ledger yet: run lowrouter chat or stream first\n"
    assert run_cli("generation", "--list").stdout.startswith("time\tgeneration_id\t")  # a pipe: the header
