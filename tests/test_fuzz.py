"""Random JSON shapes where model lists, generation records and error bodies go: every one ends
in output or one of our errors, never a traceback."""

import io

from hypothesis import given, settings, strategies as st

from lowrouter_cli import catalog, generations
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import parse_error_envelope
from lowrouter_cli.render.tables import print_generation, print_models
from lowrouter_cli.records import parse_generation

KEYS = ["data", "id", "name", "context_length", "pricing", "prompt", "completion", "lowrouter", "endpoints",
        "provider", "region", "status", "eco", "energy_wh", "it_energy_wh", "pue", "co2e_g",
        "grid_carbon_intensity_g_per_kwh", "routing_trace", "attempts", "candidates", "constraints",
        "selected", "score", "error", "message", "code", "metadata", "availability", "streamed", "total_cost"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["0", "-1", "0.000001", "1e400", "NaN", "abc"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=25)


# Well-shaped but random values, so that the filters and checks have something to bite on.
prices = st.sampled_from(["0", "-1", "0.0000005", "0.000001", "0.0000011", "abc", None, 0, 1e-7, True])
models_bodies = st.fixed_dictionaries({"data": st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["a/x", "b/y", "c/za", "d/\tq"]),
    "name": st.sampled_from(["Alpha", "Beta", "", 5]),
    "pricing": st.fixed_dictionaries({"prompt": prices, "completion": prices}),
    "lowrouter": st.fixed_dictionaries({"endpoints": st.lists(st.fixed_dictionaries({
        "provider": st.sampled_from(["o", "O", "openai", ""]), "region": st.sampled_from(["eu", "us"])}),
        max_size=3)}),
}), max_size=6)})
numbers = st.one_of(st.none(), st.floats(0, 1000, allow_nan=False), st.integers(0, 1000), st.just(True),
                    st.just("1"))
eco_records = st.fixed_dictionaries({"lowrouter": st.fixed_dictionaries({"eco": st.fixed_dictionaries({
    key: numbers for key in ("energy_wh", "it_energy_wh", "pue", "co2e_g", "grid_carbon_intensity_g_per_kwh")})})})


def pipe_and_terminal():
    return [Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=isatty,
                        environ={"COLUMNS": "100"}) for isatty in (False, True)]


def dig(value, *keys):
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def listed(body):
    """The oracle: every item of `data` that is an object with a string id, in order."""
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in (data if isinstance(data, list) else [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)]


def known_at_most(price, limit):
    return price is not None and 0 <= price <= limit


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, models_bodies))
def test_model_lists(body):
    models = catalog.parse_models(body)
    assert [m.id for m in models] == [item["id"] for item in listed(body)]
    assert all(isinstance(m.name, str) for m in models)
    limit = catalog.parse_price("0.000001")
    for sort in (None, "price", "context", "name"):
        chosen = catalog.select(models, sort=sort, max_price=1.0, query="a", provider="o")
        assert all(any(m is c for m in models) for c in chosen)
        for c in chosen:
            assert "a" in c.id.lower() or "a" in c.name.lower()
            assert "o" in [p.lower() for p in c.providers]
            assert known_at_most(c.prompt_price, limit) and known_at_most(c.completion_price, limit)
    pipe, terminal = pipe_and_terminal()
    print_models(pipe, models)
    lines = pipe.stdout.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == len(models) + 2  # header, one line per model, final newline
    assert len({len(line.split("\t")) for line in lines[:-1]}) == 1  # every row as wide as the header
    for model, line in zip(models, lines[1:]):
        if model.id.isprintable() and not any(c.isspace() for c in model.id):  # else shown escaped
            assert line.split("\t")[0] == model.id
    print_models(terminal, models)  # and the terminal view never raises


def expected_problems(body):
    """The oracle for eco_problems: how many of the two invariants are broken by more than 1%."""
    record = body["data"] if isinstance(body, dict) and isinstance(body.get("data"), dict) else body
    eco = dig(record, "lowrouter", "eco")
    if not isinstance(eco, dict):
        return 0

    def number(key):
        value = eco.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float: not a number we can check
            return None

    def off(actual, expected):
        return abs(actual - expected) > 0.01 * max(abs(expected), 1e-12)

    energy, it_energy, pue = number("energy_wh"), number("it_energy_wh"), number("pue")
    co2e, intensity = number("co2e_g"), number("grid_carbon_intensity_g_per_kwh")
    broken = 0
    if None not in (energy, it_energy, pue) and off(energy, it_energy * pue):
        broken += 1
    if None not in (co2e, energy, intensity) and off(co2e, energy / 1000 * intensity):
        broken += 1
    return broken


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, eco_records))
def test_generation_records(body):
    record = parse_generation(body)
    problems = generations.eco_problems(record)
    assert len(problems) == expected_problems(body) and all(isinstance(p, str) for p in problems)
    pipe, terminal = pipe_and_terminal()
    print_generation(pipe, record, problems)
    text = pipe.stdout.getvalue()
    assert text.endswith("\n")
    raw = body["data"] if isinstance(body, dict) and isinstance(body.get("data"), dict) else body
    identifier = dig(raw, "id")
    if isinstance(identifier, str) and identifier.isalnum():
        assert text.startswith(f"id: {identifier}\n")
    if isinstance(dig(raw, "streamed"), bool):
        assert f"streamed: {'yes' if raw['streamed'] else 'no'}\n" in text
    assert [line for line in text.splitlines() if line.startswith("eco.check: ")] == \
        [f"eco.check: {p}" for p in problems]
    attempts = dig(raw, "lowrouter", "routing_trace", "attempts")
    wanted = len([a for a in attempts if isinstance(a, dict)]) if isinstance(attempts, list) else 0
    assert len([line for line in text.splitlines() if line.startswith("attempt: #")]) == wanted
    print_generation(terminal, record, problems)  # and the terminal view never raises


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_error_bodies(body):
    message, details = parse_error_envelope(body)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        assert message == error
    elif isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"].strip():
        assert message == error["message"]
    else:
        assert message is None
    assert set(details) <= {"generation_id", "error_type", "availability"}
    generation_id = dig(body, "lowrouter", "generation_id")
    assert details.get("generation_id") == (generation_id if isinstance(generation_id, str) else None)
    assert all(isinstance(details[k], str) for k in ("generation_id", "error_type") if k in details)
