"""What every command's options share: one-line errors, checked numbers, the data folder.

Why: a coach or a script that gets a value wrong needs one line saying which
option and what it takes, and exit code 2, never a traceback or a screen of
usage. argparse checks types through these functions and reports through
`OneLineParser.error`.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, NoReturn

from device.cli.errors import EXIT_BAD_INPUT


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stdout.flush()
        print(f"{self.prog}: {message} (--help lists the options)", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def number(low: float, high: float = float("inf"), low_open: bool = False,
           what: str = "") -> Callable[[str], float]:
    """A float type for argparse within [low, high] (low excluded with `low_open`).

    >>> number(0.0, 1.0)("0.5"), number(0.0, low_open=True, what="seconds")("3")
    (0.5, 3.0)
    """
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        too_low = value <= low if low_open else value < low
        if value != value or too_low or value > high:
            bound = f"more than {low:g}" if low_open else f"at least {low:g}"
            upper = f" and at most {high:g}" if high != float("inf") else ""
            raise argparse.ArgumentTypeError(f"{text} is out of range: {what or 'a number'} {bound}{upper}")
        return value
    return parse


def add_data_option(p: argparse.ArgumentParser) -> None:
    """`--data DIR`, the same in every command that reads or writes the sets."""
    p.add_argument("--data", metavar="DIR", help="data folder (default: config, SMARTDOWEL_DATA, "
                   "/var/lib/smartdowel for the service, ~/.local/share/smartdowel)")


def scenario_help(default: str) -> str:
    from device.app.hardware import scenario_names
    return f"simulated athlete, one of: {', '.join(scenario_names())} (default {default})"
