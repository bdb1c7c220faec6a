"""A finished answer: Markdown on a terminal, the exact text in a pipe, or the JSON body."""

from __future__ import annotations

from typing import Any

from lowrouter_cli.context import Environment
from lowrouter_cli.render.safe_text import json_dumps, terminal_text


def print_answer(env: Environment, text: str, *, markdown: bool = True) -> None:
    """Markdown on a terminal (plain with --raw/--no-md, controls still shown, not obeyed); the
    exact text in a pipe."""
    if env.stdout_isatty and not markdown:
        text = terminal_text(text)
    elif env.stdout_isatty:
        from lowrouter_cli.render.console import live_screen
        from lowrouter_cli.render.plain_paragraphs import render_plain_paragraphs

        text = terminal_text(text)
        screen = live_screen(env)
        plain = render_plain_paragraphs(text, screen.size().width)  # what rich prints, without rich
        if plain is not None:
            return write_text(env, plain)
        from lowrouter_cli.render.markdown import make_markdown

        screen.console().print(make_markdown(text), crop=False)  # long code lines stay whole
        return
    write_text(env, text if text.endswith("\n") else text + "\n")


def print_json(env: Environment, body: Any) -> None:
    write_text(env, json_dumps(body, indent=2) + "\n")


def write_text(env: Environment, text: str) -> None:
    env.stdout.write(text)
    env.stdout.flush()
