"""`lowrouter chat -i` in a real pseudo-terminal (pexpect) against the emulator: what reaches the
gateway turn by turn, Ctrl-C during an answer, slash commands, multi-line input, the input history
across sessions and the ledger. prompt_toolkit asks the terminal where its cursor is (CPR, ESC[6n)
each time it shows the prompt: answering that is how a test knows the prompt is up, and it lets the
status line be drawn (prompt_toolkit draws its bottom toolbar only once the terminal has answered)."""

from __future__ import annotations

import json
import os
import re
import stat

import pexpect
import pytest

from lowrouter_cli.emulator.scenarios import long_markdown

from conftest import TEST_KEY, lowrouter_command, process_environ
from ledger_run import Runner

CPR_REQUEST = b"\x1b[6n"
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|[\x08\r]")
UP, ESC_ENTER, CTRL_C = "\x1b[A", "\x1b\r", "\x03"
STATUS_LINE = re.compile(rb"pinned")  # "unpinned" or "pinned PROVIDER/REGION": in every status line


class Repl:
    def __init__(self, emulator, *args: str, env: dict | None = None) -> None:
        command = lowrouter_command("chat", "-i", *args)
        environ = process_environ(emulator.base_url, env={"TERM": "xterm", **(env or {})})
        self.child = pexpect.spawn(command[0], command[1:], env=environ, dimensions=(30, 120), timeout=15)
        # No sleeps of pexpect's own (50 ms before each send, 100 ms in close()): wait_for_prompt
        # waits for what the keys must not overtake, and end() for the exit.
        self.child.delaybeforesend = None
        self.child.delayafterclose = 0
        self.seen = b""
        self.drawn = b""  # the status line drawn after the last prompt, not yet returned
        self.wait_for_prompt()

    def wait_for_prompt(self, status_line: bool = True) -> str:
        """Everything written since the last prompt, escape codes removed; the prompt is up, and
        (unless it is a continuation prompt, which has none) so is its status line, so that keys
        sent next can't overtake it."""
        self.child.expect_exact(CPR_REQUEST)
        text = self.drawn + self.child.before
        self.child.send("\x1b[1;1R")  # the cursor is at the top: the toolbar goes at the bottom
        self.drawn = b""
        if status_line:
            self.child.expect(STATUS_LINE)
            self.drawn = self.child.before + self.child.after
        self.seen += text
        return ESCAPES.sub(b"", text).decode("utf-8", "replace")

    def ask(self, line: str) -> str:
        self.child.send(line + "\r")
        return self.wait_for_prompt()

    def until(self, text: str) -> None:
        self.child.expect_exact(text.encode())

    def end(self) -> str:
        self.child.sendeof()
        self.child.expect(pexpect.EOF)
        self.child.wait()
        self.child.close()
        assert self.child.exitstatus == 0
        return ESCAPES.sub(b"", self.child.before).decode("utf-8", "replace")


def sent_messages(emulator) -> list[list[dict]]:
    return [json.loads(r["body"])["messages"] for r in emulator.chat_requests()]


def sent_bodies(emulator) -> list[dict]:
    return [json.loads(r["body"]) for r in emulator.chat_requests()]


def test_three_turns_reach_the_gateway_in_order_the_ledger_holds_them_and_the_next_session_recalls_them(emulator):
    repl = Repl(emulator)
    first = repl.ask("one")
    assert "Hello from the LowRouter emulator" in first
    repl.ask("two")
    third = repl.ask("three")
    summary = repl.end()
    messages = sent_messages(emulator)
    assert [[m["content"] for m in turn if m["role"] == "user"] for turn in messages] == [
        ["one"], ["one", "two"], ["one", "two", "three"]]
    assert [m["role"] for m in messages[2]] == ["user", "assistant"] * 2 + ["user"]
    rows = Runner(emulator.base_url).rows()
    assert [(r["prompt"], r["outcome"]) for r in rows] == [("one", "ok"), ("two", "ok"), ("three", "ok")]
    assert len({r["conversation_id"] for r in rows}) == 1
    assert rows[0]["answer"] == messages[1][1]["content"]
    cid = rows[0]["conversation_id"]
    assert re.search(rf"session ended: 3 turns · [\d,]+ → [\d,]+ tokens · \$[\d.]+ .*· cid {cid}", summary)
    assert "lowrouter/auto · unpinned" in third  # the status line, drawn under the prompt
    history = Runner(emulator.base_url).data_dir / "input_history"  # what was typed, kept private
    assert stat.S_IMODE(os.stat(history).st_mode) == 0o600
    second = Repl(emulator)
    second.child.send(UP + "\r")  # the previous session's last line, recalled
    second.wait_for_prompt()
    second.end()
    assert sent_messages(emulator)[-1] == [{"role": "user", "content": "three"}]  # in a new conversation


def test_ctrl_c_during_an_answer_keeps_the_partial_text_and_the_session_goes_on(emulator):
    emulator.push_faults("ok chunk_delay=0.02")  # the first answer crawls: its 382 tokens take 7.6 s
    repl = Repl(emulator)
    repl.child.send("[[answer:long words=300]] tell me\r")
    repl.until("budget")  # its 14th token, 11 after the first heading and 2 s before the next one
    repl.child.send(CTRL_C)
    cancelled = repl.wait_for_prompt()
    assert "answer cancelled" in cancelled
    repl.ask("and then?")
    repl.end()
    rows = Runner(emulator.base_url).rows()
    assert [r["outcome"] for r in rows] == ["cancelled", "ok"]
    partial = rows[0]["answer"]
    # (the heading: shown well before the Ctrl-C, so surely noted as shown; not the last read's
    # text, which a Ctrl-C that lands while it is being drawn can still leave out)
    assert "Section 1" in partial and "Section 2" not in partial
    assert long_markdown(300).startswith(partial)  # the text received, as received
    second = sent_messages(emulator)[1]
    assert second[1] == {"role": "assistant", "content": partial}  # the partial answer stays in context


def test_model_region_provider_and_retry_commands_shape_the_next_requests(emulator):
    repl = Repl(emulator)
    repl.ask("first")
    assert "model: openai/gpt-4o-mini" in repl.ask("/model openai/gpt-4o-mini")
    repl.ask("/region eu-west")
    repl.ask("/provider openai")
    pinned = repl.ask("second")
    assert "openai/gpt-4o-mini · pinned openai/eu-west" in pinned
    repl.ask("/provider")  # no argument: unpinned
    repl.ask("third")
    repl.ask("/new")  # a conversation of one question, for /retry
    repl.ask("a question")
    repl.ask("/retry")  # sent again, without its first answer
    trace = repl.ask("/trace")  # the last generation's record, as `generation` shows it
    repl.end()
    bodies = sent_bodies(emulator)
    assert [(b["model"], b.get("route")) for b in bodies] == [
        ("lowrouter/auto", None),
        ("openai/gpt-4o-mini", {"region": "eu-west", "provider": "openai"}),
        ("openai/gpt-4o-mini", {"region": "eu-west"}),
        ("openai/gpt-4o-mini", {"region": "eu-west"}),
        ("openai/gpt-4o-mini", {"region": "eu-west"}),
    ]
    assert [b["messages"] for b in bodies[3:]] == [[{"role": "user", "content": "a question"}]] * 2
    rows = Runner(emulator.base_url).rows()
    assert [r["prompt"] for r in rows] == ["first", "second", "third", "a question", "a question"]
    assert rows[4]["generation_id"] in trace and "CO2e" in trace


def test_tab_completes_commands_and_model_ids_and_a_prompt_spans_lines_by_esc_enter_block_or_paste(emulator, run_cli):
    assert run_cli("models").returncode == 0  # the cached model list the completion reads
    repl = Repl(emulator)
    # A completion is computed in the background: wait until it is drawn before typing on.
    repl.child.send("/mo\t")
    repl.until("del")  # "/model "
    repl.child.send("anthropic/claude-3.5-h\t")
    repl.until("aiku")  # the whole id
    assert "model: anthropic/claude-3.5-haiku" in repl.ask("")
    repl.child.send("line one" + ESC_ENTER + "line two\r")
    repl.wait_for_prompt()
    repl.child.send('"""\r')
    repl.wait_for_prompt(status_line=False)  # the block's continuation prompt
    repl.child.send("alpha\r")
    repl.wait_for_prompt(status_line=False)
    repl.child.send('beta"""\r')
    repl.wait_for_prompt()
    repl.child.send("\x1b[200~pasted one\npasted two\x1b[201~\r")  # a bracketed paste keeps its newline
    repl.wait_for_prompt()
    repl.end()
    bodies = sent_bodies(emulator)
    assert [b["model"] for b in bodies] == ["anthropic/claude-3.5-haiku"] * 3
    assert [b["messages"][-1]["content"] for b in bodies] == [
        "line one\nline two", "alpha\nbeta", "pasted one\npasted two"]


def test_a_pinned_503_and_unknown_or_rejected_commands_cost_a_line_and_return_to_the_prompt(emulator, run_cli):
    assert run_cli("models").returncode == 0  # the cached list the 503's hint reads
    repl = Repl(emulator, "-m", "anthropic/claude-3.5-haiku", "--region", "eu-central", "--provider", "anthropic")
    failed = repl.ask("hi")
    assert "is up at anthropic/us-east, bedrock/eu-central" in failed  # named in session terms:
    assert "pin one of those with /provider and /region" in failed
    repl.ask("/provider bedrock")
    assert "Hello from the LowRouter emulator" in repl.ask("hi")
    assert "unknown command /modle; did you mean /model?" in repl.ask("/modle x")
    repl.ask("/region")
    repl.ask("/provider")
    repl.ask("/model nobody/nothing")
    rejected = repl.ask("hi")
    assert "error:" in rejected and "not a valid model ID" in rejected
    repl.ask("/model openai/gpt-4o-mini")
    assert "Hello from the LowRouter emulator" in repl.ask("hi again")
    repl.end()
    assert [r["outcome"] for r in Runner(emulator.base_url).rows()] == ["route_unavailable", "ok", "rejected", "ok"]


@pytest.mark.parametrize("stdin_isatty, stdout_isatty, which", [(False, True, "stdin"), (True, False, "stdout")])
def test_without_a_terminal_i_is_a_usage_error(run_cli, emulator, stdin_isatty, stdout_isatty, which):
    result = run_cli("chat", "-i", stdin_isatty=stdin_isatty, stdout_isatty=stdout_isatty)
    assert result.returncode == 2
    assert result.stderr == f"lowrouter: error: -i needs a terminal, and {which} is not one (ask once with `lowrouter chat PROMPT`)\n"
    assert emulator.chat_requests() == []


def test_i_with_json_is_a_usage_error(run_cli, emulator):
    result = run_cli("chat", "-i", "--json", stdin_isatty=True, stdout_isatty=True)
    assert (result.returncode, result.stderr) == (2, "lowrouter: error: -i can't be combined with --json or --curl\n")


def test_resuming_prints_the_last_exchange_continues_it_and_ctrl_c_clears_a_line_then_ends(emulator, run_cli):
    assert run_cli("chat", "the earlier question").returncode == 0
    repl = Repl(emulator, "-c")
    assert "> the earlier question" in ESCAPES.sub(b"", repl.seen).decode()
    repl.ask("and now?")
    repl.child.send("never sent")
    repl.child.send(CTRL_C)  # clears the line: the prompt stays up, no new one is drawn
    repl.child.send(CTRL_C)  # at an empty prompt: a hint, and the prompt again
    assert "Ctrl-C again, Ctrl-D or /exit ends the session" in repl.wait_for_prompt()
    repl.child.send(CTRL_C)
    repl.child.expect(pexpect.EOF)
    repl.child.wait()
    repl.child.close()
    assert repl.child.exitstatus == 0
    assert "session ended: 1 turn · " in ESCAPES.sub(b"", repl.child.before).decode()
    messages = sent_messages(emulator)
    assert [[m["content"] for m in turn if m["role"] == "user"] for turn in messages] == [
        ["the earlier question"], ["the earlier question", "and now?"]]  # and never "never sent"
    rows = Runner(emulator.base_url).rows()
    assert len(rows) == 2 and len({r["conversation_id"] for r in rows}) == 1
