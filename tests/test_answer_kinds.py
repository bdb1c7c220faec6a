"""Every kind of answer, through the emulator and `cli.run()` in-process: what reaches stdout and
stderr, and the exit code a script sees (10 when there is no usable answer)."""

import io
import json

import pytest

from lowrouter_cli import cli
from lowrouter_cli.context import Environment
from lowrouter_cli.emulator.answers import REFUSAL, TOOL_ARGUMENTS, reasoning_text, shape_answer
from lowrouter_cli.emulator.scenarios import answer_for

from conftest import TEST_KEY

ANSWER = answer_for("hi", None)


@pytest.fixture
def run(emulator, tmp_path):
    def run(*argv, tty=False, environ=None, clock=None):
        out, err = io.StringIO(), io.StringIO()
        more = {"monotonic": clock} if clock else {}
        env = Environment(stdin=io.StringIO(""), stdout=out, stderr=err, stdout_isatty=tty, stderr_isatty=tty, **more,
                          environ={"LOWROUTER_BASE_URL": emulator.base_url, "LOWROUTER_API_KEY": TEST_KEY,
                                   "COLUMNS": "100", **(environ or {})},
                          config_dir=tmp_path / "config", cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                          sleep=lambda seconds: None)
        return cli.run(env, list(argv)), out.getvalue(), err.getvalue()

    return run


def error_line(stderr):
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("lowrouter: error: ") and "(generation gen-" in lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_plain_answer_exits_0(run, command):
    assert run(command, "hi") == (0, ANSWER + "\n", "")


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_reasoning_then_answer_shows_only_the_answer(run, command):
    assert run(command, "hi [[answer:reasoning]]") == (0, answer_for("hi [[answer:reasoning]]", None) + "\n", "")


@pytest.mark.parametrize("command", ["chat", "stream"])
@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_reasoning_that_eats_the_budget_is_exit_10(run, command, field):
    code, out, err = run(command, f"hi [[answer:reasoning_only field={field}]]")
    assert (code, out) == (10, "")
    assert "spent its whole budget on 40 reasoning tokens (finish_reason length); try a larger --max-tokens" \
        in error_line(err)


def test_max_tokens_spent_on_reasoning(run, emulator):
    code, out, err = run("stream", "--max-tokens", "12", "hi [[answer:reasoning words=40]]")
    assert (code, out) == (10, "") and "12 reasoning tokens" in error_line(err)
    assert json.loads(emulator.chat_requests()[-1]["body"])["max_tokens"] == 12


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_refusal_is_printed_on_stderr_and_exit_10(run, command):
    code, out, err = run(command, "hi [[answer:refusal]]")
    assert (code, out) == (10, "")
    assert error_line(err).startswith(f"lowrouter: error: the model refused: {REFUSAL} (generation gen-")


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_tool_call_names_the_tool_and_exit_10(run, command):
    code, out, err = run(command, "hi [[answer:tool_call]]")
    assert (code, out) == (10, "")
    assert f"the model asked to run a tool, and lowrouter runs no tools: get_weather({TOOL_ARGUMENTS})" \
        in error_line(err)


def test_tool_call_in_json(run):
    code, out, err = run("chat", "--json", "hi [[answer:tool_call]]")
    call = json.loads(out)["choices"][0]["message"]["tool_calls"][0]
    assert code == 10 and call["function"] == {"name": "get_weather", "arguments": TOOL_ARGUMENTS}
    code, out, err = run("stream", "--json", "hi [[answer:tool_call]]")
    chunks = [json.loads(line) for line in out.splitlines()]
    fragments = [c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                 for c in chunks if c["choices"] and "tool_calls" in c["choices"][0]["delta"]]
    assert code == 10 and "".join(fragments) == TOOL_ARGUMENTS and "get_weather" in error_line(err)


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_content_filter_keeps_the_partial_text_and_exit_10(run, command):
    prompt = "hi [[answer:content_filter]]"
    partial = "".join(shape_answer(prompt, "content_filter", None).content)
    code, out, err = run(command, prompt)
    assert (code, out) == (10, partial + "\n") and partial
    assert "stopped by the gateway's content filter (the text so far was kept)" in error_line(err)


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_cut_off_answer_is_kept_with_a_notice_and_exit_0(run, command):
    prompt = "hi [[answer:length]]"
    partial = "".join(shape_answer(prompt, "length", None).content)
    assert run(command, prompt) == (0, partial + "\n", "lowrouter: the answer was cut off at the token limit "
                                    "(finish_reason length); a larger --max-tokens allows a longer one\n")


def test_max_tokens_cut_is_a_notice_too(run):
    code, out, err = run("stream", "--max-tokens", "3", "hi")
    assert (code, out) == (0, "Hello from the\n") and "cut off at the token limit" in err


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_empty_answer_is_exit_10(run, command):
    code, out, err = run(command, "[[answer:length after=0]]")
    assert (code, out) == (10, "") and "the model gave an empty answer (finish_reason length)" in error_line(err)


@pytest.mark.parametrize("kind", ["not_json", "not_object", "choices", "content"])
def test_malformed_data_is_exit_7_keeping_the_text(run, kind):
    code, out, err = run("stream", f"[[fault:malformed kind={kind} after=3]]")
    assert code == 7 and out == "Hello from the\n"  # three words shown, then the bad chunk
    assert "malformed response: " in error_line(err)


def test_malformed_data_in_json_mode_is_reemitted_then_exit_7(run):
    code, out, err = run("stream", "--json", "[[fault:malformed kind=not_json after=1]]")
    lines = out.splitlines()
    assert code == 7 and json.loads(lines[-1]).startswith('{"choices": [{"delta"')
    assert "a data line that is not JSON" in error_line(err)


def test_malformed_content_in_a_whole_answer_is_exit_7():
    from lowrouter_cli import api
    from lowrouter_cli.errors import GatewayError

    with pytest.raises(GatewayError, match="malformed response: the answer.s message has no text content"):
        api.parse_completion({"choices": [{"message": {"content": ["a"]}, "finish_reason": "stop"}]})


def test_stream_asks_for_usage_and_the_footer_has_it(run, emulator):
    code, out, err = run("stream", "hi [[answer:reasoning]]", tty=True)
    body = json.loads(emulator.chat_requests()[-1]["body"])
    assert body["stream_options"] == {"include_usage": True}
    tokens = len(shape_answer("", "reasoning", None).content) + 40
    assert code == 0 and f"→ {tokens} tokens (40 reasoning)" in err


def test_history_and_generation_list_carry_reasoning_tokens_and_outcomes(run):
    run("stream", "hi [[answer:reasoning]]")
    run("chat", "hi [[answer:refusal]]")
    run("stream", "hi [[answer:tool_call]]")
    code, out, _ = run("generation", "--list", "--json")
    entries = json.loads(out)
    assert [(e["reasoning_tokens"], e["outcome"]) for e in entries][:3] == \
        [(0, "no_answer"), (0, "no_answer"), (40, "ok")]  # newest first; the gateway says 0


def test_thinking_status_on_a_terminal_cleared_when_content_starts(run):
    # A clock that stands still: the first reasoning token draws the status, no later one redraws it.
    code, out, err = run("stream", "hi [[answer:reasoning words=5]]", tty=True, clock=lambda: 100.0)
    assert code == 0
    drawn = "\r\x1b[2K\x1b[2mthinking… 0 s · 1 reasoning token\x1b[0m\r\x1b[2K"  # drawn at once, then cleared
    assert err.count(drawn) == 1 and err.count("thinking") == 1
    assert reasoning_text(5).split()[0] not in out + err  # the text itself is not shown


def test_thinking_status_redraws_at_most_ten_times_a_second():
    from lowrouter_cli.render.reasoning import ReasoningView

    times = iter([0.0, 0.0, 0.05, 0.1, 0.15, 12.2])  # created, then one reasoning token at each
    err = io.StringIO()
    view = ReasoningView(Environment(stderr=err, stderr_isatty=True, environ={"TERM": "xterm", "NO_COLOR": "1"},
                                     color="never", monotonic=lambda: next(times)), show_text=False)
    for _ in range(5):
        view.reasoning("x")
    view.end()
    assert err.getvalue() == ("\rthinking… 0 s · 1 reasoning token" "\rthinking… 0 s · 3 reasoning tokens"
                              "\rthinking… 12 s · 5 reasoning tokens" "\r" + " " * 35 + "\r")


def test_no_status_in_a_pipe(run):
    assert run("stream", "hi [[answer:reasoning words=5]]")[2] == ""


REASONING = reasoning_text(5)


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_reasoning_option_shows_the_text_on_stderr_in_a_pipe(run, command):
    prompt = "hi [[answer:reasoning words=5]]"
    code, out, err = run(command, "--reasoning", prompt)
    assert (code, out, err) == (0, answer_for(prompt, None) + "\n", REASONING + "\n")


def test_reasoning_text_is_dim_on_a_terminal(run):
    code, out, err = run("stream", "--reasoning", "hi [[answer:reasoning words=5]]", tty=True)
    assert code == 0 and err.startswith(f"\x1b[2m{REASONING}\x1b[0m\n") and "thinking" not in err
    assert REASONING not in out


def test_reasoning_text_never_writes_controls(run, emulator):
    from lowrouter_cli.events import Reasoning
    from lowrouter_cli.render.reasoning import ReasoningView

    err = io.StringIO()
    env = Environment(stderr=err, stderr_isatty=True, environ={"TERM": "xterm"})
    view = ReasoningView(env, show_text=True)
    view.reasoning("a\x1b]52;c;payload\x07b\x9bc")
    view.end()
    assert "\x1b]" not in err.getvalue() and "\x9b" not in err.getvalue() and "\x07" not in err.getvalue()


@pytest.mark.parametrize("setting", [{"LOWROUTER_REASONING": "1"}, "config"])
def test_reasoning_from_the_environment_or_config(run, setting):
    environ = setting if isinstance(setting, dict) else None
    if setting == "config":
        assert run("config", "set", "reasoning", "true")[0] == 0
    code, out, err = run("stream", "hi [[answer:reasoning words=5]]", environ=environ)
    assert code == 0 and err == REASONING + "\n"
    assert run("stream", "--no-reasoning", "hi [[answer:reasoning words=5]]", environ=environ)[2] == ""


def test_reasoning_setting_must_be_a_boolean(run):
    code, out, err = run("config", "set", "reasoning", "maybe")
    assert code == 2 and "reasoning from the command line must be true or false" in err


class Bytes:
    def __init__(self, payloads):
        self.chunks = [f"data: {json.dumps(p)}\n\n".encode() for p in payloads] + [b"data: [DONE]\n\n"]
        self.headers = {}

    def __iter__(self):
        return iter(self.chunks)


USAGE = {"prompt_tokens": 3, "completion_tokens": 5, "completion_tokens_details": {"reasoning_tokens": 2}}


@pytest.mark.parametrize("payloads, expected", [
    ([{"choices": [{"delta": {"content": "a"}, "finish_reason": "stop"}], "usage": USAGE}], (5, 2)),
    ([{"choices": [{"delta": {"content": "a"}, "finish_reason": "stop"}]}, {"choices": [], "usage": USAGE}], (5, 2)),
    ([{"choices": [{"delta": {"content": "a"}, "finish_reason": "stop"}], "usage": None}], None),
])
def test_usage_from_wherever_it_comes(payloads, expected):
    from lowrouter_cli import api

    stream = api.ChatStream(Bytes(payloads))
    list(stream)
    usage = stream.usage
    assert (usage and (usage.completion_tokens, usage.reasoning_tokens)) == expected


@pytest.mark.parametrize("command", ["chat", "stream"])
def test_the_ledger_keeps_the_reasoning_and_its_tokens(run, tmp_path, command):
    import sqlite3

    assert run(command, "hi [[answer:reasoning words=5]]")[0] == 0
    with sqlite3.connect(tmp_path / "data" / "ledger.db") as db:
        row = db.execute("SELECT reasoning, reasoning_tokens, outcome FROM exchanges").fetchone()
    assert row == (REASONING, 5, "ok")


def test_echo_says_the_prompt_back_with_its_directives_or_bare_without_them():
    prompt = "Two words.\n[[answer:echo bare=1]] [[fault:ok chunk_delay=0.01]]"
    assert answer_for(prompt, "echo") == prompt
    assert answer_for(prompt, "echo bare=1") == "Two words."
