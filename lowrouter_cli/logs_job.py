"""The jobs behind `lowrouter logs`: find exchanges in the ledger and show them (a table, TSV,
JSON, one answer, one code block, a whole conversation); say where it is, switch it off and on,
and remove a conversation. Nothing here touches the network."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lowrouter_cli import ledger
from lowrouter_cli.context import Environment
from lowrouter_cli.errors import UsageError
from lowrouter_cli.ledger_search import Filter, find, parse_when
from lowrouter_cli.render import messages


@dataclass(frozen=True)
class LogsOptions:
    limit: int = 20  # 0: all
    query: str | None = None
    model: str | None = None
    since: str | None = None
    until: str | None = None
    cid: str | None = None
    as_json: bool = False
    response: bool = False  # -r: the latest matching answer, exactly
    extract: str | None = None  # "first" (-x) or "last" (--xl) fenced code block of that answer


def list_logs(env: Environment, options: LogsOptions) -> None:
    from lowrouter_cli.render.answer import print_json
    from lowrouter_cli.render.logs import exchange_json, print_exchanges

    now = env.wall_clock()
    wanted = Filter(query=options.query, model=options.model,
                    since=parse_when(options.since, now, "--since") if options.since else None,
                    until=parse_when(options.until, now, "--until") if options.until else None,
                    limit=1 if options.response or options.extract else options.limit)
    rows: list[Any] = []
    for opened in ledger.read(env):
        if options.cid:
            wanted.conversation_id = opened.resolve_conversation(options.cid)
        rows = find(opened, wanted)
    if options.response or options.extract:
        return _print_answer_of(env, rows, options.extract)
    if options.as_json:
        print_json(env, [exchange_json(row) for row in rows])
    else:
        print_exchanges(env, rows)


def _print_answer_of(env: Environment, rows: list[Any], extract: str | None) -> None:
    """The answer exactly as received in a pipe (newline-terminated, as `chat` prints it); its
    controls made visible on a terminal."""
    from lowrouter_cli.render.answer import write_text
    from lowrouter_cli.render.safe_text import terminal_text

    if not rows or not rows[0].answer:
        raise UsageError("no answer in the ledger matches")
    text = rows[0].answer
    if extract:
        blocks = fenced_blocks(text)
        if not blocks:
            raise UsageError(f"the answer of {rows[0].conversation_id} has no fenced code block")
        text = blocks[0] if extract == "first" else blocks[-1]
    if env.stdout_isatty:
        text = terminal_text(text)
    write_text(env, text if text.endswith("\n") or not text else text + "\n")


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def fenced_blocks(markdown: str) -> list[str]:
    """The contents of the fenced code blocks (``` or ~~~, CommonMark's rules for closing), in order;
    an unclosed block runs to the end."""
    blocks: list[str] = []
    fence: str | None = None
    body: list[str] = []
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence, body = match.group(1), []
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not match.group(2).strip():
            blocks.append("\n".join(body) + "\n" if body else "")
            fence = None
        else:
            body.append(line)
    if fence is not None:
        blocks.append("\n".join(body) + "\n" if body else "")
    return blocks


def show_conversation(env: Environment, cid: str | None) -> None:
    from lowrouter_cli.render.logs import print_conversation

    opened = ledger.open_ledger(env, create=False)
    if opened is None:
        raise UsageError("the ledger is empty: nothing to show")
    with opened:
        conversation_id = opened.resolve_conversation(cid) if cid else opened.latest_conversation_id()
        if conversation_id is None:
            raise UsageError("the ledger is empty: nothing to show")
        rows = opened.conversation(conversation_id)
    print_conversation(env, conversation_id, rows)


def print_path(env: Environment) -> None:
    env.stdout.write(f"{ledger.ledger_path(env)}\n")
    env.stdout.flush()


def switch(env: Environment, on: bool) -> None:
    try:
        ledger.set_logging(env, on)
    except OSError as error:
        raise UsageError(f"cannot switch logging {'on' if on else 'off'}: {error.strerror or error}") from None
    why_off = ledger.off_reason(env)
    if on and why_off:
        messages.notice(env, f"logging is on, but {why_off} in the environment still turns it off")
    else:
        messages.notice(env, "logging is on: every exchange is recorded" if on else
                        "logging is off: nothing is recorded until `lowrouter logs on`")


def status(env: Environment, as_json: bool) -> None:
    """Whether exchanges are recorded (and why not), where, and how much the ledger holds."""
    import os

    path = ledger.ledger_path(env)
    why_off = ledger.off_reason(env)
    exchanges = conversations = 0
    for opened in ledger.read(env):
        exchanges, conversations = opened.count()
    size = sum(os.path.getsize(p) for p in (str(path), f"{path}-wal") if os.path.isfile(p))
    facts = {"logging": "off" if why_off else "on", "off_by": why_off, "path": str(path), "exchanges": exchanges,
             "conversations": conversations, "bytes": size}
    if as_json:
        from lowrouter_cli.render.answer import print_json

        return print_json(env, facts)
    env.stdout.write(f"logging: {facts['logging']}{f' ({why_off})' if why_off else ''}\npath: {path}\n"
                     f"exchanges: {exchanges}\nconversations: {conversations}\nsize: {size / 1024 / 1024:.1f} MiB\n")
    env.stdout.flush()


def remove(env: Environment, cid: str) -> None:
    opened = ledger.open_ledger(env, create=False)
    if opened is None:
        raise UsageError(f"no conversation {cid!r} in the ledger (it is empty)")
    with opened:
        conversation_id = opened.resolve_conversation(cid)
        removed = opened.delete_conversation(conversation_id)
    messages.notice(env, f"removed conversation {conversation_id} ({removed} exchange{'s' if removed != 1 else ''})")
