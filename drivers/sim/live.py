"""The simulated set read live: the appliance runs on it without hardware, and a person can play the athlete."""
from __future__ import annotations

import math
import random
from dataclasses import replace

from drivers.sim.chain import Model
from drivers.sim.scenario import CONTACTS, LIFT_RAMP_S, TILT_RATE_DEG_S, Scenario, trace_header
from drivers.sim.shapes import rise
from drivers.sim.truth import plan_set


class SimulatedDowel:
    """The same model read live.

    `read(t)` takes seconds since the dowel was made; the scenario time is
    `start + t` (so `start` skips into a scenario). Reads should not go back in
    time; one that does (two threads racing) is read as the latest time. A
    person can play the athlete: `lift` a contact (keys 1/2/3) and `tilt` the
    dowel (arrow keys); both act from the latest read. `roll` is the roll of
    the latest read (None without an IMU).

    >>> from drivers.sim.presets import PRESETS
    >>> dowel = SimulatedDowel(PRESETS["manual"])
    >>> dowel.read(4.0)[0] > 1000
    True
    >>> dowel.lift("head", True)
    >>> dowel.read(4.3)[0] < 60
    True
    """

    def __init__(self, scenario: Scenario, start: float = 0.0) -> None:
        self.scenario = scenario
        self._start = start
        self._set = 0
        self._origin = 0.0
        self._new_set()
        self._last = start
        self._lift = [(-math.inf, 1.0, 1.0) for _ in CONTACTS]  # (since, from, to)
        self._tilt, self._tilt_target = 0.0, 0.0
        self.roll: float | None = None

    def _new_set(self) -> None:
        s = replace(self.scenario, seed=self.scenario.seed + self._set) if self._set else self.scenario
        self._plan, self.truth = plan_set(s)
        self._model = Model(self._plan, random.Random(f"{s.family}/{s.seed}/noise"))

    @property
    def chain(self) -> dict[str, float | str]:
        return trace_header(self.scenario)

    def read(self, t: float) -> tuple[int, int, int, float | None]:
        """Counts (head, upper_back, sacrum) and pitch (None without an IMU) at time t."""
        now = max(self._start + t, self._last)
        self._slew_tilt(now - self._last)
        self._last = now
        if self.scenario.loop and self.scenario.remove:
            while now - self._origin >= self._plan.duration:
                self._origin += self._plan.duration
                self._set += 1
                self._new_set()
        manual = [self._lift_at(c, now) for c in range(3)]
        h, u, s, pitch, self.roll = self._model.read(now - self._origin, manual, self._tilt)
        return h, u, s, pitch

    def lift(self, contact: str, lifted: bool, at: float | None = None) -> None:
        """Take a contact off the back (force to 0 over ~0.15 s) or put it back."""
        c = CONTACTS.index(contact)
        t = self._last if at is None else self._start + at
        self._lift[c] = (t, self._lift_at(c, t), 0.0 if lifted else 1.0)

    def tilt(self, delta_deg: float) -> None:
        """Tilt the dowel further forward (or back, negative) by delta_deg, slewing there."""
        self._tilt_target += delta_deg

    def _lift_at(self, c: int, t: float) -> float:
        since, a, b = self._lift[c]
        x = (t - since) / LIFT_RAMP_S
        return b if x >= 1.0 else a + (b - a) * rise(max(x, 0.0))

    def _slew_tilt(self, dt: float) -> None:
        step = TILT_RATE_DEG_S * dt
        d = self._tilt_target - self._tilt
        self._tilt += max(-step, min(step, d))
