"""`-o KEY VALUE` (repeatable): any other field of the chat request (top_p, stop, seed,
response_format, …), the value sent as JSON when it parses as JSON, else as text.

Typer can't declare an option that takes two values, so it is declared as a list of text and given
its second value on the click command (`two_values`), before parsing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Iterable, List, Optional

import typer

from lowrouter_cli.errors import UsageError

OPTION_NAME = "request_options"  # the parameter's name in chat and stream
RequestOpt = Annotated[Optional[List[str]], typer.Option(
    "-o", "--option", metavar="KEY VALUE", show_default=False,
    help="Another request field, e.g. -o top_p 0.9 -o stop '[\"END\"]' -o seed 7; VALUE is sent as JSON "
         "when it parses as JSON, else as text. Repeatable.")]

# Fields with an option of their own, or that the CLI must own for the answer to be read.
OWNED = {"model": "-m/--model", "messages": "the prompt and -s/--system", "route": "--region/--provider",
         "stream": "the stream command", "stream_options": "the stream command",
         "max_tokens": "--max-tokens", "temperature": "--temperature"}


def two_values(command: Any) -> None:
    """Walk the click command tree and let every `-o` take KEY and VALUE."""
    from typer._click.types import STRING, Tuple

    for param in getattr(command, "params", []):
        if param.name == OPTION_NAME:
            param.nargs, param.type = 2, Tuple([STRING, STRING])
    for sub in getattr(command, "commands", {}).values():
        two_values(sub)


def request_fields(pairs: Optional[Iterable[Any]]) -> dict[str, Any]:
    """{"top_p": 0.9, "stop": ["END"], "user": "alice"} from [("top_p", "0.9"), ...]."""
    fields: dict[str, Any] = {}
    for key, text in pairs or ():
        if not key or key != key.strip():
            raise UsageError(f"-o needs a field name, not {key!r}")
        if key in OWNED:
            raise UsageError(f"-o {key} is set by {OWNED[key]}, not -o")
        fields[key] = _value(text)
    return fields


def _value(text: str) -> Any:
    def no_constant(name: str) -> Any:  # NaN and Infinity are not JSON a gateway would take
        raise ValueError(name)

    try:
        return json.loads(text, parse_constant=no_constant)
    except ValueError:
        return text
