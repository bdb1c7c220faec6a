"""Resolve each setting once: command-line option, then environment, then config file, then the
built-in default. Commands receive one Settings object and never read the environment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError

from lowrouter_cli.paths import DEFAULT_BASE_URL
DEFAULT_MODEL = "lowrouter/auto"
DEFAULT_TIMEOUT = 120.0
DEFAULT_MODELS_TTL = 3600.0

# setting name -> (environment variable, config key, default)
SOURCES: dict[str, tuple[str, str, Any]] = {
    "base_url": ("LOWROUTER_BASE_URL", "base_url", DEFAULT_BASE_URL),
    "model": ("LOWROUTER_MODEL", "model", DEFAULT_MODEL),
    "region": ("LOWROUTER_REGION", "region", None),
    "provider": ("LOWROUTER_PROVIDER", "provider", None),
    "timeout": ("LOWROUTER_TIMEOUT", "timeout", DEFAULT_TIMEOUT),
    "models_ttl": ("LOWROUTER_MODELS_TTL", "models_ttl", DEFAULT_MODELS_TTL),
    "max_time": ("LOWROUTER_MAX_TIME", "max_time", None),
    "reasoning": ("LOWROUTER_REASONING", "reasoning", False),
    "budget_daily": ("LOWROUTER_BUDGET_DAILY", "budget_daily", None),
    "budget_monthly": ("LOWROUTER_BUDGET_MONTHLY", "budget_monthly", None),
    "eco": ("LOWROUTER_ECO", "eco", False),
}
NUMERIC = {"timeout", "models_ttl", "max_time"}
BOOLEAN = {"reasoning", "eco"}
MONEY = {"budget_daily", "budget_monthly"}  # USD, as exact decimals
MAX_WAIT = 1_000_000.0  # seconds: --timeout and --max-time beyond this overflow the socket's clock
CONFIG_KEYS = {key: name for name, (_, key, _) in SOURCES.items()}


def config_value(key: str, text: str) -> Any:
    """Check a value given to `config set`: a known key, and a number where a number is meant."""
    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown config key {key!r}; known keys: {', '.join(sorted(CONFIG_KEYS))}")
    if key in NUMERIC:
        return _positive_number(text, key, "the command line")
    if key in BOOLEAN:
        return _boolean(text, key, "the command line")
    if key in MONEY:
        return str(_money(text, key, "the command line"))
    if not text.strip():
        raise UsageError(f"{key} can't be empty; use `lowrouter config unset {key}`")
    if key == "base_url":
        from lowrouter_cli.urls import check_base_url

        check_base_url(text)  # the same rule as for every request
    return text


def effective(env: Environment, config: Mapping[str, Any], key: str) -> tuple[Any, str]:
    """A config key's value in force (no command-line option given) and where it comes from:
    the environment variable's name, "config", or "default"."""
    variable, _, default = SOURCES[CONFIG_KEYS[key]]
    if env.getenv(variable) is not None:
        return env.getenv(variable), variable
    if config.get(key) is not None:
        return config[key], "config"
    return default, "default"


@dataclass
class Settings:
    base_url: str
    model: str
    region: str | None
    provider: str | None
    timeout: float
    models_ttl: float
    api_key: str | None
    api_key_source: str | None  # "LOWROUTER_API_KEY" or the key file's path
    max_time: float | None = None  # streams: the longest the whole stream may take
    reasoning: bool = False  # show the reasoning text on stderr
    budget_daily: Decimal | None = None  # USD a UTC day may cost (checked before each send)
    budget_monthly: Decimal | None = None
    eco: bool = False  # await the generation record for the footer's energy and CO2e


def resolve(
    env: Environment,
    config: Mapping[str, Any] | None = None,
    stored_key: tuple[str, str] | None = None,
    **options: Any,
) -> Settings:
    """`options` holds what was given on the command line (None when not given)."""
    config = config or {}
    values: dict[str, Any] = {}
    for name, (variable, key, default) in SOURCES.items():
        value, origin = options.get(name), "option"
        if value is None:
            value, origin = env.getenv(variable), variable
        if value is None:
            value, origin = config.get(key), f"config key {key}"
        if value is None:
            value, origin = default, "default"
        if name in NUMERIC and value is not None:
            value = _positive_number(value, name, origin)
        elif name in BOOLEAN:
            value = _boolean(value, name, origin)
        elif name in MONEY and value is not None:
            value = _money(value, name, origin)
        elif value is not None:
            value = _text(value, name, origin)
        values[name] = value
    from lowrouter_cli.urls import check_base_url

    check_base_url(values["base_url"])
    api_key, source = env.getenv("LOWROUTER_API_KEY"), "LOWROUTER_API_KEY"
    if api_key is None and stored_key is not None:
        api_key, source = stored_key
    api_key = api_key.strip() if api_key else None
    if api_key:
        check_key_text(env, api_key, source)
    return Settings(**values, api_key=api_key, api_key_source=source if api_key else None)


def check_key_text(env: Environment, key: str, source: str) -> None:
    """A key is printable ASCII without spaces; anything else is refused before it could reach a
    header or a message, and the message shows none of it. The key is then masked everywhere."""
    if not all("!" <= c <= "~" for c in key):
        raise UsageError(f"the API key from {source} contains control, space or non-ASCII characters: "
                         "check what was stored or pasted")
    env.secrets.append(key)


def _money(value: Any, name: str, origin: str) -> Decimal:
    """A positive amount of USD, exact (a float from TOML is read as the text it was written as)."""
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip()) \
            if not isinstance(value, bool) else Decimal(-1)
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not amount.is_finite() or not 0 < amount < 10**9:
        raise UsageError(f"{name} from {origin} must be a positive amount of USD, not {_shown(value)}")
    return amount


def _boolean(value: Any, name: str, origin: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{name} from {origin} must be true or false, not {value!r}")


def _positive_number(value: Any, name: str, origin: str) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else -1.0
    except (TypeError, ValueError, OverflowError):
        number = -1.0
    limit = MAX_WAIT if name in ("timeout", "max_time") else float("inf")
    if not 0 < number < limit:
        bound = f" up to {limit:.0f}" if limit != float("inf") else ""
        raise UsageError(f"{name} from {origin} must be a positive number of seconds{bound}, not {_shown(value)}")
    return number


def _text(value: Any, name: str, origin: str) -> str:
    """A setting that is text must be text (config.toml can hold `model = [1, 2]`), and text we
    can send: invalid UTF-8 from the environment arrives as lone surrogates."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{name} from {origin} must be a non-empty string, not {_shown(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{name} from {origin} is not valid UTF-8") from None
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
