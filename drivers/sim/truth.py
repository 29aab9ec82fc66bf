"""A whole set planned and labelled: the truth a scorer checks events against, and its samples.

The model is planned up front from `random.Random` streams named after the
seed, so a seed reproduces a trace exactly and the truth is complete before
the first sample.
"""
from __future__ import annotations

import math
import random
from typing import Iterator

from drivers.sim import blips
from drivers.sim.chain import Model, sample_times
from drivers.sim.plan import Plan
from drivers.sim.scenario import (CONTACTS, EMPTY_TAIL_S, FIRST_REP_AFTER_READY_S, MCP_FULL_SCALE,
                                  MIN_FIRST_REP_AFTER_PLACE_S, PLACE_RAMP_S, PLACE_STAGGER_S, PLACE_T,
                                  REMOVE_AFTER_S, REMOVE_RAMP_S, SHORTED_COUNT, Scenario, _num)
from drivers.sim.timeline import lay_out, parts, removal, t_lost, u

Row = tuple  # (t, head, upper_back, sacrum, pitch) and roll when the scenario writes it


def plan_set(s: Scenario) -> tuple[Plan, dict]:
    """Lay out the whole set, then label it: returns the plan and the truth dict."""
    rng = random.Random(f"{s.family}/{s.seed}/plan")
    plan = parts(s, rng)
    place_t = u(rng, PLACE_T)
    plan.place = [(place_t + u(rng, PLACE_STAGGER_S), u(rng, PLACE_RAMP_S)) for _ in CONTACTS]
    ready_t = max(a + r for a, r in plan.place)
    _sensor_faults(plan)
    first = max(ready_t + u(rng, FIRST_REP_AFTER_READY_S), place_t + MIN_FIRST_REP_AFTER_PLACE_S)
    laid = lay_out(s, rng, plan, first)
    t_last = laid.pop("_end")[0]["t"]
    removed_t = t_last + u(rng, REMOVE_AFTER_S)
    removal(s, rng, plan, removed_t, REMOVE_RAMP_S)
    plan.duration = max(start + ramp for start, ramp in removal_at(plan, removed_t)) + u(rng, EMPTY_TAIL_S)
    end_t = removed_t if s.remove else plan.duration
    plan.reindex()
    sags = blips.sags(s, rng, plan, ready_t, end_t)
    fidgets = blips.fidgets(s, rng, plan, ready_t, end_t)
    bumps = blips.bounces(s, rng, plan, ready_t, end_t)
    plan.reindex()
    bumps += blips.glitches(s, rng, plan, place_t, end_t)
    spikes = blips.spikes(s, rng, plan, place_t, end_t)
    for f in laid["faults"]:
        f["t_lost"] = t_lost(plan, CONTACTS.index(f["contact"]), f["ramp_start"], f.pop("_down"))
    truth = {
        "name": s.truth_name, "family": s.family, "rate_hz": _num(s.rate_hz), "imu": s.imu, "adc": s.adc,
        "ready_t": ready_t, "removed_t": end_t, "place_t": place_t, "reps": laid["reps"],
        "dips": laid["dips"], "moves": laid["moves"],
        "faults": sorted(laid["faults"], key=lambda f: f["ramp_start"]),
        "blips": sorted(bumps, key=lambda b: b["t"]), "spikes": spikes,
        "base_force_n": dict(zip(CONTACTS, plan.base)), "break_force_n": dict(zip(CONTACTS, plan.breaks)),
        "duration_s": plan.duration,
        "sags": sorted(sags, key=lambda x: x["start"]), "fidgets": fidgets,
        "removal": [{"contact": c, "start": a, "ramp": r} for c, (a, r) in zip(CONTACTS, plan.removal)
                    if s.remove],
        "sensor_faults": _sensor_truth(plan),
    }
    return plan, truth


def removal_at(plan: Plan, removed_t: float) -> list[tuple[float, float]]:
    """The pads' removal times, even for a set that is never removed (for its duration)."""
    return [(a if a < math.inf else removed_t, r) for a, r in plan.removal]


def _sensor_faults(plan: Plan) -> None:
    shorted = SHORTED_COUNT if plan.s.adc == "ads1115" else MCP_FULL_SCALE - 6
    for reason, pair in (("shorted", plan.s.shorted), ("stuck", plan.s.stuck)):
        if pair is not None:
            plan.sensor[CONTACTS.index(pair[0])] = (float(pair[1]), reason, shorted)


def _sensor_truth(plan: Plan) -> list[dict]:
    """Fix the stuck value (the clean count at that moment, known only once planned)."""
    out = []
    for c, sf in enumerate(plan.sensor):
        if sf is None:
            continue
        t, reason, count = sf
        if reason == "stuck":
            count = _clean_count(plan, c, t)
            plan.sensor[c] = (t, reason, count)
        out.append({"contact": CONTACTS[c], "t": t, "reason": reason, "count": count})
    return out


def _clean_count(plan: Plan, c: int, t: float) -> int:
    scale = MCP_FULL_SCALE / plan.rail_v if plan.s.adc == "mcp3008" else 32768 / plan.s.pga_v
    return int(round(plan.volts(c, plan.force(c, t), t) * scale + plan.offset[c]))


def simulate(scenario: Scenario) -> tuple[Iterator[Row], dict]:
    """Rows (t, head, upper_back, sacrum, pitch or None[, roll]), lazily, and the complete truth.

    >>> rows, truth = simulate(Scenario(seed=1, reps=2))
    >>> len(truth["reps"]), sorted(truth)[:3]
    (2, ['adc', 'base_force_n', 'blips'])
    """
    plan, truth = plan_set(scenario)
    return rows(plan), truth


def rows(plan: Plan) -> Iterator[Row]:
    s = plan.s
    model = Model(plan, random.Random(f"{s.family}/{s.seed}/noise"))
    read = model.read
    with_roll = s.imu and s.roll
    for t in sample_times(s, plan.duration):
        h, ub, sa, p, r = read(t)
        yield (t, h, ub, sa, p, r) if with_roll else (t, h, ub, sa, p)
