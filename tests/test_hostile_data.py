"""Regression tests for issue 14, data side: what a gateway or a file sends is validated where it
becomes our objects. Bounded numbers, surrogates, wrong types, model lists, deep nesting."""

import json

from hostile import HostileGateway, chunk, completion, json_response, run_cli, sse, sse_response

from lowrouter_cli import completion as model_completion
from lowrouter_cli.paths import models_cache_name

MODELS = {"object": "list", "data": [{"id": "openai/gpt-4o-mini", "name": "GPT-4o mini",
                                      "pricing": {"prompt": "0.00000015", "completion": "0.0000006"}}]}


def ledger_rows(tmp_path):
    import sqlite3

    path = tmp_path / "data" / "ledger.db"
    if not path.exists():
        return []
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute("SELECT * FROM exchanges ORDER BY id")]


def strict_json(text):
    def refuse(name):
        raise ValueError(name)
    return json.loads(text, parse_constant=refuse)


def test_a_body_that_is_not_a_model_list_is_refused_and_never_cached(tmp_path):
    for body in ({"error": None, "hello": 1}, {"data": "x"}, {"data": [{"name": "no id"}]}, [1, 2]):
        with HostileGateway(lambda x: x.send(json_response(body))) as gw:
            out = run_cli(tmp_path, gw.base_url, "models")
        assert out.code == 7, body
        assert out.stderr.startswith("lowrouter: error: malformed response: GET /models did not return a list")
        assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
    with HostileGateway(lambda x: x.send(json_response(MODELS))) as gw:
        out = run_cli(tmp_path, gw.base_url, "models")
    assert (out.code, out.stderr) == (0, "")
    assert out.stdout.splitlines()[1].startswith("openai/gpt-4o-mini\t")
    assert len(list((tmp_path / "cache").glob("models-*.json"))) == 1  # and its ready list of ids beside it


def test_a_price_of_1e999999_is_unknown_not_a_crash(tmp_path):
    body = {"data": [{"id": "m/huge", "pricing": {"prompt": "1e999999", "completion": "-1e-999999"}},
                     {"id": "m/ok", "pricing": {"prompt": "0.000001", "completion": "0"}}]}
    with HostileGateway(lambda x: x.send(json_response(body))) as gw:
        for _ in range(2):  # the second run reads the cached copy
            out = run_cli(tmp_path, gw.base_url, "models", "--sort", "price")
            assert (out.code, out.stderr) == (0, "")
            rows = [line.split("\t") for line in out.stdout.splitlines()[1:]]
            assert [row[0] for row in rows] == ["m/ok", "m/huge"]
            assert rows[1][3:5] == ["", ""]  # unknown: no number in the TSV


def test_a_5000_digit_token_count_is_left_out_not_the_answer(tmp_path):
    raw = json.dumps(completion("Still here.")).replace('"prompt_tokens": 3', '"prompt_tokens": 1' + "0" * 5000)
    with HostileGateway(lambda x: x.send(json_response(raw.encode()))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stdout, out.stderr) == (0, "Still here.\n", "")
    entry = ledger_rows(tmp_path)[-1]
    assert (entry["prompt_tokens"], entry["completion_tokens"]) == (None, 2)


def test_nan_and_infinite_costs_are_never_shown_or_written(tmp_path):
    for cost in ("NaN", "Infinity", "1e999", '"nan"', '"inf"'):
        raw = json.dumps(completion("ok", usage={"prompt_tokens": 1, "completion_tokens": 1, "cost": 0}))
        raw = raw.replace('"cost": 0', f'"cost": {cost}')
        with HostileGateway(lambda x: x.send(json_response(raw.encode()))) as gw:
            out = run_cli(tmp_path, gw.base_url, "chat", "hi")
            assert (out.code, out.stdout) == (0, "ok\n")
            out = run_cli(tmp_path, gw.base_url, "chat", "--json", "hi")
            assert strict_json(out.stdout)["usage"]["cost"] is None or cost.startswith('"')
    rows = ledger_rows(tmp_path)
    assert len(rows) == 10 and all(row["cost_usd"] is None for row in rows)


def test_content_of_the_wrong_type_is_a_malformed_response(tmp_path):
    for message in ({"role": "assistant", "content": 123}, {"role": "assistant"}, "text", None):
        body = completion()
        body["choices"][0]["message"] = message
        with HostileGateway(lambda x: x.send(json_response(body))) as gw:
            out = run_cli(tmp_path, gw.base_url, "chat", "hi")
        assert (out.code, out.stdout) == (7, ""), message
        assert out.stderr == ("lowrouter: error: malformed response: the answer's message has no text content "
                              "(generation gen-1)\n")


def test_lone_surrogates_become_replacement_characters(tmp_path):
    raw = json.dumps(completion("a\ud800b")).encode()  # json.dumps writes the escape "\ud800"
    with HostileGateway(lambda x: x.send(json_response(raw))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stdout) == (0, "a\ufffdb\n")


def test_an_emoji_split_across_two_events_is_joined(tmp_path):
    stream = sse(chunk("smile \ud83d"), chunk("\ude00!"), chunk("\udc00 \ud83d"), chunk(finish="stop"))
    with HostileGateway(lambda x: x.send(sse_response(stream))) as gw:
        out = run_cli(tmp_path, gw.base_url, "stream", "hi")
    assert (out.code, out.stderr) == (0, "")
    assert out.stdout == "smile \U0001F600!\ufffd \ufffd\n"


def test_surrogates_in_metadata_never_cost_the_answer(tmp_path):
    body = completion("The answer.", model="bad\udfffmodel", lowrouter={"generation_id": "gen-\ud800x",
                                                                       "routed": {"provider": "p\udc00"}})
    with HostileGateway(lambda x: x.send(json_response(json.dumps(body).encode()))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stdout, out.stderr) == (0, "The answer.\n", "")
    entry = ledger_rows(tmp_path)[-1]
    assert (entry["model"], entry["generation_id"], entry["provider"]) == (
        "bad\ufffdmodel", "gen-\ufffdx", "p\ufffd")


def test_deeply_nested_json_in_the_cache_and_history_is_ignored(tmp_path):
    deep = "[" * 100000 + "]" * 100000
    with HostileGateway(lambda x: x.send(json_response(MODELS))) as gw:
        cache = tmp_path / "cache" / models_cache_name(gw.base_url)
        cache.parent.mkdir(parents=True)
        cache.write_text('{"fetched_at": 1, "body": {"data": ' + deep + "}}")
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "history.jsonl").write_text(deep + "\n")
        assert model_completion.model_ids_in(cache) == []
        out = run_cli(tmp_path, gw.base_url, "models")
        assert (out.code, out.stderr) == (0, "")
        out = run_cli(tmp_path, gw.base_url, "generation", "--list")
        assert out.code == 0
        out = run_cli(tmp_path, gw.base_url, "generation", "last")
        assert (out.code, out.stderr) == (2, "lowrouter: error: no generation in the ledger yet: run "
                                              "lowrouter chat or stream first\n")


def test_a_model_cache_over_the_json_cap_is_not_read(tmp_path):
    cache = tmp_path / models_cache_name("https://x")
    with open(cache, "w") as handle:
        handle.write('{"fetched_at": 1, "body": {"data": [{"id": "a"}], "pad": "' + "x" * (33 * 1024 * 1024) + '"}}')
    assert model_completion.model_ids_in(cache) == []


def test_a_generation_record_of_odd_types_is_shown_without_them(tmp_path):
    record = {"data": {"id": "gen-1", "model": "m", "streamed": "no", "cancelled": 0,
                       "lowrouter": {"routing_trace": {"strategy": "eco", "candidates": 5, "attempts": "x"}}}}
    with HostileGateway(lambda x: x.send(json_response(record))) as gw:
        for tty in (False, True):
            out = run_cli(tmp_path, gw.base_url, "generation", "gen-1", tty=tty)
            assert (out.code, out.stderr) == (0, "")
            assert "streamed" not in out.stdout and "cancelled" not in out.stdout
            assert "gen-1" in out.stdout


def test_generation_fields_of_the_wrong_type_are_left_out_with_a_warning_under_verbose(tmp_path):
    record = {"data": {"id": "gen-2", "model": 7, "streamed": "no", "tokens_prompt": -1, "total_cost": "0.1",
                       "lowrouter": {"eco": {"energy_wh": 2.0, "pue": "1.2"},
                                     "routing_trace": {"candidates": 5}}}}
    with HostileGateway(lambda x: x.send(json_response(record))) as gw:
        out = run_cli(tmp_path, gw.base_url, "generation", "gen-2", "-v", environ={"LOWROUTER_NO_LOG": "1"})
        quiet = run_cli(tmp_path, gw.base_url, "generation", "gen-2", environ={"LOWROUTER_NO_LOG": "1"})
    assert (out.code, quiet.code, quiet.stderr) == (0, 0, "")
    assert "streamed" not in quiet.stdout and "model" not in quiet.stdout and "energy" in quiet.stdout
    warnings = [line for line in out.stderr.splitlines() if "warning" in line]
    assert warnings == [f"lowrouter: warning: left out {name}: the gateway sent a value of the wrong type"
                        for name in ("model", "streamed", "tokens_prompt", "total_cost", "lowrouter.eco.pue",
                                     "lowrouter.routing_trace.candidates")]


def test_a_generation_record_that_is_not_an_object_is_malformed(tmp_path):
    with HostileGateway(lambda x: x.send(json_response([1, 2]))) as gw:
        out = run_cli(tmp_path, gw.base_url, "generation", "gen-3")
    assert (out.code, out.stdout, out.stderr) == (
        7, "", "lowrouter: error: malformed response: the generation record is not a JSON object (generation gen-3)\n")


def test_answer_metadata_of_the_wrong_type_is_left_out_with_a_warning_under_verbose(tmp_path):
    body = completion("Fine.", model=["m"], usage={"prompt_tokens": "3", "completion_tokens": 2, "cost": "NaN"},
                      lowrouter={"generation_id": "gen-4", "routed": {"provider": 5, "region": "eu"}})
    with HostileGateway(lambda x: x.send(json_response(body))) as gw:
        out = run_cli(tmp_path, gw.base_url, "chat", "-v", "hi")
        quiet = run_cli(tmp_path, gw.base_url, "chat", "hi")
    assert (out.code, out.stdout, quiet.code, quiet.stdout, quiet.stderr) == (0, "Fine.\n", 0, "Fine.\n", "")
    assert [line for line in out.stderr.splitlines() if "warning" in line] == [
        f"lowrouter: warning: left out {name}: the gateway sent a value of the wrong type"
        for name in ("usage.prompt_tokens", "usage.cost", "model", "lowrouter.routed.provider")]
