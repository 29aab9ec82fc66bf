"""The shapes a set is drawn with: falls, envelopes on a pad's force, movements, slow walks.

Why several fall shapes: a detector tuned to one shape of loss (the cosine
the first simulator used) may fail on a real one. A pad can roll off quickly
and tail away (`early`), peel slowly and let go at the end (`late`, a sacrum
leaving as the lumbar spine rounds), or go at an even pace (`linear`).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable

from drivers.sim.scenario import DRIFT_KNOT_S, DRIFT_SET_S


def rise(x: float) -> float:
    """0 -> 1 smoothly (cosine) as x goes 0 -> 1: how pressure comes and goes."""
    return 0.5 - 0.5 * math.cos(math.pi * x)


# Share of the force left at x = 0..1 of a fall.
FALLS: dict[str, Callable[[float], float]] = {
    "cosine": lambda x: 0.5 + 0.5 * math.cos(math.pi * x),
    "linear": lambda x: 1.0 - x,
    "early": lambda x: (1.0 - x) * (1.0 - x),
    "late": lambda x: 1.0 - x * x,
}


@dataclass(frozen=True, slots=True)
class Envelope:
    """A multiplier on one contact's force: down t0..t1 to `floor` (by `fall`), held, back t2..t3.

    Faults (floor 0), sags (floor 0.2..0.35) and fidgets (0.35..0.6) are all
    this shape; bounces are kept apart (Plan.gaps) so one can land on a sag.
    """

    t0: float
    t1: float
    t2: float
    t3: float
    floor: float
    fall: str = "cosine"

    def at(self, t: float) -> float:
        if t < self.t1:
            return self.floor + (1.0 - self.floor) * FALLS[self.fall]((t - self.t0) / (self.t1 - self.t0))
        if t < self.t2:
            return self.floor
        return self.floor + (1.0 - self.floor) * rise((t - self.t2) / (self.t3 - self.t2))


@dataclass(frozen=True, slots=True)
class Motion:
    """A movement: cosine down to its peak, held, cosine back. `kind` says which way it goes.

    rep and dip: the dowel hinges forward by `depth` (the head's force goes to
    `head_end` times standing at the peak). side and twist: the trunk bends
    sideways or turns by `depth` (signed), leaning forward by `lean` meanwhile.
    """

    start: float
    bottom: float
    bottom_end: float
    end: float
    depth: float
    head_end: float = 1.0
    kind: str = "rep"
    lean: float = 0.0

    def frac(self, t: float) -> float:
        """0 at rest, 1 at the peak."""
        if t < self.bottom:
            return rise((t - self.start) / (self.bottom - self.start))
        if t < self.bottom_end:
            return 1.0
        return 1.0 - rise((t - self.bottom_end) / (self.end - self.bottom_end))


class Walk:
    """A smooth random walk kept within +-amplitude: sensitivity drift, a wandering angle.

    Knots come lazily from its own stream, so any read order (and an endless
    live run) gives the same walk; `spread_s` is about when the walk's spread
    reaches the amplitude.
    """

    def __init__(self, rng: random.Random, amplitude: float, knot_s: float = DRIFT_KNOT_S,
                 spread_s: float = DRIFT_SET_S) -> None:
        self._rng, self._amp, self._knot = rng, amplitude, knot_s
        self._step = amplitude * 0.8 / math.sqrt(spread_s / knot_s)
        self._w = [0.0]

    def _grow(self, n: int) -> None:
        while len(self._w) < n:
            w = self._w[-1] + self._rng.gauss(0.0, self._step) if self._amp else 0.0
            if abs(w) > self._amp:  # reflect at the bound
                w = math.copysign(2 * self._amp - abs(w), w)
            self._w.append(w)

    def at(self, t: float) -> float:
        x = t / self._knot if t > 0.0 else 0.0
        i = int(x)
        if i + 2 > len(self._w):
            self._grow(i + 2)
        a, b, x = self._w[i], self._w[i + 1], x - i
        return a + (b - a) * x * x * (3.0 - 2.0 * x)  # smoothstep: cheaper than a cosine


def fall_fraction(fall: str, left: float) -> float:
    """Where (0..1) in a fall of this shape the force is down to `left` of its start."""
    lo, hi = 0.0, 1.0
    f = FALLS[fall]
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if f(mid) > left:
            lo = mid
        else:
            hi = mid
    return hi
