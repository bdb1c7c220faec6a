"""`lowrouter chat -i`: an interactive session. Each turn streams through the same path as `stream`
(answering.stream_exchange: live Markdown, partial text kept, a ledger row) and continues one ledger
conversation; an error or a Ctrl-C during an answer costs one line and returns to the prompt. Only
Ctrl-D, /exit or a second Ctrl-C at an empty prompt end it, with a one-line summary."""

from __future__ import annotations

from typing import Any, Optional

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import Interrupted, LowRouterError, UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.session_state import RecordFetcher, SessionState
from lowrouter_cli.settings import Settings


def refuse_without_terminal(env: Environment) -> None:
    if not env.stdin_isatty or not env.stdout_isatty:
        which = "stdin" if not env.stdin_isatty else "stdout"
        raise UsageError(f"-i needs a terminal, and {which} is not one (ask once with `lowrouter chat PROMPT`)")


def run_session(invocation: Invocation, options: Any, *, raw: bool) -> None:
    env = invocation.env
    refuse_without_terminal(env)
    Session(invocation, options, raw=raw).run()


class Session:
    def __init__(self, invocation: Invocation, options: Any, *, raw: bool) -> None:
        from lowrouter_cli import conversation as conversations
        from lowrouter_cli.ledger import logging_enabled

        self.invocation, self.env, self.options, self.raw = invocation, invocation.env, options, raw
        conversation = conversations.choose(self.env, continue_=options.continue_, cid=options.cid)
        self.settings: Settings = invocation.settings(
            model=options.model or conversation.model, region=options.region or conversation.region,
            provider=options.provider or conversation.provider, max_time=options.max_time,
            reasoning=options.reasoning)
        settings = self.settings
        self.state = SessionState(
            conversation.id, logging_enabled(self.env, options.no_log), settings.model, settings.region,
            settings.provider, options.system if options.system is not None else conversation.system,
            list(conversation.messages))
        self.resumed = conversation.continued
        self.fetcher = RecordFetcher(self.env, self.state, lambda quiet_env: self._client(quiet_env))
        self._model_ids: Optional[list[str]] = None
        self._catalog: Optional[list[Any]] = None

    # -- the loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        from lowrouter_cli.session_commands import NAMES, TAKE_ARGUMENT, run_command
        from lowrouter_cli.session_input import LineReader, SessionEnded, SlashCompleter, open_history

        history = open_history(self.env, self.state.recording, self.say)
        reader = LineReader(self.env, history, SlashCompleter(NAMES, TAKE_ARGUMENT, self.completion_words), self.toolbar, self.say)
        if self.resumed:
            self._show_last_exchange()
        self.say("lowrouter chat: /help for commands, Ctrl-D or /exit to end")
        first = " ".join(self.options.words or []).strip()
        try:
            while True:
                line, first = first or reader.read(), ""
                try:
                    prompt = run_command(self, line) if line.startswith("/") else line
                    if prompt:
                        self.send(prompt)
                except SessionEnded:
                    raise
                except LowRouterError as error:
                    messages.error_line(self.env, error.one_line())
                except KeyboardInterrupt:  # outside an answer (a slow command): back to the prompt
                    messages.error_line(self.env, "interrupted")
        except SessionEnded:
            pass
        messages.notice(self.env, self.state.summary())

    def send(self, prompt: str) -> None:
        """One turn: stream the answer, count it, and fetch its record in the background."""
        from lowrouter_cli import api  # imported at the first turn: the prompt comes up without the HTTP stack
        from lowrouter_cli.answering import stream_exchange
        from lowrouter_cli.exchange import Exchange
        from lowrouter_cli.spending import before_sending

        state, options = self.state, self.options
        state.last_prompt = prompt
        request = api.ChatRequest(model=state.model, prompt=prompt, system=state.system, region=state.region,
                                  provider=state.provider, max_tokens=options.max_tokens,
                                  temperature=options.temperature, prior_messages=list(state.messages),
                                  extra=options.extra)
        spend, settings = options.spend, self.settings
        if before_sending(self.invocation, settings, request, spend, as_json=False):
            return  # --estimate: each turn's estimate, nothing sent
        exchange = Exchange(request, state.conversation_id if state.recording else None,
                            started=self.env.monotonic())
        try:
            stream_exchange(self.invocation, settings, exchange, raw=self.raw,
                            eco=spend.eco if spend.eco is not None else settings.eco)
        except Interrupted:
            messages.notice(self.env, "answer cancelled: the connection is closed, the partial text kept")
        except LowRouterError as error:
            messages.error_line(self.env, self._in_session_terms(error.one_line()))
        finally:
            state.took(exchange)
        if exchange.outcome == "ok" and exchange.generation_id:
            self.fetcher.start(exchange.generation_id)

    # -- what the commands and the line editor ask of the session ----------------------------------

    def say(self, line: str) -> None:
        messages.notice(self.env, line)

    def new_conversation(self) -> None:
        from lowrouter_cli.ledger import new_conversation_id

        self.state.new_conversation(new_conversation_id())
        self.say(f"new conversation {self.state.conversation_id}" if self.state.recording else "new conversation")

    def toolbar(self) -> str:
        return self.state.status(self._context_length(self.state.model))

    def model_ids(self) -> list[str]:
        if self._model_ids is None:
            from lowrouter_cli.catalog import cached_model_ids

            self._model_ids = cached_model_ids(self.env, self.settings.base_url)
        return self._model_ids

    def completion_words(self, command: str) -> list[str]:
        if command == "/model":
            return self.model_ids()
        if command in ("/region", "/provider"):
            attribute = "regions" if command == "/region" else "providers"
            return sorted({word for model in self._models() for word in getattr(model, attribute)})
        return []

    # -- helpers ----------------------------------------------------------------------------------

    def _client(self, env: Environment) -> Any:
        from dataclasses import replace

        return replace(self.invocation, env=env).client(self.settings)

    def _models(self) -> list[Any]:
        if self._catalog is None:
            from lowrouter_cli.catalog import parse_models
            from lowrouter_cli.store import read_models_cache

            cached = read_models_cache(self.env, self.settings.base_url)
            self._catalog = parse_models(cached["body"]) if cached else []
        return self._catalog

    def _context_length(self, model_id: str) -> Optional[int]:
        lengths = self.state.context_lengths
        if model_id not in lengths:
            lengths[model_id] = next((m.context_length for m in self._models() if m.id == model_id), None)
        return lengths[model_id]

    def _in_session_terms(self, line: str) -> str:
        """A pinned 503's hint names the session's commands rather than the command-line options."""
        return line.replace("pin one of those with --provider/--region", "pin one of those with /provider and /region")

    def _show_last_exchange(self) -> None:
        from lowrouter_cli.render.answer import print_answer
        from lowrouter_cli.render.safe_text import field_text

        state = self.state
        messages_ = state.messages
        self.say(f"continuing conversation {state.conversation_id} ({len(messages_) // 2} earlier turns)")
        if len(messages_) >= 2:
            self.say("> " + field_text(messages_[-2]["content"]))
            print_answer(self.env, messages_[-1]["content"], markdown=not self.raw)
