"""Records typed where the JSON enters: generation records and model entries. A field of the wrong
type is left out, never raised on, and the renderers read only the typed fields."""

from __future__ import annotations

import dataclasses
import io

from lowrouter_cli.catalog import Endpoint, parse_models
from lowrouter_cli.context import Environment
from lowrouter_cli.emulator.scenarios import choose_route, generation_record
from lowrouter_cli.records import Attempt, Candidate, Eco, parse_generation
from lowrouter_cli.render.tables import print_generation


def emulated():
    route = choose_route("lowrouter/auto", None)
    return generation_record("gen-1", "lowrouter/auto", route, None, 12, 7, streamed=True, cancelled=False,
                             finish_reason="stop")


def test_a_record_as_the_gateway_sends_it():
    record = parse_generation({"data": emulated()})
    assert (record.id, record.model, record.router, record.provider, record.region) == (
        "gen-1", "openai/gpt-4o-mini", "lowrouter/auto", "openai", "eu-west")
    assert (record.streamed, record.cancelled, record.finish_reason) == (True, False, "stop")
    assert (record.tokens_prompt, record.tokens_completion, record.latency_ms) == (12, 7, 812)
    assert record.eco.grid_zone == "FR" and record.eco.method == "estimate" and record.eco.pue == 1.2
    trace = record.routing_trace
    assert (trace.strategy, trace.requested, trace.constraints) == ("auto", "lowrouter/auto", {})
    assert trace.candidates[0] == Candidate("azure", "eu-west", 0.91)
    assert trace.attempts[-1] == Attempt(2, "openai", "eu-west", 200, None, 669, True)
    assert record.raw == emulated()


def test_fields_of_the_wrong_type_are_left_out():
    record = parse_generation({"data": {
        "id": 5, "model": ["m"], "streamed": "yes", "cancelled": 0, "tokens_prompt": "12", "tokens_completion": -1,
        "total_cost": "0.1", "latency": True, "finish_reason": {},
        "lowrouter": {"region": 3, "eco": {"energy_wh": "0.04", "pue": None, "co2e_g": float("nan"),
                                           "grid_zone": 7, "method": "estimate"},
                      "routing_trace": {"strategy": 1, "constraints": {"region": None, "provider": "openai"},
                                        "candidates": ["x", {"provider": 1, "score": "high"}],
                                        "attempts": [None, {"attempt": "1", "selected": "true", "status": 200}]}}}})
    assert dataclasses.astuple(record)[:-3] == (None,) * 12
    assert record.eco == Eco(method="estimate")
    assert record.routing_trace.strategy is None and record.routing_trace.constraints == {"provider": "openai"}
    assert record.routing_trace.candidates == [Candidate()]
    assert record.routing_trace.attempts == [Attempt(status=200)]
    assert parse_generation("junk").id is None and parse_generation({"lowrouter": []}).eco is None


def test_the_generation_view_reads_only_the_typed_fields():
    def shown(record, tty):
        env = Environment(stdout=io.StringIO(), stdout_isatty=tty, environ={"COLUMNS": "120"})
        print_generation(env, record, [])
        return env.stdout.getvalue()

    record = parse_generation(emulated())
    for tty in (False, True):
        assert shown(dataclasses.replace(record, raw=None), tty) == shown(record, tty)
        assert "gen-1" in shown(record, tty)


def test_model_entries_keep_only_endpoints_given_as_text():
    [model] = parse_models({"data": [{"id": "m", "name": 3, "context_length": "big", "lowrouter": {"endpoints": [
        {"provider": "openai", "region": "eu-west", "status": "up"}, {"provider": 1, "region": "x"},
        {"provider": "azure", "region": "eu-west", "status": 2}, "junk"]}}]})
    assert (model.name, model.context_length) == ("m", None)
    assert model.endpoints == [Endpoint("openai", "eu-west", "up"), Endpoint("azure", "eu-west", None)]
    assert model.providers == ["azure", "openai"] and model.regions == ["eu-west"]
