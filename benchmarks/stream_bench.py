"""Streaming benchmark: `lowrouter stream` side by side with `llm` and `curl -N`, in one run,
against the bundled emulator (in a process of its own), on the same long Markdown answer.

    python benchmarks/stream_bench.py [--words 26000] [--repeat 5] [--llm PATH]

Commands alternate (benchmarks/harness.py): medians with their spread, CPU from rusage, peak
memory from /usr/bin/time. lowrouter runs from this checkout installed as pip installs a wheel
(startup_bench.installed_copy). `llm` is the PyPI package (pip install llm), pointed at the emulator
through its extra-openai-models.yaml in a temporary LLM_USER_PATH; without it its row is skipped.
Bounds (issue 12): piped wall ≤ 0.08 × llm and ≤ 2.5 × curl -N; CPU per piped event at least a
third under issue 12's 9.4 µs; the public read loop within 5% of the private one it replaced;
terminal CPU at 2× length ≤ 2.4 × at 1×; extra CPU of live rendering over piped ≤ 1.5 × rich
rendering the finished answer once; peak memory of a piped answer 100× longer ≤ 1.3 × a short one.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, on_terminal, print_rows  # noqa: E402

from lowrouter_cli.emulator.scenarios import long_markdown, tokenize  # noqa: E402

KEY = "sk-lr-bench-0000"
BIN = Path(sys.executable).parent


def rich_render_once(text, repeat):
    """CPU of one render of the whole answer, by the Markdown factory the CLI uses."""
    from rich.console import Console

    from lowrouter_cli.render.markdown import make_markdown

    times = []
    for _ in range(repeat):
        console = Console(file=io.StringIO(), force_terminal=True, width=100, height=40, color_system="truecolor")
        started = time.process_time()
        console.print(make_markdown(text), crop=False)
        times.append(time.process_time() - started)
    return statistics.median(times)


def read_path_cost(emulator, words, repeat):
    """CPU per event of the read loop alone, in this process: urllib3's public reads in blocks
    (byte_stream.ByteStream, what lowrouter runs) against http.client's read1 reached through
    urllib3's private `_fp` (what it ran before), both feeding the SSE decoder."""
    import requests

    from lowrouter_cli.sse import SSEDecoder
    from lowrouter_cli.byte_stream import ByteStream

    body = {"model": "lowrouter/auto", "stream": True,
            "messages": [{"role": "user", "content": f"[[answer:long words={words}]]"}]}
    costs = {"public read1, blocks (now)": [], "private _fp.read1 (before)": []}
    for _ in range(repeat):
        for name in costs:
            response = requests.post(f"{emulator.base_url}/chat/completions", json=body, stream=True,
                                     headers={"Authorization": f"Bearer {KEY}", "Accept-Encoding": "identity"})
            decoder, events = SSEDecoder(), 0
            started = time.process_time()
            if name.startswith("public"):
                for block in ByteStream(response.status_code, response.headers, response):
                    events += len(decoder.feed(block))
            else:
                read1 = response.raw._fp.read1
                while data := read1(65536):
                    events += len(decoder.feed(data))
            costs[name].append((time.process_time() - started) / events * 1e6)
            response.close()
    return {name: statistics.median(values) for name, values in costs.items()}


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
    from startup_bench import installed_copy  # it imports this module

    prompt = f"[[answer:long words={args.words}]]"
    chunks = len(tokenize(long_markdown(args.words)))
    short_chunks = len(tokenize(long_markdown(2000)))
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        lowrouter = installed_copy(Path(tmp) / "installed")  # as pip installs it: compiled, no editable finder
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, LOWROUTER_NO_LOG="1",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp, COLUMNS="100", LINES="40")
        env.pop("NO_COLOR", None)
        print(f"answer: {args.words} words, {chunks} stream chunks; medians of {args.repeat} alternated runs\n")
        body = json.dumps({"model": "lowrouter/auto", "stream": True,
                           "messages": [{"role": "user", "content": prompt}]})
        commands = {
            "lowrouter stream | pipe": ([lowrouter, "stream", prompt], None),
            "curl -N | pipe": (["curl", "-sN", f"{emulator.base_url}/chat/completions", "-H",
                                f"Authorization: Bearer {KEY}", "-H", "Content-Type: application/json",
                                "-d", body], None),
            "lowrouter stream on a terminal (1x)": ([lowrouter, "stream", prompt], on_terminal),
            "lowrouter stream on a terminal (2x)": (
                [lowrouter, "stream", f"[[answer:long words={args.words * 2}]]"], on_terminal),
            "lowrouter stream | pipe, 2,000 words": ([lowrouter, "stream", "[[answer:long words=2000]]"], None),
        }
        if args.llm:
            env["LLM_USER_PATH"] = llm_setup(emulator, Path(tmp))["LLM_USER_PATH"]
            commands["llm (PyPI) | pipe"] = ([args.llm, "-m", "lowrouter-emulator", prompt], None)
        rows = {row.name: row for row in alternate(commands, env, args.repeat)}
        huge = alternate({"lowrouter stream | pipe, 200,000 words": (
            [lowrouter, "stream", "[[answer:long words=200000]]"], None)}, env, 1)[0]
        read_cost = read_path_cost(emulator, args.words, args.repeat)
    rich_once = rich_render_once(long_markdown(args.words), args.repeat)

    print_rows([*rows.values(), huge])
    print(f"{'rich renders the finished answer once (in-process CPU)':52} {'':22} {rich_once * 1000:8.0f}")
    print()
    pipe, tty1, tty2 = (rows["lowrouter stream | pipe"], rows["lowrouter stream on a terminal (1x)"],
                        rows["lowrouter stream on a terminal (2x)"])
    short = rows["lowrouter stream | pipe, 2,000 words"]
    per_event = (pipe.median("cpu") - short.median("cpu")) / (chunks - short_chunks) * 1e6
    print(f"CPU per piped event: ({pipe.median('cpu'):.2f} - {short.median('cpu'):.2f} s) / "
          f"{chunks - short_chunks} events = {per_event:.2f} µs (issue 12 measured 9.4 µs before)")
    now, before = read_cost["public read1, blocks (now)"], read_cost["private _fp.read1 (before)"]
    print(f"read loop alone, CPU per event: public read1 in blocks {now:.2f} µs, private _fp.read1 {before:.2f} µs "
          f"({(now / before - 1) * 100:+.1f}%)")
    print()
    checks = [
        ("piped wall / curl -N wall", pipe.median("wall") / rows["curl -N | pipe"].median("wall"), 2.5),
        ("CPU per piped event / 9.4 µs (issue 12)", per_event / 9.4, 2 / 3),
        ("public read loop / private read loop (CPU)", now / before, 1.05),
        ("terminal CPU 2x / 1x", tty2.median("cpu") / tty1.median("cpu"), 2.4),
        ("(terminal CPU - piped CPU) / rich once", (tty1.median("cpu") - pipe.median("cpu")) / rich_once, 1.5),
        ("peak memory 200,000 / 2,000 words", huge.median("peak_mib") / short.median("peak_mib"), 1.3),
    ]
    if args.llm:
        checks.insert(0, ("piped wall / llm wall", pipe.median("wall") / rows["llm (PyPI) | pipe"].median("wall"),
                          0.08))
    failed = False
    for name, ratio, bound in checks:
        ok = ratio <= bound
        failed |= not ok
        print(f"{name:52} {ratio:8.3f}  (bound {bound:.3g}) {'ok' if ok else 'OVER'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
