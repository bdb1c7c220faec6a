"""The --help fast path's one decision: which of the pre-printed help texts this terminal gets.

click lays help out `max(min(columns, 100) - 2, 50)` columns wide (our max_content_width is 100),
with columns found the way shutil.get_terminal_size finds them. Texts are kept for 80 columns and
for 100 or more; any other width goes to Typer. (No imports: this runs before anything else.)
"""

from __future__ import annotations

import os
import sys

HELP_WIDTHS = {80: 78, 100: 98}  # terminal columns -> click's text width


def click_help_width() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        if columns <= 0:
            columns = 80
    return max(min(columns, 100) - 2, 50)
