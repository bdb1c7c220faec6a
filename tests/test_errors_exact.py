"""errors.py to the word: the error envelope's text as it will be printed and recorded, and an
error's own fields (found by mutmut: each test fails for a changed line)."""

import json
import sqlite3

import pytest
from hostile import HostileGateway, json_response, run_cli, sse, sse_response

from lowrouter_cli import errors


def test_lone_surrogates_in_an_error_envelope_become_replacement_characters():
    message, details = errors.parse_error_envelope(
        {"lowrouter": {"generation_id": "gen-\ud800x"},
         "error": {"message": "bo\udfffom", "metadata": {"error_type": "t\ud83d"}}})
    assert (message, details) == ("bo\ufffdom", {"generation_id": "gen-\ufffdx", "error_type": "t\ufffd"})
    assert errors.parse_error_envelope({"error": "a\ud800", "lowrouter": {"generation_id": "g"}}) == (
        "a\ufffd", {"generation_id": "g"})
    assert errors.parse_error_envelope({"error": {"message": "\U0001f600 ok", "type": "x"}}) == (
        "\U0001f600 ok", {"error_type": "x"})


def ledger_rows(tmp_path):
    connection = sqlite3.connect(tmp_path / "data" / "ledger.db")
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute("SELECT * FROM exchanges ORDER BY id")]


BAD = {"lowrouter": {"generation_id": "gen-\ud800x"}, "error": {"message": "bo\ud800om", "code": 502}}


@pytest.mark.parametrize("command, reply, code", [
    ("chat", json_response(json.dumps(BAD).encode()), 7),
    ("chat", json_response(json.dumps(BAD).encode(), status="400 Bad Request"), 4),
    ("stream", sse_response(sse(BAD)), 7),
])
def test_an_error_with_lone_surrogates_is_still_printed_and_recorded(tmp_path, command, reply, code):
    # They used to make the stderr write fail (UnicodeEncodeError), which was taken for a closed
    # stderr: the exit code came without its message.
    with HostileGateway(lambda x: x.send(reply)) as gw:
        out = run_cli(tmp_path, gw.base_url, command, "hi")
    assert (out.code, out.stdout) == (code, "")
    assert out.stderr == "lowrouter: error: bo\ufffdom (generation gen-\ufffdx)\n"
    assert ledger_rows(tmp_path)[-1]["generation_id"] == "gen-\ufffdx"


def test_an_error_carries_its_message_as_its_argument_and_every_detail():
    error = errors.RateLimited("slow down", status=429, error_type="t", availability={"a": 1},
                               generation_id="g", retry_after="5")
    assert error.args == ("slow down",) and repr(error) == "RateLimited('slow down')"
    assert (error.message, error.status, error.error_type, error.availability, error.generation_id,
            error.retry_after, error.exit_code) == ("slow down", 429, "t", {"a": 1}, "g", "5", 5)
