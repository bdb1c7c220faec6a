"""store.py to the byte: file modes, names of temporary files, exact messages, the key file's
limits and refusals, config.toml's text (found by mutmut: each test fails for a changed line)."""

import errno
import json
import os
import stat

import pytest

from lowrouter_cli import store
from lowrouter_cli.errors import AuthError, UsageError


def mode_of(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomic_default_mode_utf8_and_no_temporary_left(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "file.json"
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(store.os, "replace", lambda a, b: (seen.append(os.path.basename(a)), real_replace(a, b)))
    store.write_atomic(target, "café ✓")
    assert target.read_bytes() == "café ✓".encode("utf-8") and mode_of(target) == 0o644
    [temporary] = seen
    assert temporary.startswith(".file.json.") and temporary.endswith(".tmp")
    assert os.listdir(target.parent) == ["file.json"]


def test_write_atomic_failure_removes_the_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(store.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(errno.EXDEV, "no")))
    with pytest.raises(OSError):
        store.write_atomic(tmp_path / "x", "data", 0o600)
    assert os.listdir(tmp_path) == []


def test_read_fd_reads_up_to_just_past_the_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"a" * 200_000)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert store._read_fd(fd) == b"a" * 200_000
    finally:
        os.close(fd)
    for limit, expected in ((0, 65536), (65535, 65536), (65536, 131072), (131071, 131072)):
        fd = os.open(path, os.O_RDONLY)
        try:
            assert len(store._read_fd(fd, limit)) == expected, limit
        finally:
            os.close(fd)


def test_not_followed_is_an_eloop_error_naming_the_path(tmp_path):
    error = store.NotFollowed(tmp_path / "key")
    assert error.errno == errno.ELOOP and error.path == tmp_path / "key"
    assert str(error) == f"{tmp_path / 'key'} is a symbolic link (not followed)"


def test_open_no_follow_refuses_a_link_and_creates_with_mode_0600(tmp_path):
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(store.NotFollowed):
        store.open_no_follow(tmp_path / "link", os.O_RDONLY)
    os.umask(0o022)
    fd = store.open_no_follow(tmp_path / "new", os.O_WRONLY | os.O_CREAT)
    try:
        assert mode_of(tmp_path / "new") == 0o600
        assert fcntl_cloexec(fd)
    finally:
        os.close(fd)
    with pytest.raises(FileNotFoundError):
        store.open_no_follow(tmp_path / "missing", os.O_RDONLY)


def fcntl_cloexec(fd):
    import fcntl

    return bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)


def key_env(fake_env, tmp_path):
    env = fake_env()
    env.config_dir.mkdir(mode=0o700)
    return env


def test_stored_key_is_read_stripped_and_its_path_given(fake_env, tmp_path):
    env = key_env(fake_env, tmp_path)
    path = env.config_dir / "key"
    path.write_text("  sk-lr-abc \n")
    path.chmod(0o600)
    warnings = []
    assert store.read_stored_key(env, warnings.append) == ("sk-lr-abc", str(path))
    assert warnings == []
    path.write_text(" \n")
    assert store.read_stored_key(env, warnings.append) is None


def test_loose_modes_are_tightened_with_exact_warnings(fake_env, tmp_path):
    env = key_env(fake_env, tmp_path)
    path = env.config_dir / "key"
    path.write_text("sk-lr-abc")
    path.chmod(0o640)
    env.config_dir.chmod(0o750)
    warnings = []
    store.read_stored_key(env, warnings.append)
    assert warnings == [f"warning: {env.config_dir} was readable by others (mode 750); set it to 700",
                        f"warning: {path} was readable by others (mode 640); set it to 600"]
    assert mode_of(path) == 0o600 and mode_of(env.config_dir) == 0o700
    path.chmod(0o400)  # tighter than wanted: left alone, no warning
    warnings.clear()
    store.read_stored_key(env, warnings.append)
    assert warnings == [] and mode_of(path) == 0o400


def test_key_file_refusals_name_the_path(fake_env, tmp_path):
    env = key_env(fake_env, tmp_path)
    path = env.config_dir / "key"
    path.mkdir()
    with pytest.raises(AuthError) as info:
        store.read_stored_key(env, print)
    assert info.value.message in (f"the key file {path} is not a regular file",
                                  f"cannot read the key file {path}: Is a directory")
    path.rmdir()
    path.write_bytes(b"\xff\xfe")
    path.chmod(0o600)
    with pytest.raises(AuthError) as info:
        store.read_stored_key(env, print)
    assert info.value.message == f"the key file {path} is not UTF-8 text"
    path.unlink()
    os.mkfifo(path, 0o600)  # a FIFO must neither hang us nor pass as a key
    with pytest.raises(AuthError) as info:
        store.read_stored_key(env, print)
    assert info.value.message == f"the key file {path} is not a regular file"


def test_a_huge_key_file_is_read_only_to_its_limit(fake_env, tmp_path, monkeypatch):
    env = key_env(fake_env, tmp_path)
    path = env.config_dir / "key"
    path.write_bytes(b"k" * (store.KEY_FILE_LIMIT * 4))
    path.chmod(0o600)
    limits = []
    real = store._read_fd
    monkeypatch.setattr(store, "_read_fd", lambda fd, limit=None: (limits.append(limit), real(fd, limit))[1])
    key, _ = store.read_stored_key(env, print)
    assert limits == [store.KEY_FILE_LIMIT] and len(key) == store.KEY_FILE_LIMIT + (1 << 16)


def test_an_unreadable_key_file_is_one_auth_error(fake_env, tmp_path, monkeypatch):
    env = key_env(fake_env, tmp_path)
    path = env.config_dir / "key"
    path.write_text("sk-lr-abc")
    path.chmod(0o600)

    def failing_read(fd, limit=None):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(store, "_read_fd", failing_read)
    with pytest.raises(AuthError) as info:
        store.read_stored_key(env, print)
    assert info.value.message == f"cannot read the key file {path}: Input/output error"


def test_write_and_delete_key(fake_env, tmp_path):
    env = fake_env()
    path = store.write_key(env, "sk-lr-new")
    assert path == env.config_dir / "key" and path.read_text() == "sk-lr-new\n"
    assert mode_of(path) == 0o600 and mode_of(env.config_dir) == 0o700
    assert store.write_key(env, "sk-lr-again").read_text() == "sk-lr-again\n"  # the folder exists: fine
    assert store.delete_key(env) is True and not path.exists()
    assert store.delete_key(env) is False


def test_a_key_that_cannot_be_removed_is_a_usage_error(fake_env, monkeypatch):
    env = fake_env()
    path = store.write_key(env, "sk-lr-new")

    def read_only(self, missing_ok=False):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(type(path), "unlink", read_only)
    with pytest.raises(UsageError) as info:
        store.delete_key(env)
    assert info.value.message == f"cannot write {path}: Read-only file system"


def test_config_file_text_and_mode(fake_env):
    env = fake_env()
    path = store.write_config(env, {"timeout": 30.0, "region": "eu-west", "flag": False, "on": True, "n": 3})
    assert path.read_text() == ('# lowrouter defaults: lowrouter config set KEY VALUE\nflag = false\nn = 3\n'
                                'on = true\nregion = "eu-west"\ntimeout = 30.0\n')
    assert mode_of(path) == 0o600
    assert store.read_config(env) == {"flag": False, "n": 3, "on": True, "region": "eu-west", "timeout": 30.0}


def test_model_cache_entry_and_ids_file(fake_env):
    env = fake_env(wall_clock=lambda: 1234.5)
    body = {"data": [{"id": "a/x"}, {"id": "b/y"}]}
    store.write_models_cache(env, "https://g/api/v1", body, '"e1"', print)
    path = store.models_cache_path(env, "https://g/api/v1")
    assert json.loads(path.read_text()) == {"base_url": "https://g/api/v1", "fetched_at": 1234.5, "etag": '"e1"',
                                            "body": body}
    from lowrouter_cli.completion import ids_path

    assert open(ids_path(path)).read() == "a/x\nb/y\n"


def test_an_unwritable_model_cache_warns_with_the_reason(fake_env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    env = fake_env(cache_dir=blocker / "cache")
    warnings = []
    store.write_models_cache(env, "u", {"data": []}, None, warnings.append)
    assert warnings == [f"warning: cannot write the model cache {store.models_cache_path(env, 'u')}: Not a directory"]


def test_a_symbolic_link_is_refused_whatever_error_opening_it_gives(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(store.NotFollowed):  # EEXIST here, not ELOOP
        store.open_no_follow(tmp_path / "dangling", os.O_WRONLY | os.O_CREAT | os.O_EXCL)


def test_write_atomic_writes_its_temporary_file_beside_the_target(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(store.os, "replace", lambda a, b: (seen.append(a), real_replace(a, b)))
    store.write_atomic(tmp_path / "f", "x")
    assert [os.path.dirname(a) for a in seen] == [str(tmp_path)]


def test_json_files_are_read_up_to_the_cap_in_bytes(tmp_path, monkeypatch):
    from lowrouter_cli import jsontext

    monkeypatch.setattr(jsontext, "MAX_JSON_BYTES", 20)
    path = tmp_path / "f.json"
    path.write_text('"' + "x" * 18 + '"')  # exactly 20 bytes
    assert store.read_json(path) == "x" * 18
    path.write_text('"' + "x" * 19 + '"')
    assert store.read_json(path) is None
    path.write_text('"é' + "x" * 17 + '"')  # 20 characters, 21 bytes
    assert store.read_json(path) is None


@pytest.mark.parametrize("write", [lambda env: store.write_key(env, "sk-lr-x"),
                                   lambda env: store.write_config(env, {"region": "eu"})])
def test_a_key_or_config_that_cannot_be_written_is_one_usage_error(fake_env, monkeypatch, write):
    env = fake_env()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(store, "write_atomic", read_only)
    with pytest.raises(UsageError) as info:
        write(env)
    assert info.value.message.startswith(f"cannot write {env.config_dir}/")
    assert info.value.message.endswith(": Read-only file system")


def test_config_that_cannot_be_read_names_the_file_and_why(fake_env):
    env = fake_env()
    path = store.config_path(env)
    path.mkdir(parents=True)
    with pytest.raises(UsageError) as info:
        store.read_config(env)
    assert info.value.message == f"cannot read {path}: Is a directory"
    path.rmdir()
    path.write_bytes(b'model = "caf\xff"\n')
    with pytest.raises(UsageError) as info:
        store.read_config(env)
    assert info.value.message.startswith(f"cannot read {path}: 'utf-8' codec can't decode byte 0xff")


@pytest.mark.parametrize("text, line", [('model = "a"\ntimeout =', "at line 2, the end"),
                                         ("a = 1\nmodel = [\n", "at line 2, the end"),
                                         ("x =", "at line 1, the end")])
def test_a_config_cut_short_names_its_last_line(fake_env, text, line):
    env = fake_env()
    path = store.config_path(env)
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        store.read_config(env)
    assert info.value.message.startswith(f"{path} is not valid TOML: ") and f"({line})" in info.value.message


def test_the_key_is_written_where_no_folder_exists_yet(fake_env, tmp_path):
    env = fake_env(config_dir=tmp_path / "home" / ".config" / "lowrouter")
    path = store.write_key(env, "sk-lr-deep")
    assert path.read_text() == "sk-lr-deep\n" and mode_of(path.parent) == 0o700


def test_write_atomic_makes_every_missing_folder(tmp_path):
    store.write_atomic(tmp_path / "a" / "b" / "f.json", "{}")
    assert (tmp_path / "a" / "b" / "f.json").read_text() == "{}"


def test_the_config_file_is_config_toml_in_the_config_folder(fake_env):
    env = fake_env()
    assert store.config_path(env) == env.config_dir / "config.toml"
    assert store.write_config(env, {}) == env.config_dir / "config.toml"


def test_the_model_cache_reads_back_only_a_whole_entry(fake_env):
    env = fake_env(wall_clock=lambda: 99)
    body = {"data": [{"id": "a/x"}]}
    store.write_models_cache(env, "https://g/api/v1", body, None, print)
    assert store.read_models_cache(env, "https://g/api/v1") == {
        "base_url": "https://g/api/v1", "fetched_at": 99, "etag": None, "body": body}
    assert store.read_models_cache(env, "https://other/api/v1") is None
    path = store.models_cache_path(env, "u")
    for entry in ([], {"fetched_at": "1", "body": body}, {"fetched_at": 1, "body": []},
                  {"fetched_at": 1, "body": {"data": {}}}, {"body": body}):
        store.write_atomic(path, json.dumps(entry))
        assert store.read_models_cache(env, "u") is None, entry
    store.write_atomic(path, json.dumps({"fetched_at": 1.5, "body": {"data": []}}))
    assert store.read_models_cache(env, "u") == {"fetched_at": 1.5, "body": {"data": []}}


@pytest.fixture
def ascii_locale():
    """The C locale, whose codec is ASCII: files must be UTF-8 whatever the user's locale."""
    import locale

    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def test_files_are_utf8_whatever_the_locale(fake_env, tmp_path, ascii_locale):
    store.write_atomic(tmp_path / "f", "café ✓")
    assert (tmp_path / "f").read_bytes() == "café ✓".encode("utf-8")
    env = fake_env()
    env.config_dir.mkdir()
    (env.config_dir / "config.toml").write_bytes('region = "café"\n'.encode("utf-8"))
    assert store.read_config(env) == {"region": "café"}


def test_json_reading_stops_past_the_cap_without_waiting_for_the_end(tmp_path, monkeypatch):
    # A FIFO (or a file still growing) at the cache's path: one byte past the cap is enough to
    # refuse it; reading on to the end would wait on the writer.
    import threading

    from lowrouter_cli import jsontext

    monkeypatch.setattr(jsontext, "MAX_JSON_BYTES", 20)
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    done, gave_up = threading.Event(), []

    def writer():
        with open(path, "wb") as handle:
            handle.write(b"[" + b"1" * 20)  # 21 bytes: one past the cap
            handle.flush()
            gave_up.append(not done.wait(10))  # the reader never came back: close to free it

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert store.read_json(path) is None
    finally:
        done.set()
        thread.join()
    assert gave_up == [False]
