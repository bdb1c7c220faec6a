"""The slash commands of an interactive session. Each takes the session and the text after its name,
and returns a prompt to send (/retry, /edit) or None."""

from __future__ import annotations

import base64
import difflib
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

from lowrouter_cli.errors import UsageError

MAX_EDITED_BYTES = 1024 * 1024  # a prompt written in $EDITOR larger than this is refused

HELP = {
    "/model": "ID        the model for the next turns (TAB completes cached ids)",
    "/region": "[R]      pin the route to a region; no argument unpins",
    "/provider": "[P]    pin the route to a provider; no argument unpins",
    "/system": "[TEXT]   the system prompt for the next turns; no argument removes it",
    "/new": "            start a new conversation",
    "/retry": "          send the last prompt again (its answer leaves the conversation)",
    "/edit": "           write the next prompt in $EDITOR",
    "/cost": "           this session so far: tokens, cost, energy and CO2e",
    "/trace": "          the last generation's routing trace and eco figures",
    "/copy": "           the last answer to the clipboard (OSC 52)",
    "/save": "FILE       the conversation as Markdown",
    "/help": "           this list",
    "/exit": "           end the session (also Ctrl-D)",
}
NAMES = list(HELP) + ["/quit"]
TAKE_ARGUMENT = {"/model", "/region", "/provider", "/system", "/save"}


def help_lines() -> list[str]:
    lines = [f"{name} {text}" for name, text in HELP.items()]
    lines.append('Alt-Enter or Esc Enter: a new line; """ on a line opens a block that """ closes; '
                 "Ctrl-R: search the history; Ctrl-C: cancel an answer or clear the line")
    return lines


def run_command(session: Any, line: str) -> Optional[str]:
    name, _, argument = line.partition(" ")
    name, argument = name.lower(), argument.strip()
    handler = COMMANDS.get(name)
    if handler is None:
        close = difflib.get_close_matches(name, NAMES, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else "; /help lists them"
        raise UsageError(f"unknown command {name}{hint}")
    return handler(session, argument)


def _model(session: Any, argument: str) -> None:
    state = session.state
    if not argument:
        session.say(f"model: {state.model} (give /model ID to change it)")
        return
    known = session.model_ids()
    if known and argument not in known:
        close = difflib.get_close_matches(argument, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        session.say(f"note: {argument} is not in the cached model list{hint}")
    state.model = argument
    session.say(f"model: {argument}")


def _pin(key: str) -> Callable[[Any, str], None]:
    def pin(session: Any, argument: str) -> None:
        setattr(session.state, key, argument or None)
        session.say(f"route: {session.state.pin()}")

    return pin


def _system(session: Any, argument: str) -> None:
    session.state.system = argument or None
    session.say(f"system prompt: {argument}" if argument else "system prompt removed")


def _new(session: Any, argument: str) -> None:
    session.new_conversation()


def _retry(session: Any, argument: str) -> Optional[str]:
    state = session.state
    if state.last_prompt is None:
        raise UsageError("nothing to retry yet")
    state.forget_last_turn()
    return state.last_prompt


def _edit(session: Any, argument: str) -> Optional[str]:
    env = session.env
    editor = env.getenv("VISUAL") or env.getenv("EDITOR") or "vi"
    handle, name = tempfile.mkstemp(prefix="lowrouter-", suffix=".md")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as draft:
            draft.write(argument)
        try:
            done = subprocess.run([*shlex.split(editor), name], check=False)
        except (OSError, ValueError) as error:
            raise UsageError(f"can't run the editor {editor!r}: {error}") from None
        if done.returncode != 0:
            raise UsageError(f"the editor {editor!r} exited with {done.returncode}: nothing sent")
        if os.path.getsize(name) > MAX_EDITED_BYTES:
            raise UsageError(f"the prompt is over {MAX_EDITED_BYTES // 1024} KiB: nothing sent")
        text = Path(name).read_text(encoding="utf-8", errors="strict").strip()
    except UnicodeDecodeError:
        raise UsageError("the edited prompt is not UTF-8: nothing sent") from None
    finally:
        os.unlink(name)
    if not text:
        session.say("empty prompt: nothing sent")
        return None
    return text


def _cost(session: Any, argument: str) -> None:
    for line in session.state.cost_lines():
        session.say(line)


def _trace(session: Any, argument: str) -> None:
    from lowrouter_cli.generations import eco_problems
    from lowrouter_cli.render.tables import print_generation

    generation_id = session.state.last_generation_id
    if generation_id is None:
        raise UsageError("no generation yet in this session")
    record = session.fetcher.fetch_now(generation_id, wait=10.0)
    print_generation(session.env, record, eco_problems(record))


def _copy(session: Any, argument: str) -> None:
    state = session.state
    if not state.turns:
        raise UsageError("no answer to copy yet")
    text = state.turns[-1].answer
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    env = session.env
    env.stdout.write(f"\x1b]52;c;{payload}\x07")  # the terminal copies it, if it allows OSC 52
    env.stdout.flush()
    session.say(f"copied {len(text):,} characters (OSC 52: the terminal must allow it)")


def _save(session: Any, argument: str) -> None:
    state = session.state
    if not argument:
        raise UsageError("give a file name: /save FILE")
    if not state.turns:
        raise UsageError("nothing to save yet")
    path = Path(os.path.expanduser(argument))
    parts = [f"# Conversation {state.conversation_id}\n"]
    if state.system:
        parts.append(f"**System:** {state.system}\n")
    for turn in state.turns:
        parts.append(f"## You\n\n{turn.prompt}\n\n## {turn.model or 'Answer'}\n\n{turn.answer.rstrip()}\n")
    try:
        with open(path, "x", encoding="utf-8") as out:  # never over an existing file
            out.write("\n".join(parts))
    except FileExistsError:
        raise UsageError(f"{path} exists: give another name") from None
    except OSError as error:
        raise UsageError(f"can't write {path}: {error.strerror or error}") from None
    session.say(f"saved {len(state.turns)} turn{'s' if len(state.turns) != 1 else ''} to {path}")


def _help(session: Any, argument: str) -> None:
    for line in help_lines():
        session.say(line)


def _exit(session: Any, argument: str) -> None:
    from lowrouter_cli.session_input import SessionEnded

    raise SessionEnded()


COMMANDS: dict[str, Callable[[Any, str], Optional[str]]] = {
    "/model": _model, "/region": _pin("region"), "/provider": _pin("provider"), "/system": _system,
    "/new": _new, "/retry": _retry, "/edit": _edit, "/cost": _cost, "/trace": _trace, "/copy": _copy,
    "/save": _save, "/help": _help, "/exit": _exit, "/quit": _exit,
}
