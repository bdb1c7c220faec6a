"""`lowrouter-emulator`: serve the emulated gateway, or run one command against it.

    lowrouter-emulator [--port 8765]             serve until Ctrl-C
    lowrouter-emulator run -- lowrouter chat hi  start on a free port, run the command with
                                                 LOWROUTER_BASE_URL and LOWROUTER_API_KEY set,
                                                 stop, and exit with the command's status
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from lowrouter_cli.emulator.server import Emulator

DEMO_KEY = "sk-lr-emulator-demo-0000"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="lowrouter-emulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--api-key", default=None,
                        help="accept only this key (default: any key starting with sk-lr-)")
    parser.add_argument("--record-delay", type=float, default=1.0,
                        help="seconds before a generation record becomes readable")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="run -- COMMAND...: run one command against a fresh emulator")
    args = parser.parse_args(argv)

    if args.command and args.command[0] == "run":
        command = args.command[1:]
        if command[:1] in (["-h"], ["--help"]):  # `run --help` is a question, not a program to run
            parser.print_help()
            sys.exit(0)
        if command[:1] == ["--"]:
            command = command[1:]
        if not command:
            parser.error("run needs a command: lowrouter-emulator run -- lowrouter chat hi")
        with Emulator(args.host, 0, api_key=args.api_key, record_delay=args.record_delay,
                      verbose=args.verbose) as emulator:
            env = dict(os.environ, LOWROUTER_BASE_URL=emulator.base_url)
            env.setdefault("LOWROUTER_API_KEY", args.api_key or DEMO_KEY)
            try:
                status = subprocess.call(command, env=env)
            except FileNotFoundError:
                print(f"lowrouter-emulator: command not found: {command[0]}", file=sys.stderr)
                status = 127
            except KeyboardInterrupt:
                status = 130
        sys.exit(status)
    if args.command:
        parser.error(f"unknown command {args.command[0]!r} (expected: run -- COMMAND...)")

    emulator = Emulator(args.host, args.port, api_key=args.api_key, record_delay=args.record_delay,
                        verbose=args.verbose)
    print(f"LowRouter emulator on {emulator.base_url}\n"
          f"  export LOWROUTER_BASE_URL={emulator.base_url}\n"
          f"  export LOWROUTER_API_KEY={args.api_key or DEMO_KEY}", file=sys.stderr, flush=True)
    try:
        emulator.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.state.stopping.set()
        emulator.server.server_close()


if __name__ == "__main__":
    main()
