"""The keyboard in the simulator window: the two buttons, and a person playing the athlete.

Why: anyone should be able to try the appliance without hardware. Space and
b stand in for buttons A and B; 1, 2, 3 take the head, upper back or sacrum
off the dowel (press again to put it back); Down hinges forward, Up comes
back up; Escape or q quits.

    >>> import pygame
    >>> word_for(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
    'a'
"""
from __future__ import annotations

from typing import Any

import pygame

KEY_WORDS: dict[int, str] = {
    pygame.K_SPACE: "a",
    pygame.K_b: "b",
    pygame.K_1: "lift_head",
    pygame.K_2: "lift_upper_back",
    pygame.K_3: "lift_sacrum",
    pygame.K_KP1: "lift_head",
    pygame.K_KP2: "lift_upper_back",
    pygame.K_KP3: "lift_sacrum",
    pygame.K_DOWN: "tilt_forward",
    pygame.K_UP: "tilt_back",
    pygame.K_ESCAPE: "quit",
    pygame.K_q: "quit",
}
TILT_STEP_DEG = 5.0  # per press; held keys repeat (the Display turns key repeat on)
TILT_MAX_DEG = 100.0


def word_for(event: pygame.event.Event) -> str | None:
    """The word for one pygame event, or None for anything else (mouse, key release...)."""
    if event.type == pygame.QUIT:
        return "quit"
    if event.type == pygame.KEYDOWN:
        return KEY_WORDS.get(event.key)
    return None


class SimKeys:
    """Plays the athlete on a SimulatedDowel from the key words (lift toggles, tilt steps).

    >>> class Dowel:
    ...     def __init__(self): self.calls = []
    ...     def lift(self, contact, lifted): self.calls.append((contact, lifted))
    ...     def tilt(self, delta): self.calls.append(("tilt", delta))
    >>> keys = SimKeys(Dowel())
    >>> keys.apply("lift_sacrum"), keys.apply("lift_sacrum"), keys.dowel.calls
    (True, True, [('sacrum', True), ('sacrum', False)])
    """

    def __init__(self, dowel: Any, step_deg: float = TILT_STEP_DEG) -> None:
        self.dowel = dowel
        self.step_deg = step_deg
        self.lifted: dict[str, bool] = {"head": False, "upper_back": False, "sacrum": False}
        self.tilt_deg = 0.0

    def apply(self, word: str) -> bool:
        """Act on a lift/tilt word; False for words that are not the athlete's."""
        if word.startswith("lift_") and word[5:] in self.lifted:
            contact = word[5:]
            self.lifted[contact] = not self.lifted[contact]
            self.dowel.lift(contact, self.lifted[contact])
            return True
        if word in ("tilt_forward", "tilt_back"):
            step = self.step_deg if word == "tilt_forward" else -self.step_deg
            target = max(0.0, min(TILT_MAX_DEG, self.tilt_deg + step))
            if target != self.tilt_deg:
                self.dowel.tilt(target - self.tilt_deg)
                self.tilt_deg = target
            return True
        return False
