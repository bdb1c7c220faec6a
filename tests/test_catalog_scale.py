"""Large catalogs: long model tables laid out without rich (the same text, styled the same way),
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


def printed(models, *, columns: int, color: str, no_color: bool = False) -> str:
    out = io.StringIO()
    environ = {"COLUMNS": str(columns), **({"NO_COLOR": "1"} if no_color else {})}
    tables.print_models(Environment(stdout=out, stdout_isatty=True, environ=environ, color=color), models)
    return out.getvalue()


@pytest.mark.parametrize("columns", [100, 80])
@pytest.mark.parametrize("color, no_color", [("always", False), ("auto", True), ("never", False)])
def test_a_long_table_prints_what_rich_prints(monkeypatch, columns, color, no_color):
    models = parse_models(catalog(60))
    monkeypatch.setattr(fit, "RICH_ROWS", 1000)
    by_rich = printed(models, columns=columns, color=color, no_color=no_color)
    monkeypatch.setattr(fit, "RICH_ROWS", 10)
    plain = printed(models, columns=columns, color=color, no_color=no_color)
    assert ANSI.sub("", plain) == ANSI.sub("", by_rich)  # the same text, line for line
    assert len(plain.splitlines()) == 61
    if color == "never":
        assert plain == by_rich and "\x1b" not in plain
    else:  # the same styles: bold header, status colours (none of them under NO_COLOR)
        assert plain.startswith("\x1b[1m") and ("\x1b[33m" in plain) is (not no_color)
        assert ("\x1b[33m" in by_rich) is (not no_color)


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
