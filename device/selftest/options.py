"""How a selftest run goes: a person at the box or not, a screen or not, how to ask."""
from __future__ import annotations

import select
import sys
from dataclasses import dataclass, field
from typing import Callable, TextIO

FULL_READS = 24
# Faults the simulator can be given (`selftest --fault`), to see what a coach would be told.
FAULTS = ("missing-adc", "missing-imu", "shorted:CONTACT", "stuck:CONTACT", "dead:CONTACT")
Ask = Callable[[str, float], "bool | None"]
# Shows the test pattern for some seconds; (SDL driver, (width, height)); ScreenError if it cannot.
ShowPattern = Callable[[float], "tuple[str, tuple[int, int]]"]


class ScreenError(Exception):
    """No display could be opened for the test pattern."""


def ask_yes_no(question: str, timeout_s: float, inp: TextIO = sys.stdin,
               out: TextIO = sys.stdout) -> bool | None:
    """y -> True, n -> False, no answer within `timeout_s` (or another answer) -> None."""
    out.write(f"{question} [y/n] ({timeout_s:.0f} s) ")
    out.flush()
    ready, _, _ = select.select([inp], [], [], timeout_s)
    if not ready:
        out.write("\n")
        return None
    answer = inp.readline().strip().lower()
    return True if answer.startswith("y") else False if answer.startswith("n") else None


@dataclass
class Options:
    """How the run goes: with a person at the box or not, with a screen or not."""

    interactive: bool = False
    headless: bool = True
    press_timeout_s: float = 10.0
    reads: int = FULL_READS
    out: TextIO = field(default_factory=lambda: sys.stdout)
    ask: Ask = ask_yes_no
    show_pattern: ShowPattern | None = None
