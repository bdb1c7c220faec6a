"""A finished answer: Markdown on a terminal, the exact text in a pipe, or the JSON body."""

from __future__ import annotations

import json
from typing import Any

from lowrouter_cli.context import Environment


def print_answer(env: Environment, text: str) -> None:
    if env.stdout_isatty:
        from lowrouter_cli.render.console import make_console
        from lowrouter_cli.render.markdown import make_markdown

        make_console(env).print(make_markdown(text), crop=False)  # long code lines stay whole
        return
    write_text(env, text if text.endswith("\n") else text + "\n")


def print_json(env: Environment, body: Any) -> None:
    write_text(env, json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def write_text(env: Environment, text: str) -> None:
    env.stdout.write(text)
    env.stdout.flush()
