"""Streaming benchmark: `lowrouter stream` side by side with `llm` and `curl -N`, in one run,
against the bundled emulator, on the same long Markdown answer. Prints medians and ratios.

    python benchmarks/stream_bench.py [--words 26000] [--repeat 3] [--llm PATH]

`llm` is the PyPI package (pip install llm); it is pointed at the emulator through its
extra-openai-models.yaml in a temporary LLM_USER_PATH. Without it, its row is skipped.
Bounds (issue 3): piped wall ≤ 0.15 × llm and ≤ 4 × curl; terminal CPU at 2× length ≤ 2.4 × at 1×;
extra CPU of live rendering over piped ≤ 1.5 × rich rendering the finished answer once; peak
memory of a piped answer 100× longer ≤ 1.3 × a short one.
"""

from __future__ import annotations

import argparse
import fcntl
import io
import json
import os
import pty
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from lowrouter_cli.emulator.scenarios import long_markdown, tokenize

KEY = "sk-lr-bench-0000"
BIN = Path(sys.executable).parent


def measured(cmd, env, *, tty=False):
    """Run cmd with stdout drained from a pipe (or a pty); return wall s, CPU s, peak RSS MiB."""
    if tty:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        stdout = stderr = slave
    else:
        read_end, write_end = os.pipe()
        master, stdout, stderr = read_end, write_end, subprocess.DEVNULL
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    os.close(slave if tty else write_end)
    received = [0]

    def drain():
        while True:
            try:
                data = os.read(master, 1 << 16)
            except OSError:
                return
            if not data:
                return
            received[0] += len(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    reader.join(5)
    os.close(master)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, received[0]


def median_of(repeat, cmd, env, **kwargs):
    runs = [measured(cmd, env, **kwargs) for _ in range(repeat)]
    return tuple(statistics.median(run[i] for run in runs) for i in range(4))


def rich_render_once(text, repeat):
    from rich.console import Console
    from rich.markdown import Markdown

    times = []
    for _ in range(repeat):
        console = Console(file=io.StringIO(), force_terminal=True, width=100, height=40, color_system="truecolor")
        started = time.process_time()
        console.print(Markdown(text))
        times.append(time.process_time() - started)
    return statistics.median(times)


class EmulatorProcess:
    """The emulator in a process of its own, as a real gateway would be: it then shares no GIL with
    this harness (whose reader thread wakes once per token)."""

    def __enter__(self):
        self.process = subprocess.Popen([str(BIN / "lowrouter-emulator"), "--port", "0", "--api-key", KEY],
                                        stderr=subprocess.PIPE, text=True)
        first = self.process.stderr.readline()
        self.base_url = first.rsplit(" ", 1)[-1].strip()
        assert self.base_url.startswith("http://127.0.0.1:"), first
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)


def llm_setup(emulator, folder):
    (folder / "extra-openai-models.yaml").write_text(
        "- model_id: lowrouter-emulator\n"
        "  model_name: lowrouter/auto\n"
        f"  api_base: \"{emulator.base_url}\"\n"
        "  api_key_name: lowrouter\n")
    (folder / "keys.json").write_text(json.dumps({"lowrouter": KEY}))
    return dict(os.environ, LLM_USER_PATH=str(folder))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=26000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--llm", default=shutil.which("llm"))
    args = parser.parse_args()

    lowrouter = str(BIN / "lowrouter") if (BIN / "lowrouter").exists() else shutil.which("lowrouter")
    prompt = f"[[answer:long words={args.words}]]"
    chunks = len(tokenize(long_markdown(args.words)))
    rows = []
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY,
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp, COLUMNS="100", LINES="40")
        env.pop("NO_COLOR", None)
        print(f"answer: {args.words} words, {chunks} stream chunks; medians of {args.repeat} runs\n")

        pipe = median_of(args.repeat, [lowrouter, "stream", prompt], env)
        body = json.dumps({"model": "lowrouter/auto", "stream": True,
                           "messages": [{"role": "user", "content": prompt}]})
        curl = median_of(args.repeat, ["curl", "-sN", f"{emulator.base_url}/chat/completions",
                                       "-H", f"Authorization: Bearer {KEY}", "-H", "Content-Type: application/json",
                                       "-d", body], env)
        llm = None
        if args.llm:
            llm_env = llm_setup(emulator, Path(tmp))
            llm = median_of(args.repeat, [args.llm, "-m", "lowrouter-emulator", prompt], llm_env)

        tty1 = median_of(args.repeat, [lowrouter, "stream", prompt], env, tty=True)
        prompt2 = f"[[answer:long words={args.words * 2}]]"
        tty2 = median_of(args.repeat, [lowrouter, "stream", prompt2], env, tty=True)
        rich_once = rich_render_once(long_markdown(args.words), args.repeat)

        short = median_of(args.repeat, [lowrouter, "stream", "[[answer:long words=2000]]"], env)
        huge = median_of(1, [lowrouter, "stream", "[[answer:long words=200000]]"], env)

    print(f"{'run':44} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    for name, row in [("lowrouter stream | pipe", pipe), ("curl -N | pipe", curl),
                      ("llm (PyPI) | pipe", llm), ("lowrouter stream on a terminal (1x)", tty1),
                      ("lowrouter stream on a terminal (2x)", tty2),
                      ("lowrouter stream | pipe, 2,000 words", short),
                      ("lowrouter stream | pipe, 200,000 words", huge)]:
        if row is not None:
            print(f"{name:44} {row[0]:8.2f} {row[1]:8.2f} {row[2]:9.1f}")
    print(f"{'rich renders the finished answer once':44} {'':8} {rich_once:8.2f}")
    print()
    extra = tty1[1] - pipe[1]
    checks = [
        ("piped wall / curl -N wall", pipe[0] / curl[0], 4.0),
        ("terminal CPU 2x / 1x", tty2[1] / tty1[1], 2.4),
        ("(terminal CPU - piped CPU) / rich once", extra / rich_once, 1.5),
        ("peak memory 200,000 / 2,000 words", huge[2] / short[2], 1.3),
    ]
    if llm is not None:
        checks.insert(0, ("piped wall / llm wall", pipe[0] / llm[0], 0.15))
    failed = False
    for name, ratio, bound in checks:
        ok = ratio <= bound
        failed |= not ok
        print(f"{name:44} {ratio:8.3f}  (bound {bound}) {'ok' if ok else 'OVER'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
