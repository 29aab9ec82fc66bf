"""What is not a loss, planned on a set: sags, fidgets, bounces (alone or on a sag's edge), glitches, spikes.

Each is placed away from every other envelope on its contact (`free`), so the
truth stays unambiguous: a fault is a fault and a sag is a sag.
"""
from __future__ import annotations

import random

from drivers.sim.plan import Plan
from drivers.sim.scenario import CONTACTS, FIDGET_EDGE_S, FIDGET_HOLD_S, SAG_EDGE_S, SAG_HOLD_S, Scenario
from drivers.sim.shapes import Envelope, rise
from drivers.sim.timeline import sensor_ok, u


def free(plan: Plan, c: int, t0: float, t1: float, margin: float = 0.3) -> bool:
    """No other envelope or bounce on contact c near [t0, t1], and its sensor still works."""
    if not sensor_ok(plan, c, t1):
        return False
    return (all(e.t3 + margin <= t0 or t1 + margin <= e.t0 for e in plan.envelopes[c])
            and all(b + margin <= t0 or t1 + margin <= a for a, b in plan.gaps[c]))


def _window(rng: random.Random, t0: float, t1: float, lead: float = 0.5, tail: float = 3.0) -> float:
    return rng.uniform(t0 + lead, max(t0 + lead, t1 - tail))


def sags(s: Scenario, rng: random.Random, plan: Plan, t0: float, t1: float) -> list[dict]:
    """Pressure that eases to 20-35 % and comes back: still touching, not a loss.

    `edge_bounces` more sags carry a bounce (gone at once, 5-30 ms) that lands
    on their falling edge: still no loss."""
    out = []
    for n in range(s.sags + s.edge_bounces):
        for _try in range(50):
            c = rng.randrange(3)
            start = _window(rng, t0, t1)
            down = start + u(rng, SAG_EDGE_S)
            up = down + u(rng, SAG_HOLD_S)
            end = up + u(rng, SAG_EDGE_S)
            floor = plan.floor_for(c, u(rng, s.sag_floor))
            if end < t1 - 0.5 and floor < 0.7 and free(plan, c, start, end):
                plan.envelopes[c].append(Envelope(start, down, up, end, floor))
                sag = {"contact": CONTACTS[c], "start": start, "end": end, "floor": floor}
                if n >= s.sags:
                    at = start + rng.uniform(0.25, 0.95) * (down - start)
                    dur = u(rng, s.bounce_s)
                    plan.gaps[c].append((at, at + dur))
                    sag["bounce"] = {"t": at, "dur": dur}
                out.append(sag)
                break
    return out


def fidgets(s: Scenario, rng: random.Random, plan: Plan, t0: float, t1: float) -> list[dict]:
    """All three pads easing off together to 35-60 % for up to a second between reps: no loss."""
    out = []
    for _ in range(s.fidgets):
        for _try in range(80):
            start = _window(rng, t0, t1)
            down = start + u(rng, FIDGET_EDGE_S)
            up = down + u(rng, FIDGET_HOLD_S)
            end = up + u(rng, FIDGET_EDGE_S)
            if end < t1 - 0.5 and not _moving(plan, start, end) and all(free(plan, c, start, end) for c in range(3)):
                floors = [plan.floor_for(c, u(rng, s.fidget_floor)) for c in range(3)]
                for c, floor in enumerate(floors):
                    plan.envelopes[c].append(Envelope(start, down, up, end, floor))
                out.append({"start": start, "end": end, "floors": floors})
                break
    return out


def _moving(plan: Plan, t0: float, t1: float) -> bool:
    """Any movement (rep, dip, side bend) overlapping [t0, t1]: fidgets come while standing."""
    return any(m.start < t1 and t0 < m.end for m in plan.motions)


def bounces(s: Scenario, rng: random.Random, plan: Plan, t0: float, t1: float) -> list[dict]:
    """Force gone at once for 5-30 ms and back: the pad chattering, not a loss."""
    out = []
    for _ in range(s.bounces):
        for _try in range(50):
            c = rng.randrange(3)
            t = _window(rng, t0, t1, 0.3, 0.5)
            dur = u(rng, s.bounce_s)
            if t + dur < t1 - 0.3 and free(plan, c, t, t + dur):
                plan.gaps[c].append((t, t + dur))
                out.append({"contact": CONTACTS[c], "t": t, "dur": dur, "kind": "bounce"})
                break
    return out


def glitches(s: Scenario, rng: random.Random, plan: Plan, t0: float, t1: float) -> list[dict]:
    """Lone samples that read 0: the first sample at or after each time is hit."""
    out: list[dict] = []
    for t in _poisson(rng, s.glitches_per_min, t0, t1):
        c = rng.randrange(3)
        if sensor_ok(plan, c, t):
            plan.glitches[c].append(t)
            out.append({"contact": CONTACTS[c], "t": t, "dur": 0.0, "kind": "glitch"})
    return out


def spikes(s: Scenario, rng: random.Random, plan: Plan, t0: float, t1: float) -> list[dict]:
    """Lone EMI spikes: one sample reads towards the ADC's full scale (on one pad, sometimes all)."""
    out: list[dict] = []
    for t in _poisson(rng, s.spikes_per_min, t0, t1):
        hit = range(3) if rng.random() < 0.3 else (rng.randrange(3),)
        for c in hit:
            if sensor_ok(plan, c, t):
                plan.spikes[c].append((t, rise(rng.random())))
                out.append({"contact": CONTACTS[c], "t": t})
    return out


def _poisson(rng: random.Random, per_min: float, t0: float, t1: float) -> list[float]:
    out: list[float] = []
    if per_min <= 0:
        return out
    t = t0
    while True:
        t += rng.expovariate(per_min / 60.0)
        if t >= t1:
            return out
        out.append(t)
