"""`lowrouter logs` and its subcommands, and `generation` on the ledger: what each prints, in a pipe
and on a terminal, and what the switches record."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lowrouter_cli import ledger
from lowrouter_cli.ledger import Exchange
from lowrouter_cli.logs_job import fenced_blocks
from ledger_run import Runner

ANSWER = "Use this:\n\n```sql\nCREATE INDEX ON items USING hnsw (embedding);\n```\n\nthen\n\n~~~\nSELECT 1;\n~~~\n"


@pytest.fixture
def lr(emulator):
    return Runner(emulator.base_url)


def seed(lr):
    """Three exchanges in two conversations, a minute apart: vectors, haiku, vectors again."""
    rows = [
        dict(conversation_id="vec0000001", prompt="How do vector databases index?", answer="With HNSW graphs.",
             model="openai/gpt-4o-mini", requested_model="lowrouter/auto", provider="openai", region="eu-west",
             prompt_tokens=8, completion_tokens=5, cost_usd="0.0000042", generation_id="gen-a"),
        dict(conversation_id="hai0000002", prompt="Write a haiku", answer="autumn moonlight\x1b[31m red",
             model="mistral/mistral-small", requested_model="mistral/mistral-small", prompt_tokens=3,
             completion_tokens=6, cost_usd="0.000002", generation_id="gen-b", co2e_g=0.0021),
        dict(conversation_id="vec0000001", prompt="And in PostgreSQL?", answer=ANSWER, model="openai/gpt-4o-mini",
             requested_model="lowrouter/auto", provider="openai", region="eu-west", prompt_tokens=30,
             completion_tokens=40, cost_usd="0.0000285", generation_id="gen-c"),
    ]
    for values in rows:
        assert ledger.record(lr.env(), Exchange(**values), print)


def tsv(result):
    lines = result.stdout.splitlines()
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


def test_an_empty_ledger_lists_nothing_and_creates_nothing(lr):
    result = lr("logs")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        "time\tconversation_id\tmodel\toutcome\tprompt_tokens\tcompletion_tokens\tcost_usd\tco2e_g\t"
        "generation_id\tprompt\tanswer"]
    assert lr("logs", "--json").stdout == "[]\n"
    on_terminal = lr("logs", "--color", "never", tty=True)
    assert (on_terminal.stdout, on_terminal.stderr) == ("", "lowrouter: no exchange in the ledger matches\n")
    assert not lr.data_dir.exists()


def test_a_pipe_gets_tsv_newest_first_one_row_each(lr):
    seed(lr)
    header, rows = tsv(lr("logs"))
    assert [row[header.index("prompt")] for row in rows] == [
        "And in PostgreSQL?", "Write a haiku", "How do vector databases index?"]
    assert all(len(row) == len(header) for row in rows)  # newlines and tabs in answers are escaped
    first = dict(zip(header, rows[0]))
    assert (first["conversation_id"], first["cost_usd"], first["generation_id"]) == ("vec0000001", "0.0000285", "gen-c")
    assert first["answer"].startswith("Use this:\\n\\n```sql")
    assert dict(zip(header, rows[1]))["co2e_g"] == "0.0021"
    assert len(tsv(lr("logs", "-n", "1"))[1]) == 1
    assert len(tsv(lr("logs", "-n", "0"))[1]) == 3
    assert len(tsv(lr("logs", "-n", str(10**30)))[1]) == 3


@pytest.mark.parametrize("args, prompts", [
    (["-q", "hnsw"], ["And in PostgreSQL?", "How do vector databases index?"]),
    (["-q", "HNSW embedding"], ["And in PostgreSQL?"]),
    (["-q", "haiku"], ["Write a haiku"]),
    (["-q", "no-such-words"], []),
    (["-m", "mistral/mistral-small"], ["Write a haiku"]),
    (["-m", "lowrouter/auto", "-n", "1"], ["And in PostgreSQL?"]),
    (["--cid", "vec"], ["And in PostgreSQL?", "How do vector databases index?"]),
    (["--since", "2026-11-18T11:08:30Z"], ["And in PostgreSQL?", "Write a haiku"]),
    (["--until", "2026-11-18T11:08:30Z"], ["How do vector databases index?"]),
    (["--since", "90s"], ["And in PostgreSQL?"]),
    (["--since", "1d", "--until", "2026-11-18"], []),
])
def test_filters(lr, args, prompts):
    seed(lr)
    header, rows = tsv(lr("logs", *args))
    assert [row[header.index("prompt")] for row in rows] == prompts


@pytest.mark.parametrize("args, needle", [
    (["--since", "yesterday"], "--since wants"), (["--cid", "zzz"], "no conversation 'zzz'"),
    (["-n", "-1"], "-1")])
def test_bad_filters_are_usage_errors(lr, args, needle):
    seed(lr)
    result = lr("logs", *args)
    assert result.returncode == 2 and result.stdout == "" and needle in result.stderr
    assert result.stderr.count("\n") == 1


def test_json_has_the_documented_fields(lr):
    seed(lr)
    [newest, *_] = json.loads(lr("logs", "--json").stdout)
    assert {key: newest[key] for key in ("conversation_id", "time", "model", "prompt", "answer", "generation_id",
                                         "cost_usd", "prompt_tokens", "completion_tokens", "outcome")} == {
        "conversation_id": "vec0000001", "time": "2026-11-18T11:09:40.000000Z", "model": "openai/gpt-4o-mini",
        "prompt": "And in PostgreSQL?", "answer": ANSWER, "generation_id": "gen-c", "cost_usd": "0.0000285",
        "prompt_tokens": 30, "completion_tokens": 40, "outcome": "ok"}


def test_response_and_code_blocks_are_exact_in_a_pipe(lr):
    seed(lr)
    assert lr("logs", "-r").stdout == ANSWER
    assert lr("logs", "-r", "-q", "haiku").stdout == "autumn moonlight\x1b[31m red\n"  # exact: it's a pipe
    assert lr("logs", "-x").stdout == "CREATE INDEX ON items USING hnsw (embedding);\n"
    assert lr("logs", "--xl").stdout == "SELECT 1;\n"
    none = lr("logs", "-x", "-q", "haiku")
    assert none.returncode == 2 and none.stdout == "" and "no fenced code block" in none.stderr
    assert lr("logs", "-r", "-q", "nothing-like-it").returncode == 2


def test_a_terminal_never_gets_control_sequences_from_the_ledger(lr):
    seed(lr)
    for args in (["logs"], ["logs", "-r", "-q", "haiku"], ["logs", "show", "hai"]):
        result = lr(*args, tty=True)
        assert result.returncode == 0 and "\x1b[31m" not in result.stdout and "\\x1b" in result.stdout, args


def test_show_renders_a_conversation_with_each_turns_tokens_and_cost(lr):
    seed(lr)
    shown = lr("logs", "show", "vec")
    assert shown.returncode == 0
    assert shown.stdout.startswith("# Conversation vec0000001\n\n2 exchanges, $0.0000327 in all\n")
    assert "## 1 · 2026-11-18 11:07:40 UTC · openai/gpt-4o-mini (openai, eu-west) · 8 → 5 tokens · $0.0000042\n" \
        in shown.stdout
    assert "> And in PostgreSQL?\n\n" + ANSWER in shown.stdout
    assert lr("logs", "show").stdout == shown.stdout  # the most recent conversation
    assert lr("logs", "show", "zzz").returncode == 2


def test_path_status_off_on_and_the_environment(lr):
    assert lr("logs", "path").stdout == f"{lr.data_dir / 'ledger.db'}\n"
    assert lr("chat", "one").returncode == 0
    off = lr("logs", "off")
    assert off.returncode == 0 and "logging is off" in off.stderr
    assert lr("chat", "two").returncode == 0
    status = lr("logs", "status")
    assert status.stdout.splitlines()[:4] == ["logging: off (lowrouter logs off)", f"path: {lr.data_dir / 'ledger.db'}",
                                              "exchanges: 1", "conversations: 1"]
    assert lr("logs", "on").returncode == 0
    assert json.loads(lr("logs", "status", "--json", LOWROUTER_NO_LOG="1").stdout)["off_by"] == "LOWROUTER_NO_LOG"
    lr("chat", "three", LOWROUTER_NO_LOG="1")
    lr("chat", "four")
    assert [row["prompt"] for row in lr.rows()] == ["one", "four"]


def test_rm_removes_a_conversation_and_its_text(lr):
    seed(lr)
    removed = lr("logs", "rm", "vec")
    assert removed.returncode == 0 and removed.stderr == "lowrouter: removed conversation vec0000001 (2 exchanges)\n"
    assert [row["prompt"] for row in lr.rows()] == ["Write a haiku"]
    assert tsv(lr("logs", "-q", "hnsw"))[1] == []
    assert lr("logs", "rm", "vec").returncode == 2
    for name in ("ledger.db", "ledger.db-wal"):
        path = lr.data_dir / name
        assert not path.exists() or b"PostgreSQL" not in path.read_bytes()  # secure_delete


def test_generation_list_reads_the_ledger_newest_first(lr):
    seed(lr)
    header, rows = tsv(lr("generation", "--list", "-n", "2"))
    assert header[-1] == "co2e_g" and [row[1] for row in rows] == ["gen-c", "gen-b"]
    assert rows[1][header.index("cost")] == "0.000002" and rows[1][-1] == "0.0021"
    listed = json.loads(lr("generation", "--list", "--json", "-n", "0").stdout)
    assert [entry["generation_id"] for entry in listed] == ["gen-c", "gen-b", "gen-a"]


def test_a_fetched_generation_record_is_kept_and_shown_again_without_the_network(lr, emulator):
    assert lr("chat", "hi").returncode == 0
    first = lr("generation", "last", "--json")
    assert first.returncode == 0
    [row] = lr.rows()
    record = json.loads(first.stdout)
    assert row["co2e_g"] == record["lowrouter"]["eco"]["co2e_g"] and row["grid_zone"] == "FR"
    assert json.loads(row["routing_trace"]) == record["lowrouter"]["routing_trace"]
    fetched = len([r for r in emulator.state.requests if r["path"].startswith("/generation")])
    again = lr("generation", row["generation_id"], "--json")
    assert json.loads(again.stdout) == record
    assert len([r for r in emulator.state.requests if r["path"].startswith("/generation")]) == fetched
    assert tsv(lr("logs"))[1][0][7] == f"{row['co2e_g']:g}"


@pytest.mark.parametrize("markdown, blocks", [
    ("no code", []),
    ("```\na\n```", ["a\n"]),
    ("```python\nx = 1\n\ny = 2\n```\ntext\n~~~~\n```\nnot a fence\n~~~~\n", ["x = 1\n\ny = 2\n", "```\nnot a fence\n"]),
    ("   ```\nindented\n   ```", ["indented\n"]),
    ("```\nunclosed\nto the end", ["unclosed\nto the end\n"]),
    ("``` a`b\nnot a fence", []),
    ("````\n```\n````", ["```\n"]),
])
def test_fenced_blocks(markdown, blocks):
    assert fenced_blocks(markdown) == blocks


def test_help_version_and_completion_never_open_the_ledger(tmp_path):
    code = ("import sys; from lowrouter_cli.entry import main; sys.argv = ['lowrouter', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('sqlite3' in sys.modules, file=sys.stderr)")
    environ = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    for args in (["--version"], ["--help"], ["logs", "--help"], ["chat", "--help"], ["__complete-models"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=environ,
                              timeout=60)
        assert done.stderr.strip().splitlines()[-1] == "False", (args, done.stderr)
    assert list(tmp_path.iterdir()) == []
