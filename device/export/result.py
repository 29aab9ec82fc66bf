"""What an export reports when it is done: where, how much, and the notes for README.txt."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExportResult:
    folder: str | None  # None: nothing to export
    sets: int = 0
    reps: int = 0
    sessions: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    unmarked: list[int] = field(default_factory=list)  # sets left new: their trace was cut short or unreadable


def plural(n: int, word: str) -> str:
    """'1 set', '3 sets'.

    >>> plural(1, "set"), plural(0, "rep")
    ('1 set', '0 reps')
    """
    return f"{n} {word}{'' if n == 1 else 's'}"
