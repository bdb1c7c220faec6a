"""The two jobs that send a prompt: `chat` (one answer, printed whole) and `stream` (tokens as
they arrive). Each asks the Client, hands what comes back to the output layer, and ends, whatever
happened, in finish_exchange. Failures propagate as our exceptions; cli.py turns them into exits.
"""

from __future__ import annotations

from lowrouter_cli import api
from lowrouter_cli.answering import fail, judge, stream_exchange
from lowrouter_cli.context import Environment
from lowrouter_cli.events import Reasoning
from lowrouter_cli.exchange import Exchange, finish_exchange
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.prompt import PromptOptions
from lowrouter_cli.render.answer import print_answer, print_json
from lowrouter_cli.render.spinner import start_waiting
from lowrouter_cli.settings import Settings
from lowrouter_cli.spending import await_record, before_sending


def chat(invocation: Invocation, options: PromptOptions, *, as_json: bool, raw: bool = False) -> None:
    """`lowrouter chat`: one answer, printed whole (or the curl command, sending nothing)."""
    settings, request, conversation_id = _prepare(invocation, options)
    if options.curl:
        return _print_curl(invocation.env, settings, request, stream=False)
    if before_sending(invocation, settings, request, options.spend, as_json=as_json):
        return  # --estimate: nothing sent
    env = invocation.env
    exchange = Exchange(request, conversation_id, started=env.monotonic())
    try:
        with invocation.client(settings) as client, start_waiting(env, "waiting for the answer"):
            result = client.complete(request)
        if invocation.verbose:
            _warn_left_out(env, api.left_out_metadata(result.raw))
        exchange.answered_by(result)
        exchange.shown(result.text, env.monotonic())
        exchange.reasoning_parts = [e.text for e in result.events if type(e) is Reasoning]
        if as_json:
            print_json(env, result.raw)
        else:
            if settings.reasoning:
                from lowrouter_cli.render.reasoning import show_reasoning

                show_reasoning(env, "".join(e.text for e in result.events if type(e) is Reasoning))
            if result.answer.content_seen:
                print_answer(env, result.text, markdown=not raw)
        judge(env, result.answer, result.generation_id)
    except BaseException as error:
        fail(invocation, settings, exchange, error)
    if _eco(settings, options):
        exchange.record = await_record(invocation, settings, exchange.generation_id)
    finish_exchange(env, settings, exchange)


def stream(invocation: Invocation, options: PromptOptions, *, as_json: bool, raw: bool) -> None:
    """`lowrouter stream`: tokens as they arrive (or the curl command, sending nothing)."""
    from lowrouter_cli.render.stream import stream_writer

    settings, request, conversation_id = _prepare(invocation, options)
    if options.curl:
        return _print_curl(invocation.env, settings, request, stream=True)
    if before_sending(invocation, settings, request, options.spend, as_json=as_json):
        return  # --estimate: nothing sent
    exchange = Exchange(request, conversation_id, started=invocation.env.monotonic())
    stream_exchange(invocation, settings, exchange, as_json=as_json, raw=raw, eco=_eco(settings, options))


def _warn_left_out(env: Environment, names: list[str]) -> None:
    from lowrouter_cli.render import messages

    for name in names:
        messages.notice(env, f"warning: left out {name}: the gateway sent a value of the wrong type")


def _eco(settings: Settings, options: PromptOptions) -> bool:
    """--eco (or config eco = true): await the generation record for the footer, up to 5 s; never by default."""
    return options.spend.eco if options.spend.eco is not None else settings.eco


def _prepare(invocation: Invocation, options: PromptOptions) -> tuple[Settings, api.ChatRequest, str | None]:
    """Settings, the request, and the ledger conversation to record it in (None with --no-log). A
    continued conversation sends its earlier turns and supplies the model, route pins and system
    prompt not given again; a long one is announced before it is sent again."""
    from lowrouter_cli import conversation as conversations
    from lowrouter_cli.ledger_names import logging_enabled
    from lowrouter_cli.prompt import read_prompt
    from lowrouter_cli.render import messages

    env = invocation.env
    conversation = conversations.choose(env, continue_=options.continue_, cid=options.cid)
    settings = invocation.settings(model=options.model or conversation.model,
                                   region=options.region or conversation.region,
                                   provider=options.provider or conversation.provider,
                                   max_time=options.max_time, reasoning=options.reasoning)
    request = api.ChatRequest(
        model=settings.model,
        prompt=read_prompt(env, options.words),
        system=options.system if options.system is not None else conversation.system,
        region=settings.region,
        provider=settings.provider,
        max_tokens=options.max_tokens,
        temperature=options.temperature,
        prior_messages=conversation.messages,
        extra=options.extra,
    )
    if not options.curl:
        conversations.announce_if_long(env, conversation, settings.base_url, settings.model,
                                       lambda line: messages.notice(env, line))
    return settings, request, conversation.id if logging_enabled(env, options.no_log) else None


def _print_curl(env: Environment, settings: Settings, request: api.ChatRequest, *, stream: bool) -> None:
    from lowrouter_cli.curl import curl_command

    env.stdout.write(curl_command(settings.base_url, request.body(stream=stream), stream=stream))
    env.stdout.flush()
