"""The two jobs that send a prompt: `chat` (one JSON answer) and `stream` (tokens as they come).

Each builds the transport, calls the api, hands the result to the output layer, and records the
outcome. Failures propagate as LowRouterError; cli.py alone turns them into exit codes.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any, List, Optional

from lowrouter_cli import api
from lowrouter_cli.context import Environment
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.errors import Interrupted, LowRouterError, OutputClosed
from lowrouter_cli.render import messages
from lowrouter_cli.render.answer import print_answer, print_json
from lowrouter_cli.render.spinner import start_waiting
from lowrouter_cli.settings import Settings


@dataclass(frozen=True)
class PromptOptions:
    """The options `chat` and `stream` share, as given on the command line (None: not given)."""

    words: Optional[List[str]] = None
    model: Optional[str] = None
    system: Optional[str] = None
    region: Optional[str] = None
    provider: Optional[str] = None
    max_tokens: Optional[int] = None
    temperature: Optional[float] = None
    curl: bool = False
    no_history: bool = False


def chat(invocation: Invocation, options: PromptOptions, *, as_json: bool) -> None:
    """`lowrouter chat`: one answer, printed whole (or the curl command, sending nothing)."""
    settings, request = _prepare(invocation, options)
    if options.curl:
        return _print_curl(invocation.env, settings, request, stream=False)
    run_chat(invocation.env, settings, request, as_json=as_json, verbose=invocation.verbose,
             history=_history_on(invocation.env, options))


def stream(invocation: Invocation, options: PromptOptions, *, as_json: bool, raw: bool) -> None:
    """`lowrouter stream`: tokens as they arrive (or the curl command, sending nothing)."""
    settings, request = _prepare(invocation, options)
    if options.curl:
        return _print_curl(invocation.env, settings, request, stream=True)
    run_stream(invocation.env, settings, request, as_json=as_json, raw=raw, verbose=invocation.verbose,
               history=_history_on(invocation.env, options))


def _prepare(invocation: Invocation, options: PromptOptions) -> tuple[Settings, api.ChatRequest]:
    from lowrouter_cli.prompt import read_prompt

    settings = invocation.settings(model=options.model, region=options.region, provider=options.provider)
    request = api.ChatRequest(
        model=settings.model,
        prompt=read_prompt(invocation.env, options.words),
        system=options.system,
        region=settings.region,
        provider=settings.provider,
        max_tokens=options.max_tokens,
        temperature=options.temperature,
    )
    return settings, request


def _print_curl(env: Environment, settings: Settings, request: api.ChatRequest, *, stream: bool) -> None:
    from lowrouter_cli.curl import curl_command

    env.stdout.write(curl_command(settings.base_url, request.body(stream=stream), stream=stream))
    env.stdout.flush()


def _history_on(env: Environment, options: PromptOptions) -> bool:
    return not options.no_history and env.getenv("LOWROUTER_NO_HISTORY") not in ("1", "true", "yes")


def build_transport(env: Environment, settings: Settings, *, verbose: bool = False) -> Any:
    from lowrouter_cli.transport import Transport

    return Transport(
        settings.base_url,
        settings.api_key,
        timeout=settings.timeout,
        announce=lambda message: messages.notice(env, message),
        log=(lambda message: _verbose_line(env, message)) if verbose else None,
        sleep=env.sleep,
        wall_clock=env.wall_clock,
    )


def _verbose_line(env: Environment, message: str) -> None:
    env.stderr.write(message + "\n")
    env.stderr.flush()


def run_chat(env: Environment, settings: Settings, request: api.ChatRequest, *,
             as_json: bool, verbose: bool = False, history: bool = True) -> api.ChatResult:
    transport = build_transport(env, settings, verbose=verbose)
    try:
        with start_waiting(env, "waiting for the answer"):
            result = api.complete(transport, request)
    except LowRouterError as error:
        _remember_failure(env, settings, request, error, history)
        raise
    finally:
        transport.close()
    usage = result.usage or api.Usage()
    cost = _cost(env, settings, result.routed.model, usage)
    if history:
        _remember(env, settings, request, result.generation_id, result.routed, usage, "ok", cost)
    try:
        if as_json:
            print_json(env, result.raw)
        else:
            print_answer(env, result.text)
    except BrokenPipeError:
        raise OutputClosed() from None
    messages.print_footer(env, messages.Footer(
        model=result.routed.model or request.model,
        provider=result.routed.provider,
        region=result.routed.region,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost=cost,
        generation_id=result.generation_id,
    ))
    return result


def run_stream(env: Environment, settings: Settings, request: api.ChatRequest, *,
               as_json: bool, raw: bool, verbose: bool = False, history: bool = True) -> api.ChatStream:
    from lowrouter_cli.render.stream import stream_writer

    transport = build_transport(env, settings, verbose=verbose)
    waiting = start_waiting(env, "waiting for the first token")
    try:
        chat_stream = api.open_chat_stream(transport, request)
    except BaseException as error:  # before the first byte: as in chat
        waiting.stop()
        transport.close()
        if isinstance(error, LowRouterError):
            _remember_failure(env, settings, request, error, history)
        raise
    writer = stream_writer(env, as_json=as_json, raw=raw)
    chat_stream.byte_stream.before_wait = writer.flush
    started = env.monotonic()
    outcome = "ok"
    try:
        for chunk in waiting.until_first(chat_stream):
            writer.write(chunk)
    except KeyboardInterrupt:
        outcome = "interrupted"
        # Close first: that cancels the generation (and its billing) at the gateway. A second
        # Ctrl-C while we tidy up ends the process at once.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        chat_stream.close()
        _finish_quietly(writer)
        raise Interrupted("interrupted", generation_id=chat_stream.generation_id) from None
    except BrokenPipeError:
        outcome = "output closed"
        chat_stream.close()
        raise OutputClosed() from None
    except LowRouterError as error:
        outcome = _outcome(error)
        chat_stream.close()
        _finish_quietly(writer)
        error.generation_id = error.generation_id or chat_stream.generation_id
        raise
    finally:
        waiting.stop()
        transport.close()
        usage = chat_stream.usage or api.Usage()
        cost = _cost(env, settings, chat_stream.routed.model, usage)
        if history:
            _remember(env, settings, request, chat_stream.generation_id, chat_stream.routed, usage, outcome, cost)
    try:
        writer.finish()
    except BrokenPipeError:
        raise OutputClosed() from None
    elapsed = env.monotonic() - started
    completion = usage.completion_tokens
    messages.print_footer(env, messages.Footer(
        model=chat_stream.routed.model or request.model,
        provider=chat_stream.routed.provider,
        region=chat_stream.routed.region,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=completion,
        cost=cost,
        tokens_per_second=(completion / elapsed) if completion and elapsed > 0 else None,
        generation_id=chat_stream.generation_id,
    ))
    return chat_stream


def _finish_quietly(writer: Any) -> None:
    """Keep the partial text on screen; a failure while doing so must not hide the real error."""
    try:
        writer.finish()
    except (OSError, ValueError, KeyboardInterrupt):
        pass


def _cost(env: Environment, settings: Settings, model_id: str | None, usage: api.Usage) -> float | None:
    """usage.cost when the gateway sends it, else token counts times the cached prices."""
    if usage.cost is not None:
        return usage.cost
    from lowrouter_cli.catalog import cached_prices, estimate_cost

    return estimate_cost(cached_prices(env, settings.base_url, model_id), usage.prompt_tokens,
                         usage.completion_tokens)


def _outcome(error: LowRouterError) -> str:
    """"route unavailable", "rate limited", "truncated answer"…: the error class, in words."""
    import re

    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).lower()
    return words.removesuffix(" error") or "error"


def _remember_failure(env: Environment, settings: Settings, request: api.ChatRequest, error: LowRouterError,
                      history: bool) -> None:
    """A failure the gateway gave a generation id (a pinned-route 503, say) is history too."""
    if history and error.generation_id:
        _remember(env, settings, request, error.generation_id, None, None, _outcome(error))


def _remember(env: Environment, settings: Settings, request: api.ChatRequest, generation_id: str | None,
              routed: api.Routed | None, usage: api.Usage | None, outcome: str, cost: float | None = None) -> None:
    """One history line: no prompt text, ever."""
    from lowrouter_cli import store
    from lowrouter_cli.generations import history_entry

    entry = history_entry(env, generation_id=generation_id, model=(routed and routed.model) or request.model,
                          provider=routed and routed.provider, region=routed and routed.region,
                          usage=usage, cost=cost, outcome=outcome)
    store.append_history(env, entry, lambda message: messages.notice(env, message))
