"""The curl command equivalent to a request, in the style of the gateway's docs page."""

from __future__ import annotations

import shlex
from typing import Any

from lowrouter_cli.render.safe_text import json_dumps


def curl_command(base_url: str, body: dict[str, Any], *, stream: bool) -> str:
    """Runs as printed in a POSIX shell; the key stays a variable, never its value."""
    url = f"{base_url.rstrip('/')}/chat/completions"
    payload = json_dumps(body, indent=2)  # a prompt's C1 controls escaped too: same JSON, safe to print
    lines = [f"curl {'-N ' if stream else ''}{shlex.quote(url)}",
             '-H "Authorization: Bearer $LOWROUTER_API_KEY"',
             '-H "Content-Type: application/json"',
             f"-d {shlex.quote(payload)}"]
    return " \\\n  ".join(lines) + "\n"
