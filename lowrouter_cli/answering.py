"""One streamed turn and how any exchange fails: shared by `stream`, `chat` and the interactive
session, so every prompt sent ends the same way (partial text kept, ledger row, our exception)."""

from __future__ import annotations

import signal
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator, NoReturn, Optional

from lowrouter_cli import deadline
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import Interrupted, OutputClosed, StoppedAfter, translated
from lowrouter_cli.events import AnswerSummary, Content, Reasoning, unusable
from lowrouter_cli.exchange import Exchange, finish_exchange
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render.spinner import start_waiting
from lowrouter_cli.settings import Settings


def stream_exchange(invocation: Invocation, settings: Settings, exchange: Exchange, *, as_json: bool = False,
                    raw: bool = False, eco: bool = False) -> None:
    """Send `exchange.request` as a stream and show the tokens as they arrive; finished (priced,
    footer, ledger row) however it ends. A failure is raised as ours after the row is written.
    `eco`: the generation record is awaited (a few seconds at most) for the footer's CO2e."""
    from lowrouter_cli.render.stream import stream_writer

    env, writer = invocation.env, None
    try:
        with ExitStack() as scope:  # left in reverse: summary taken, connection closed, spinner gone
            client = scope.enter_context(invocation.client(settings))
            waiting = scope.enter_context(start_waiting(env, "waiting for the first token"))
            stop = deadline.limit(settings.max_time, lambda: StoppedAfter(
                f"stopped after {settings.max_time:g} s (--max-time); the answer is incomplete"))
            with stop:  # the whole stream, headers too
                chat_stream = scope.enter_context(client.stream(exchange.request, keep_raw=as_json))
            scope.callback(exchange.answered_by, chat_stream)
            writer = stream_writer(env, as_json=as_json, raw=raw, reasoning=settings.reasoning)
            chat_stream.byte_stream.before_wait = writer.flush  # what was written goes out before each read
            started = env.monotonic()
            with stop:
                for events in waiting.until_first(chat_stream.blocks()):
                    show(events, writer, exchange, env)
        writer.finish()
        writer = None  # finished: a failure from here on has no partial text to keep
        exchange.seconds_streaming = env.monotonic() - started
        judge(env, chat_stream.answer, chat_stream.generation_id)
    except BaseException as error:
        fail(invocation, settings, exchange, error, writer)
    if eco:
        from lowrouter_cli.spending import await_record

        exchange.record = await_record(invocation, settings, exchange.generation_id)
    finish_exchange(env, settings, exchange)


def show(events: list[Any], writer: Any, exchange: Exchange, env: Environment) -> None:
    """The events of one read, in order; each run of content is written (and noted as shown) as
    one text, so a read of many tokens costs one write, not one per token."""
    if len(events) == 1 and type(events[0]) is Content:  # a read of one token: as often as not
        exchange.shown(events[0].text, env.monotonic())  # noted first, as in _show_text
        writer.write(events[0])
        return
    texts = [event.text for event in events if type(event) is Content]
    if len(texts) == len(events):  # nothing but content: nearly every other read
        _show_text("".join(texts), writer, exchange, env)
        return
    run: list[str] = []
    for event in events:
        if type(event) is Content:
            run.append(event.text)
            continue
        if run:
            _show_text("".join(run), writer, exchange, env)
            run = []
        writer.write(event)
        if type(event) is Reasoning:
            exchange.reasoning_parts.append(event.text)
    if run:
        _show_text("".join(run), writer, exchange, env)


def _show_text(text: str, writer: Any, exchange: Exchange, env: Environment) -> None:
    # Noted first: a Ctrl-C inside a live frame's drawing still leaves the text in the view,
    # which finish() shows; the ledger keeps what the screen keeps.
    exchange.shown(text, env.monotonic())
    writer.write(Content(text))


def judge(env: Environment, answer: AnswerSummary, generation_id: Optional[str]) -> None:
    """An answer cut at the token limit is still an answer (with a notice); no usable answer at
    all (a refusal, a tool call, a content filter, nothing but reasoning) is a failure, exit 10."""
    problem = unusable(answer, generation_id)
    if problem is not None:
        raise problem
    if answer.cut_off:
        from lowrouter_cli.render import messages

        messages.notice(env, "the answer was cut off at the token limit (finish_reason length); "
                             "a larger --max-tokens allows a longer one")


def fail(invocation: Invocation, settings: Settings, exchange: Exchange, error: BaseException,
         writer: Any = None) -> NoReturn:
    """The exchange failed (the connection is already closed): keep the partial answer on screen,
    record the exchange, and raise the failure as ours."""
    from lowrouter_cli.route_help import add_where_up

    ours = translated(error)
    add_where_up(invocation.env, settings.base_url, exchange.request, ours)
    exchange.failed(ours)
    if writer is not None and not isinstance(ours, OutputClosed):
        with _second_interrupt_ends_the_process(isinstance(ours, Interrupted)):
            _finish_quietly(writer)
    finish_exchange(invocation.env, settings, exchange)
    if ours is error:
        raise error
    raise ours from None


def _finish_quietly(writer: Any) -> None:
    """Keep the partial text on screen; a failure while doing so must not hide the real error."""
    try:
        writer.finish()
    except (OSError, ValueError, KeyboardInterrupt):
        pass


@contextmanager
def _second_interrupt_ends_the_process(interrupted: bool) -> Iterator[None]:
    """After a Ctrl-C, a second one while we tidy up ends the process at once; the handler is
    put back afterwards."""
    previous = None
    if interrupted:
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_DFL)
        except ValueError:  # not the main thread: signals are not ours to set
            pass
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
