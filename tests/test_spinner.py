"""A sign of life: a spinner with the seconds waited, on a terminal's stderr only, gone without a
trace before the answer."""

import io

from lowrouter_cli.cli import run
from lowrouter_cli.render.spinner import Spinner, start_waiting

from conftest import TEST_KEY
from terminal_screen import capture_in_process as capture


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_frames_show_elapsed_seconds_and_clear_to_nothing():
    out, clock = io.StringIO(), Clock()
    spinner = Spinner(out, clock, "waiting", width=80)
    spinner.tick()
    assert out.getvalue() == ""  # within the grace period: nothing at all (no flicker)
    clock.now += 1.25
    spinner.tick()
    clock.now += 1.0
    spinner.tick()
    spinner.stop()
    spinner.tick()  # after stop: nothing more
    assert out.getvalue() == "\r⠋ waiting 1.2 s\r⠙ waiting 2.2 s\r               \r"


def test_a_narrow_terminal_never_wraps_the_spinner_line():
    out, clock = io.StringIO(), Clock()
    spinner = Spinner(out, clock, "waiting for the first token", width=12)
    clock.now += 3
    spinner.tick()
    assert out.getvalue() == "\r⠋ waiting f"


def test_other_stderr_lines_clear_the_spinner_first(fake_env):
    clock = Clock()
    env = fake_env(stderr_isatty=True, monotonic=clock, color="never")
    real = env.stderr
    waiting = start_waiting(env, "waiting", animate=False)
    spinner = waiting._spinner
    clock.now += 2
    spinner.tick()
    env.stderr.write("lowrouter: retrying in 1 s\n")
    waiting.stop()
    assert env.stderr is real
    assert real.getvalue() == "\r⠋ waiting 2.0 s\r               \rlowrouter: retrying in 1 s\n"


def test_nothing_in_a_pipe(fake_env):
    env = fake_env(stderr_isatty=False)
    waiting = start_waiting(env, "waiting")
    assert list(waiting.until_first([1, 2])) == [1, 2]
    waiting.stop()
    assert env.stderr.getvalue() == ""


def test_until_first_stops_at_the_first_item_and_on_errors(fake_env):
    env = fake_env(stderr_isatty=True)
    waiting = start_waiting(env, "waiting")
    items = iter(waiting.until_first(["a", "b"]))
    assert next(items) == "a" and waiting._spinner is None
    waiting = start_waiting(env, "waiting")

    def broken():
        raise KeyboardInterrupt
        yield

    try:
        list(waiting.until_first(broken()))
    except KeyboardInterrupt:
        pass
    assert waiting._spinner is None


def test_chat_on_a_terminal_spins_while_waiting_then_leaves_no_trace(emulator):
    # 0.6 s: past the 0.25 s grace, time for a few frames of 0.1 s
    shown = capture(emulator.base_url, "chat", "[[fault:slow_first_byte delay=0.6]] hi", columns=80)
    assert shown.code == 0
    assert "waiting for the answer 0." in shown.raw  # it was drawn while waiting
    assert "waiting" not in shown.text and shown.lines[0] != ""  # and gone: the answer is on the first line
    streamed = capture(emulator.base_url, "stream", "[[fault:slow_first_byte delay=0.6]] hi", columns=80,
                       env={"NO_COLOR": "1"})
    assert streamed.code == 0 and "waiting for the first token" in streamed.raw
    assert "waiting" not in streamed.text


def test_never_in_a_pipe(run_cli):
    done = run_cli("stream", "[[fault:slow_first_byte delay=0.6]] hi")  # a terminal would show frames
    assert done.returncode == 0 and done.stderr == "" and "⠋" not in done.stdout
