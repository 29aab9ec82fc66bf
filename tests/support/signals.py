"""Synthetic dowel signals with exact, known shapes, and the detector run over them.

The simulator (drivers/sim/) is the realistic model; these
helpers are the opposite: every edge placed by hand, so a test says exactly
which case it checks.
"""
from __future__ import annotations

import math
import random
from typing import Callable, Iterable

from device.core.events import Event, parse_event
from device.core.signal import Sample, SignalChain

CHAIN = SignalChain()
BASE_G = {"head": 2.5e-4, "upper_back": 6.0e-4, "sacrum": 5.0e-4}  # siemens at standing


def volts_for(g: float, chain: SignalChain = CHAIN) -> float:
    """The divider's output for an FSR of conductance g (siemens): what the ADC's input sees."""
    rg = chain.divider_ohm * g
    return chain.vcc_v * rg / (1.0 + rg)


def count_for(g: float, chain: SignalChain = CHAIN) -> int:
    """The ADS1115 count a conductance g reads through the divider."""
    return int(round(volts_for(g, chain) * 32768 / chain.pga_v)) + 12


Shape = Callable[[float], float]  # t -> fraction of the contact's standing force


def steady(t: float) -> float:
    return 1.0


def placed(at: float, ramp: float = 0.6) -> Shape:
    """0 before `at`, rising smoothly to 1 over `ramp` seconds."""
    def f(t: float) -> float:
        if t <= at:
            return 0.0
        x = min(1.0, (t - at) / ramp)
        return 0.5 - 0.5 * math.cos(math.pi * x)
    return f


def fall(start: float, ramp: float, hold: float, to: float = 0.0, back: float = 0.1) -> Shape:
    """A smooth fall from 1 to `to` over `ramp` s, held `hold` s, back over `back` s."""
    def f(t: float) -> float:
        if t <= start:
            return 1.0
        if t <= start + ramp:
            x = (t - start) / ramp
            return to + (1.0 - to) * (0.5 + 0.5 * math.cos(math.pi * x))
        if t <= start + ramp + hold:
            return to
        if t <= start + ramp + hold + back:
            x = (t - start - ramp - hold) / back
            return to + (1.0 - to) * x
        return 1.0
    return f


def gap(start: float, dur: float) -> Shape:
    """Force gone at once for `dur` seconds: a bounce (or a glitch when shorter than a period)."""
    return lambda t: 0.0 if start <= t < start + dur else 1.0


def product(*shapes: Shape) -> Shape:
    def f(t: float) -> float:
        v = 1.0
        for s in shapes:
            v *= s(t)
        return v
    return f


def breaking(shape: Shape, share: float) -> Shape:
    """An FSR with a break force: under `share` of the standing force it reads nothing at all.

    Wrap the placed shape (`with_placement`), so the dowel being put on shows it too."""
    def f(t: float) -> float:
        v = shape(t)
        return v if v >= share else 0.0
    return f


def t_lost(start: float, ramp: float) -> float:
    """When `fall(start, ramp, ...)` crosses 10 % of its level."""
    return start + ramp * math.acos(2 * 0.1 - 1) / math.pi


def make_samples(shapes: dict[str, Shape], duration: float, rate: float = 100.0,
                 pitch: Callable[[float], float] | None = lambda t: 3.0,
                 noise: float = 0.02, jitter: float = 0.0, seed: int = 1,
                 base: dict[str, float] | None = None, stalls: Iterable[tuple[float, float]] = (),
                 override: Callable[[str, float, int], int] | None = None) -> list[Sample]:
    """Samples of the three contacts following `shapes` (default steady), with force noise."""
    rng = random.Random(seed)
    base = base or BASE_G
    stalls = list(stalls)
    out, t, period = [], 0.0, 1.0 / rate
    while t < duration:
        if not any(a <= t < b for a, b in stalls):
            counts = []
            for name in ("head", "upper_back", "sacrum"):
                frac = shapes.get(name, steady)(t)
                g = base[name] * frac * (1.0 + rng.gauss(0.0, noise)) if frac > 0 else 0.0
                count = count_for(max(g, 0.0)) + rng.randint(-3, 3)
                counts.append(override(name, t, count) if override else count)
            p = None if pitch is None else pitch(t) + rng.gauss(0.0, 0.3)
            out.append(Sample(round(t, 4), *counts, p))
        t += period * (1.0 + (rng.uniform(-jitter, jitter) if jitter else 0.0))
    return out


def run(samples: Iterable[Sample], chain: SignalChain = CHAIN, cfg=None) -> list[dict]:
    """The detector's events over `samples`, as the objects of their event lines."""
    from device.core.detector import Detector
    d = Detector(chain, cfg)
    events: list[dict] = []
    for s in samples:
        events.extend(e.to_dict() for e in d.feed(s))
    return events


def ev(line: dict) -> Event:
    """An event from the object of its line (tests write events as the log shows them)."""
    return parse_event(line)


def of_type(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


PLACE = 0.5  # placement starts here; ready comes about 1.5 s later


def with_placement(shapes: dict[str, Shape]) -> dict[str, Shape]:
    """Every contact placed at PLACE, then following its shape."""
    return {n: product(placed(PLACE), shapes.get(n, steady)) for n in ("head", "upper_back", "sacrum")}
