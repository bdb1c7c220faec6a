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


def envs():
    for isatty in (False, True):
        yield Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=isatty,
                          environ={"COLUMNS": "100"})


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_model_lists(body):
    models = catalog.parse_models(body)
    for sort in (None, "price", "context", "name"):
        catalog.select(models, sort=sort, max_price=1.0, query="a", region="eu", provider="o")
    for env in envs():
        print_models(env, models)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_generation_records(body):
    record = parse_generation(body)
    problems = generations.eco_problems(record)
    for env in envs():
        print_generation(env, record, problems)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_error_bodies(body):
    message, details = parse_error_envelope(body)
    assert message is None or isinstance(message, str)
