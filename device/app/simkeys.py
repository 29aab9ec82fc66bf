"""A person playing the simulated athlete from the keyboard: lift a contact, hinge, come up.

The window turns keys into words (ui/keys.py: d dowel, 1/2/3 lift_*, Down
tilt_forward, Up tilt_back); these act on the simulated dowel. Held keys
repeat, so one word is one step. `dowel` puts the dowel on the back or takes
it off (all three contacts at once); with `placed=False` it starts off, so
a person places it (the manual scenario in a window).
"""
from __future__ import annotations

from typing import Protocol

from device.core.contacts import CONTACTS

TILT_STEP_DEG = 5.0  # per press; held keys repeat (the Display turns key repeat on)
TILT_MAX_DEG = 100.0


class Dowel(Protocol):
    def lift(self, contact: str, lifted: bool) -> None: ...
    def tilt(self, delta_deg: float) -> None: ...


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

    def __init__(self, dowel: Dowel, step_deg: float = TILT_STEP_DEG, placed: bool = True) -> None:
        self.dowel = dowel
        self.step_deg = step_deg
        self.lifted: dict[str, bool] = {c: False for c in CONTACTS}
        self.tilt_deg = 0.0
        if not placed:
            self.apply("dowel")

    def apply(self, word: str) -> bool:
        """Act on a dowel/lift/tilt word; False for words that are not the athlete's."""
        if word == "dowel":  # on when any contact is off, else off
            on = any(self.lifted.values())
            for contact in CONTACTS:
                self.lifted[contact] = not on
                self.dowel.lift(contact, not on)
            return True
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
