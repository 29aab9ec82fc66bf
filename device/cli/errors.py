"""The CLI's one rule for bad input: one line naming what is wrong and where, exit code 2."""
from __future__ import annotations

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command-line value that cannot be used."""
