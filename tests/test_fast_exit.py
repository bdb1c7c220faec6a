"""The process exits without the interpreter's cycle collection over every module (gc.freeze once
the run is done): its exit code and everything else unchanged."""

import pytest


def test_the_process_exit_skips_collecting_what_is_still_alive(monkeypatch):
    import gc

    from lowrouter_cli import cli

    monkeypatch.setattr(cli, "run", lambda env: 3)
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main()
        assert exited.value.code == 3 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
