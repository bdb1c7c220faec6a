"""The Environment: everything the CLI takes from the operating system, built in one place.

Streams and whether each is a terminal, the environment variables, colour choice, the user
folders, and the clocks. Nothing else in the package calls isatty() or platformdirs; tests build
an Environment of their own instead of patching globals.
"""

from __future__ import annotations

import io
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, TextIO

from lowrouter_cli.paths import APP_NAME

# An Environment built without folders has none: reading finds nothing and writing fails with a
# warning, rather than landing in whatever the working directory happens to be.
NO_FOLDER = Path(os.devnull)


@dataclass
class Environment:
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)
    config_dir: Path = NO_FOLDER
    cache_dir: Path = NO_FOLDER
    data_dir: Path = NO_FOLDER
    color: str = "auto"  # auto | always | never, from --color
    monotonic: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    secrets: list[str] = field(default_factory=list)  # masked in every message (the key in use)

    @classmethod
    def from_os(cls) -> "Environment":
        import platformdirs

        def isatty(stream: TextIO | None) -> bool:
            try:
                return bool(stream is not None and stream.isatty())
            except (ValueError, OSError):
                return False

        return cls(
            # A stream closed before we started (`<&-`, `2>&-`) is None in sys: read nothing from
            # a closed stdin, and write nowhere rather than fail a success for a closed stderr.
            # A closed stdout stays None: cli.run refuses to send a request with nowhere to answer.
            stdin=sys.stdin if sys.stdin is not None else io.StringIO(""),
            stdout=sys.stdout,
            stderr=sys.stderr if sys.stderr is not None else open(os.devnull, "w", encoding="utf-8"),
            stdin_isatty=isatty(sys.stdin),
            stdout_isatty=isatty(sys.stdout),
            stderr_isatty=isatty(sys.stderr),
            environ=os.environ,
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        )

    def getenv(self, name: str) -> str | None:
        value = self.environ.get(name)
        return value if value not in (None, "") else None

    def styled(self, stream_isatty: bool) -> bool:
        """Whether escape codes may be written to a stream (colour, bold, cursor moves)."""
        if self.color == "never":
            return False
        if self.color == "always" or self.getenv("FORCE_COLOR"):
            return True
        return stream_isatty and self.getenv("TERM") != "dumb"

    @property
    def no_color(self) -> bool:
        """NO_COLOR asks for no colour; bold and dim may stay (https://no-color.org)."""
        return self.getenv("NO_COLOR") is not None and self.color != "always"
