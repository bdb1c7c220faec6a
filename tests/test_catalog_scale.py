"""Large catalogs: model tables laid out without rich (the same text, styled the same way),
and the ready list of ids beside the model cache that TAB completion reads."""

from __future__ import annotations

import io
import json
import os
import re

import pytest

from lowrouter_cli import completion
from lowrouter_cli.catalog import parse_models
from lowrouter_cli.context import Environment
from lowrouter_cli.render import fit, tables

from conftest import user_folders

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def catalog(count: int) -> dict:
    data = [{"id": f"vendor{n % 7}/model-{n:04d}", "name": f"Model {n} " + "x" * (n % 13),
             "context_length": [8192, 128000][n % 2],
             "pricing": {"prompt": f"{(n % 9 + 1) / 1e7:.8f}", "completion": f"{(n % 5 + 1) / 1e6:.8f}"},
             "lowrouter": {"endpoints": [{"provider": f"p{n % 3}", "region": "eu-west",
                                          "status": ["up", "degraded", "down"][n % 3]}]}}
            for n in range(count)]
    return {"object": "list", "data": data}


def printed(models, *, columns: int, color: str, no_color: bool = False, term: str | None = None) -> str:
    out = io.StringIO()
    environ = {"COLUMNS": str(columns), **({"NO_COLOR": "1"} if no_color else {}), **({"TERM": term} if term else {})}
    tables.print_models(Environment(stdout=out, stdout_isatty=True, environ=environ, color=color), models)
    return out.getvalue()


def by_rich(env, columns, rows):
    """The table as rich's Table lays it out (what fit.print_fitted printed before plain_table)."""
    from rich.table import Table
    from rich.text import Text

    from lowrouter_cli.render.console import make_console

    console = make_console(env)
    shown = fit.fitted_columns(columns, rows, console.width)
    table = Table(box=None, padding=(0, fit.GAP // 2), pad_edge=False, header_style="bold", expand=False)
    for index in shown:
        table.add_column(columns[index].header, justify=columns[index].justify, no_wrap=True)
    for row in rows:
        table.add_row(*(Text(str(row[i]), style=getattr(row[i], "style", "")) for i in shown))
    console.print(table)


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("columns", [100, 80])
@pytest.mark.parametrize("color, no_color, term", [("always", False, None), ("auto", True, None), ("never", False, None),
                                                   ("always", False, "dumb"), ("auto", False, "xterm-256color")])
def test_tables_print_what_rich_prints(monkeypatch, count, columns, color, no_color, term):
    models = parse_models(catalog(count))
    rich_out = io.StringIO()
    monkeypatch.setattr(fit, "print_fitted", lambda env, columns, rows: by_rich(
        Environment(**{**env.__dict__, "stdout": rich_out}), columns,
        [[fit.Cell(str(cell), getattr(cell, "style", "")) for cell in row] for row in rows]))
    environ = {"COLUMNS": str(columns), **({"NO_COLOR": "1"} if no_color else {}), **({"TERM": term} if term else {})}
    tables.print_models(Environment(stdout=io.StringIO(), stdout_isatty=True, environ=environ, color=color), models)
    monkeypatch.undo()
    plain = printed(models, columns=columns, color=color, no_color=no_color, term=term)
    by_rich_text = rich_out.getvalue()
    assert ANSI.sub("", plain) == ANSI.sub("", by_rich_text)  # the same text, line for line
    assert len(plain.splitlines()) == count + 1
    if color == "never" or term == "dumb":
        assert plain == by_rich_text and "\x1b" not in plain
    else:  # the same styles: bold header, status colours (none of them under NO_COLOR)
        assert plain.startswith("\x1b[1m") and ("\x1b[33m" in plain) is (not no_color)
        assert ("\x1b[33m" in by_rich_text) is (not no_color)
        assert set(ANSI.findall(plain)) == set(ANSI.findall(by_rich_text))


def test_each_style_is_written_as_rich_writes_it():
    from rich.console import Console
    from rich.style import Style

    from lowrouter_cli.render.plain_table import SGR, painter

    for no_color in (False, True):
        env = Environment(stdout=io.StringIO(), stdout_isatty=True, environ={"NO_COLOR": "1"} if no_color else {})
        paint = painter(env)
        for system in ("standard", "256", "truecolor"):
            console = Console(file=io.StringIO(), force_terminal=True, color_system=system, no_color=no_color)
            for style in SGR:
                console.file = io.StringIO()
                console.print("x", style=style, end="")
                assert paint("x", style) == console.file.getvalue(), (style, system, no_color)


def test_tab_completion_reads_the_ready_list_beside_the_cache(run_cli, emulator, user_dirs):
    assert run_cli("models").returncode == 0
    folders = user_folders(dict(os.environ))
    cache = next(folders["cache_dir"].glob("models-*.json"))
    ids_file = cache.with_suffix(".ids")
    ids = [m["id"] for m in json.loads(cache.read_text())["body"]["data"]]
    assert ids_file.read_text() == "".join(f"{i}\n" for i in ids)
    cache.write_text(json.dumps({"body": {"data": [{"id": "not/read"}]}}))  # newer than the list now
    assert completion.model_ids_in(cache) == ["not/read"]
    os.utime(ids_file)  # the list as new as the cache again: read instead of the JSON
    assert completion.model_ids_in(cache) == ids


def test_ids_a_shell_cannot_offer_are_left_out_of_the_list():
    body = {"data": [{"id": "a/b"}, {"id": "new\nline"}, {"id": "esc\x1b[2J"}, {"id": " "}, {"id": "\ud800"},
                     {"id": 5}, "x", {"id": "ünï/cödé"}]}
    assert completion.model_ids_of(body) == ["a/b", "ünï/cödé"]
