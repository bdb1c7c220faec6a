"""The curl command equivalent to a request, in the style of the gateway's docs page."""

from __future__ import annotations

import json
import shlex
from typing import Any


def curl_command(base_url: str, body: dict[str, Any], *, stream: bool) -> str:
    """Runs as printed in a POSIX shell; the key stays a variable, never its value."""
    url = f"{base_url.rstrip('/')}/chat/completions"
    payload = json.dumps(body, ensure_ascii=False, indent=2)
    lines = [f"curl {'-N ' if stream else ''}{shlex.quote(url)}",
             '-H "Authorization: Bearer $LOWROUTER_API_KEY"',
             '-H "Content-Type: application/json"',
             f"-d {shlex.quote(payload)}"]
    return " \\\n  ".join(lines) + "\n"
