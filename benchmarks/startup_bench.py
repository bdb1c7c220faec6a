"""Start-up benchmark: lowrouter side by side with llm (PyPI) and a bare Python, in one run.

    python benchmarks/startup_bench.py [--repeat 15] [--llm PATH] [--before REV]

lowrouter runs as a user's install runs it: this checkout copied into a virtual environment of
its own, compiled, with a console script (the dependencies are this venv's). The editable install
of a checkout adds a finder to every start-up (about 12 ms of CPU here) that no user has; its
`chat` is shown too. `--before REV` adds the same commands from a git revision (main's previous
code), installed the same way.

Commands alternate (A B C … A B C …); wall-time medians with their spread, CPU (user + system of
the child), and peak memory from /usr/bin/time (benchmarks/harness.py). Bounds (issue 12):
`--help` ≤ 0.08 × `llm --help`; `chat` round trip ≤ 0.18 × `llm --no-stream` against the same
emulator; cached `models` ≤ 0.15 × `llm models` (in a pipe and on a terminal); TAB completion of model ids < 60 ms (see
catalog_bench.py for 20,000 models). Ratios are given for wall and for CPU time.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import shutil
import site
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import alternate, on_terminal, print_rows  # noqa: E402
from stream_bench import BIN, KEY, EmulatorProcess, llm_setup  # noqa: E402

CHECKOUT = Path(__file__).resolve().parent.parent
SCRIPT = "#!{python}\nimport sys\nfrom lowrouter_cli.entry import main\nif __name__ == '__main__':\n    sys.exit(main())\n"


def installed_copy(folder: Path, revision: str | None = None) -> str:
    """A venv in `folder` holding lowrouter_cli (this checkout, or `revision` of it) as pip installs
    a wheel: the package in site-packages, compiled, and a `lowrouter` console script. Its other
    dependencies come from this venv's site-packages, added by a .pth line (no editable finder)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    packages = next(folder.glob("lib/python*/site-packages"))
    if revision is None:
        shutil.copytree(CHECKOUT / "lowrouter_cli", packages / "lowrouter_cli",
                        ignore=shutil.ignore_patterns("__pycache__"))
    else:
        archive = subprocess.run(["git", "-C", str(CHECKOUT), "archive", revision, "lowrouter_cli"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(packages)
    compileall.compile_dir(packages / "lowrouter_cli", quiet=1)
    (packages / "dependencies.pth").write_text("".join(f"{path}\n" for path in site.getsitepackages()))
    script = folder / "bin" / "lowrouter"
    script.write_text(SCRIPT.format(python=folder / "bin" / "python"))
    script.chmod(0o755)
    return str(script)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--llm", default=shutil.which("llm"))
    parser.add_argument("--before", metavar="REV", help="also run this git revision's code (e.g. main's previous)")
    args = parser.parse_args()
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory() as tmp:
        lowrouter = installed_copy(Path(tmp) / "installed")
        env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url, LOWROUTER_API_KEY=KEY, COLUMNS="100",
                   XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        subprocess.run([lowrouter, "models"], env=env, stdout=subprocess.DEVNULL, check=True)  # a fresh cache
        python = str(Path(tmp) / "installed" / "bin" / "python")
        commands = {
            "python -c pass": ([python, "-c", "pass"], None),
            "python -c 'import typer, requests' (the floor)": ([python, "-c", "import typer, requests"], None),
            "python -c 'import typer'": ([python, "-c", "import typer"], None),
            "lowrouter --version": ([lowrouter, "--version"], None),
            "lowrouter --help": ([lowrouter, "--help"], None),
            "lowrouter chat --help": ([lowrouter, "chat", "--help"], None),
            "lowrouter chat hi (round trip)": ([lowrouter, "chat", "--no-log", "hi"], None),
            "lowrouter chat hi (editable install)": ([str(BIN / "lowrouter"), "chat", "--no-log", "hi"], None),
            "lowrouter chat hi (on a terminal: Markdown)": ([lowrouter, "chat", "--no-log", "hi"], on_terminal),
            # the emulator's answer to "hi" has bold and a list; this one is a plain sentence (no rich)
            "lowrouter chat (on a terminal: a plain answer)": ([lowrouter, "chat", "--no-log",
                                                               "Hello there. [[answer:echo bare=1]]"], on_terminal),
            "lowrouter models (cached)": ([lowrouter, "models"], None),
            "lowrouter models (cached, on a terminal)": ([lowrouter, "models"], on_terminal),
            "lowrouter __complete-models (TAB on -m)": ([lowrouter, "__complete-models"], None),
        }
        if args.before:
            before = installed_copy(Path(tmp) / "before", args.before)
            commands.update({
                f"{args.before}: lowrouter chat hi": ([before, "chat", "--no-log", "hi"], None),
                f"{args.before}: lowrouter models (cached)": ([before, "models"], None),
            })
        if args.llm:
            llm_env = llm_setup(emulator, Path(tmp))
            env.update({k: v for k, v in llm_env.items() if k == "LLM_USER_PATH"})
            commands.update({
                "llm --help": ([args.llm, "--help"], None),
                "llm --no-stream hi (round trip)": ([args.llm, "--no-stream", "-m", "lowrouter-emulator", "hi"], None),
                "llm --no-stream hi (on a terminal)": ([args.llm, "--no-stream", "-m", "lowrouter-emulator", "hi"],
                                                       on_terminal),
                "llm models": ([args.llm, "models"], None),
                "llm models (on a terminal)": ([args.llm, "models"], on_terminal),
            })
        rows = {row.name: row for row in alternate(commands, env, args.repeat)}
    print(f"medians of {args.repeat} alternated runs; spread is min–max; load average {os.getloadavg()[0]:.1f}\n")
    print_rows(list(rows.values()))
    print()
    checks = []
    if args.llm:
        checks = [("lowrouter --help", "llm --help", 0.08),
                  ("lowrouter chat hi (round trip)", "llm --no-stream hi (round trip)", 0.18),
                  ("lowrouter chat hi (on a terminal: Markdown)", "llm --no-stream hi (on a terminal)", 0.18),
                  ("lowrouter chat (on a terminal: a plain answer)", "llm --no-stream hi (on a terminal)", 0.18),
                  ("lowrouter models (cached)", "llm models", 0.15),
                  ("lowrouter models (cached, on a terminal)", "llm models (on a terminal)", 0.15)]
    failed = False
    print(f"{'ratio':72} {'wall':>6} {'CPU':>6}")
    for ours, theirs, bound in checks:
        wall = rows[ours].median("wall") / rows[theirs].median("wall")
        cpu = rows[ours].median("cpu") / rows[theirs].median("cpu")
        failed |= wall > bound
        print(f"{ours + ' / ' + theirs:72} {wall:6.3f} {cpu:6.3f}  (bound {bound}) {'ok' if wall <= bound else 'OVER'}")
    floor = rows["python -c 'import typer, requests' (the floor)"]
    for ours, base in (("lowrouter chat hi (round trip)", floor), ("lowrouter models (cached)",
                                                                   rows["python -c 'import typer'"])):
        print(f"{ours + ' above ' + base.name.split(' (')[0]:72} "
              f"{(rows[ours].median('wall') - base.median('wall')) * 1000:4.0f} ms"
              f" {(rows[ours].median('cpu') - base.median('cpu')) * 1000:4.0f} ms")
    complete = rows["lowrouter __complete-models (TAB on -m)"].median("wall") * 1000
    print(f"{'TAB completion (few models; 20,000 in catalog_bench.py)':72} {complete:6.0f} ms")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
