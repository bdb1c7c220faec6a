"""The jobs behind `auth` (the stored key) and `config` (config.toml)."""

from __future__ import annotations

from typing import Any

from lowrouter_cli import store
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import AuthError, UsageError
from lowrouter_cli.invocation import Invocation
from lowrouter_cli.render import messages
from lowrouter_cli.render.safe_text import field_text
from lowrouter_cli.settings import CONFIG_KEYS, Settings, check_key_text, config_value


mask = messages.mask_key


def read_new_key(env: Environment) -> str:
    """From stdin when it is not a terminal, else from a hidden prompt: never from argv."""
    if not env.stdin_isatty:
        key = env.stdin.readline().strip()
    else:
        import getpass

        try:
            key = getpass.getpass("LowRouter API key (input hidden): ", stream=env.stderr).strip()
        except (KeyboardInterrupt, EOFError) as stopped:
            env.stderr.write("\n")  # the prompt's line is left open: the message goes below it
            if isinstance(stopped, KeyboardInterrupt):
                raise
            key = ""
    if not key:
        raise UsageError("no key given: paste it at the prompt, or pipe it in: "
                         "printf %s \"$KEY\" | lowrouter auth login")
    if any(c.isspace() for c in key):
        raise UsageError("that key has spaces in it: check what was pasted")
    check_key_text(env, key, "the input")
    return key


def check_key(invocation: Invocation, settings: Settings, key: str) -> None:
    """Ask the gateway whether it takes the key (GET /models); AuthError when it does not."""
    with invocation.client(settings, api_key=key) as client:
        client.list_models()


def login(invocation: Invocation, *, verify: bool) -> None:
    env = invocation.env
    key = read_new_key(env)
    if verify:
        check_key(invocation, invocation.settings(), key)
    path = store.write_key(env, key)
    messages.notice(env, f"stored key {mask(key)} in {path}" + ("" if verify else " (not checked: --no-verify)"))
    if env.getenv("LOWROUTER_API_KEY"):
        messages.notice(env, "note: LOWROUTER_API_KEY is set and takes precedence over the stored key")


def status(invocation: Invocation, *, verify: bool) -> None:
    env, settings = invocation.env, invocation.settings()
    if not settings.api_key:
        raise AuthError("no API key: set LOWROUTER_API_KEY, or store one with `lowrouter auth login`")
    source = ("environment (LOWROUTER_API_KEY)" if settings.api_key_source == "LOWROUTER_API_KEY"
              else settings.api_key_source)
    lines = [f"key: {mask(settings.api_key)}", f"source: {field_text(source)}",
             f"gateway: {field_text(settings.base_url)}"]
    accepted = None
    if verify:
        try:
            check_key(invocation, settings, settings.api_key)
            accepted = True
        except AuthError:
            accepted = False
    if accepted is not None:
        lines.append(f"accepted: {'yes' if accepted else 'no'}")
    env.stdout.write("\n".join(lines) + "\n")
    env.stdout.flush()
    if accepted is False:
        raise AuthError("the gateway rejects this key")


def logout(env: Environment) -> None:
    if store.delete_key(env):
        messages.notice(env, f"removed {store.key_path(env)}")
    else:
        messages.notice(env, "no stored key to remove")
    if env.getenv("LOWROUTER_API_KEY"):
        messages.notice(env, "note: LOWROUTER_API_KEY is still set in this shell")


# -- config ----------------------------------------------------------------------------------------


def config_get(env: Environment, key: str) -> None:
    """The value in force (stdout) and, when it is not the config file's, where it comes from
    (stderr): `config get model` with nothing set prints the built-in default, not an error."""
    from lowrouter_cli.settings import effective

    _known(key)
    config = store.read_config(env)
    value, source = effective(env, config, key)
    if value is not None:
        env.stdout.write(f"{field_text(_plain_number(value))}\n")
    if source == "default":
        messages.notice(env, f"{key} is not set in {store.config_path(env)}: "
                        + ("the built-in default" if value is not None else "no default (not pinned)"))
    elif source != "config":
        beaten = f" (it beats config.toml's {field_text(config[key])})" if config.get(key) is not None else ""
        messages.notice(env, f"{key} comes from the environment variable {source}{beaten}")


def _plain_number(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else value


def config_set(env: Environment, key: str, text: str) -> None:
    values = store.read_config(env)
    values[key] = config_value(key, text)
    store.write_config(env, values)


def config_unset(env: Environment, key: str) -> None:
    _known(key)
    values = store.read_config(env)
    if values.pop(key, None) is not None:
        store.write_config(env, values)


def config_list(env: Environment, as_json: bool) -> None:
    values: dict[str, Any] = store.read_config(env)
    if as_json:
        import json

        env.stdout.write(json.dumps(values, indent=2, default=str) + "\n")
        return
    for key in sorted(values):
        env.stdout.write(f"{field_text(key)} = {field_text(values[key])}\n")


def config_path(env: Environment) -> None:
    env.stdout.write(f"{store.config_path(env)}\n")


def _known(key: str) -> None:
    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown config key {key!r}; known keys: {', '.join(sorted(CONFIG_KEYS))}")
