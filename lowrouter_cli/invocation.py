"""What every command hands its job: the Environment (built with the colour chosen) and the
options shared by every command. Jobs ask it for Settings and a Client; nothing below reads argv."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lowrouter_cli.context import Environment
from lowrouter_cli.settings import Settings

if TYPE_CHECKING:
    from lowrouter_cli.client import Client


@dataclass(frozen=True)
class Invocation:
    env: Environment
    base_url: str | None = None
    timeout: float | None = None
    verbose: bool = False

    def settings(self, **options: Any) -> Settings:
        """Option > environment > config file > default; the stored key only when the environment
        has none (the environment wins: the key file is not even read)."""
        from lowrouter_cli import store
        from lowrouter_cli.render import messages
        from lowrouter_cli.settings import resolve

        env = self.env
        stored_key = None
        if not env.getenv("LOWROUTER_API_KEY"):
            stored_key = store.read_stored_key(env, lambda message: messages.notice(env, message))
        return resolve(env, store.read_config(env), stored_key, base_url=self.base_url, timeout=self.timeout,
                       **options)

    def client(self, settings: Settings, *, api_key: str | None = None) -> "Client":
        """A Client for the gateway in `settings` (with `api_key` instead of the configured one,
        for checking a new key); retry notices, and with -v the wire log, go to stderr."""
        from lowrouter_cli import collector
        from lowrouter_cli.client import Client
        from lowrouter_cli.render import messages
        from lowrouter_cli.transport import Transport

        collector.usual()  # start-up's imports are done: the answer is read with Python's own setting
        env = self.env
        return Client(Transport(
            settings.base_url,
            api_key if api_key is not None else settings.api_key,
            timeout=settings.timeout,
            announce=lambda message: messages.notice(env, message),
            log=(lambda message: messages.verbose(env, message)) if self.verbose else None,
            sleep=env.sleep,
            wall_clock=env.wall_clock,
            environ=env.environ,
        ))
