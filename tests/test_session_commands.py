"""The session's slash commands and status line, in-process (no terminal needed): each against a
small stand-in for the session, asserting what it writes, changes or refuses."""

from __future__ import annotations

import base64
import io

import pytest

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.records import Eco, GenerationRecord
from lowrouter_cli.session_commands import run_command
from lowrouter_cli.session_state import SessionState, Turn


class FakeSession:
    def __init__(self) -> None:
        self.env = Environment(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=True)
        self.state = SessionState("cid123", True, "openai/gpt-4o-mini")
        self.said: list[str] = []

    def say(self, line: str) -> None:
        self.said.append(line)

    def model_ids(self) -> list[str]:
        return ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"]


def test_copy_sends_the_last_answer_by_osc_52_only_when_asked():
    session = FakeSession()
    with pytest.raises(UsageError, match="no answer to copy yet"):
        run_command(session, "/copy")
    session.state.turns.append(Turn("q", "the answer ✓", "m"))
    assert session.env.stdout.getvalue() == ""
    run_command(session, "/copy")
    payload = base64.b64encode("the answer ✓".encode()).decode()
    assert session.env.stdout.getvalue() == f"\x1b]52;c;{payload}\x07"


def test_save_writes_the_conversation_as_markdown_and_never_over_a_file(tmp_path):
    session = FakeSession()
    session.state.system = "Be brief"
    session.state.turns += [Turn("one?", "First.", "openai/gpt-4o-mini"), Turn("two?", "Second.\n", None)]
    target = tmp_path / "talk.md"
    run_command(session, f"/save {target}")
    assert target.read_text() == ("# Conversation cid123\n\n**System:** Be brief\n\n"
                                  "## You\n\none?\n\n## openai/gpt-4o-mini\n\nFirst.\n\n"
                                  "## You\n\ntwo?\n\n## Answer\n\nSecond.\n")
    with pytest.raises(UsageError, match="exists: give another name"):
        run_command(session, f"/save {target}")


def test_route_model_and_system_commands_change_the_state():
    session = FakeSession()
    run_command(session, "/region eu-west")
    run_command(session, "/provider openai")
    assert session.state.pin() == "pinned openai/eu-west"
    run_command(session, "/region")
    assert (session.state.region, session.state.provider) == (None, "openai")
    run_command(session, "/model anthropic/claude-3.5-haku")
    assert session.state.model == "anthropic/claude-3.5-haku"
    assert "did you mean anthropic/claude-3.5-haiku?" in session.said[-2]
    run_command(session, "/system Answer in French")
    assert session.state.system == "Answer in French"
    run_command(session, "/system")
    assert session.state.system is None


@pytest.mark.parametrize("line, message", [("/modle x", "unknown command /modle; did you mean /model?"),
                                           ("/zzz", "unknown command /zzz; /help lists them"),
                                           ("/retry", "nothing to retry yet"),
                                           ("/save", "give a file name: /save FILE")])
def test_bad_commands_are_one_usage_error(line, message):
    with pytest.raises(UsageError) as raised:
        run_command(FakeSession(), line)
    assert raised.value.one_line() == message


def test_the_status_line_shows_context_cost_and_co2e_once_a_record_is_in():
    state = SessionState("cid123", True, "openai/gpt-4o-mini", region="eu-west")
    assert state.status(128000) == "openai/gpt-4o-mini · pinned eu-west · 0/128,000 tokens · $?"
    state.conversation_tokens, state.cost, state.cost_known = 1234, 0.00012, True
    state.records["gen-1"] = GenerationRecord(id="gen-1", eco=Eco(energy_wh=0.2, co2e_g=0.0081))
    assert state.status(None) == "openai/gpt-4o-mini · pinned eu-west · 1,234 tokens · $0.00012 · 8.1 mg CO2e"
    assert state.summary() == ("session ended: 0 turns · 0 → 0 tokens · $0.00012 · 200 mWh, 8.1 mg CO2e "
                               "(1 record) · cid cid123")


def test_edit_sends_what_the_editor_wrote_and_nothing_when_it_fails():
    session = FakeSession()
    session.env.environ = {"EDITOR": "sh -c 'printf \"  a long\\nprompt \\n\" > \"$1\"' sh"}
    assert run_command(session, "/edit") == "a long\nprompt"
    session.env.environ = {"EDITOR": "false"}
    with pytest.raises(UsageError, match="the editor 'false' exited with 1: nothing sent"):
        run_command(session, "/edit")


def test_cost_says_what_the_session_spent_and_that_no_record_is_in_yet():
    session = FakeSession()
    session.state.sent, session.state.prompt_tokens, session.state.completion_tokens = 2, 40, 50
    session.state.cost, session.state.cost_known = 0.000039, True
    run_command(session, "/cost")
    assert session.said == ["exchanges: 2", "tokens: 40 prompt, 50 completion", "cost: $0.000039",
                            "energy and CO2e: no generation record fetched yet"]
