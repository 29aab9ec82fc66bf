"""A buzzer player that plays nothing and notes every pattern: what the cue policy asked for."""
from __future__ import annotations

from typing import Any


class FakePlayer:
    def __init__(self) -> None:
        self.played: list[Any] = []

    def play(self, pattern: Any) -> bool:
        self.played.append(pattern)
        return True
