"""Our own files are opened as themselves: no symbolic link at the key or history path is
followed, a key file owned by someone else is refused, one we can't read says so."""

from __future__ import annotations

import os

import pytest

from conftest import TEST_KEY, cli_environ, run_in_process
from lowrouter_cli import store


@pytest.fixture
def folders(user_dirs):
    config, data = user_dirs / ".config/lowrouter", user_dirs / ".local/share/lowrouter"
    config.mkdir(parents=True, mode=0o700)
    data.mkdir(parents=True)
    return config, data


def run(argv, base_url):
    return run_in_process(argv, environ=cli_environ(base_url, None, None))


def test_a_symlink_at_the_key_path_is_refused_and_its_target_untouched(folders, emulator, tmp_path):
    config, _ = folders
    target = tmp_path / "some-other-file"
    target.write_text("first line of another file\n")
    target.chmod(0o644)
    (config / "key").symlink_to(target)
    result = run(["chat", "hi"], emulator.base_url)
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert f"{config / 'key'} is a symbolic link" in result.stderr
    assert target.stat().st_mode & 0o777 == 0o644  # not chmod'ed through the link
    assert "first line" not in result.stderr


def test_a_key_file_of_another_user_is_refused(folders, emulator, monkeypatch):
    config, _ = folders
    (config / "key").write_text(TEST_KEY + "\n")
    (config / "key").chmod(0o600)
    monkeypatch.setattr(store.os, "getuid", lambda: os.stat(config / "key").st_uid + 1)
    result = run(["chat", "hi"], emulator.base_url)
    assert result.returncode == 3 and "belongs to another user" in result.stderr and str(config / "key") in result.stderr


def test_an_unreadable_key_file_says_so(folders, emulator, monkeypatch):
    config, _ = folders
    (config / "key").write_text(TEST_KEY + "\n")

    def refuse(path, flags, mode=0o600):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "open_no_follow", refuse)
    result = run(["chat", "hi"], emulator.base_url)
    assert result.returncode == 3
    assert result.stderr == f"lowrouter: error: cannot read the key file {config / 'key'}: Permission denied\n"


def test_a_key_file_readable_by_others_is_fixed_with_a_warning(folders, emulator):
    config, _ = folders
    (config / "key").write_text(TEST_KEY + "\n")
    (config / "key").chmod(0o644)
    result = run(["chat", "hi"], emulator.base_url)
    assert result.returncode == 0
    assert (config / "key").stat().st_mode & 0o777 == 0o600
    assert f"{config / 'key'} was readable by others (mode 644); set it to 600" in result.stderr


def test_a_symlink_at_the_ledger_path_is_never_followed(folders, emulator, tmp_path):
    _, data = folders
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    (data / "ledger.db").symlink_to(target)
    environ = cli_environ(emulator.base_url, TEST_KEY, None)
    chat = run_in_process(["chat", "hi"], environ=environ)
    assert chat.stdout and f"{data / 'ledger.db'} is a symbolic link" in chat.stderr
    listing = run_in_process(["generation", "--list"], environ=environ)
    assert listing.returncode != 0 and f"{data / 'ledger.db'} is a symbolic link" in listing.stderr
    assert target.read_text() == "precious\n"


def test_a_key_with_controls_is_never_stored_or_shown(folders):
    config, _ = folders
    for key in ("sk-lr-abc\x1b]0;t\x07defghijk", "sk-lr-abc\x9bdefghijklmn"):
        result = run_in_process(["auth", "login", "--no-verify"], input=key + "\n",
                                environ=cli_environ(None, None, None))
        assert result.returncode == 2 and "control" in result.stderr
        assert "abc" not in result.stderr and "defghijk" not in result.stderr
        assert not (config / "key").exists()
    (config / "key").write_text("sk-lr-first\nsecond-line-of-key\n")
    (config / "key").chmod(0o600)
    result = run(["chat", "hi"], "http://127.0.0.1:9/api/v1")
    assert result.returncode == 2 and str(config / "key") in result.stderr
    assert "first" not in result.stderr and "second-line" not in result.stderr
