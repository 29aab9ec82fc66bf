"""Laying out a set: the athlete and the pads drawn, then reps, dips, other movements and faults.

Reps follow one another; dips, side bends and twists fall in the gaps; each
rep's faults are over before the next rep starts. Every item is appended to
the Plan and described in the truth (lists of dicts, JSON-ready).
"""
from __future__ import annotations

import math
import random
from dataclasses import replace
from typing import Callable, TypeAlias

from drivers.sim.plan import Plan
from drivers.sim.scenario import (ADC_OFFSET_COUNTS, BACK_N, CAUSES, CONTACTS, DIP_EDGE_S, DIP_HOLD_S,
                                  DIP_MARGIN_S, FAULT_BACK_S, FSR_K_S_PER_N, FSR_TOLERANCE, HEAD_N,
                                  HEAD_REP_GAIN, LIGHT_HEAD_N, LOST_FRACTION, MCP_OFFSET_COUNTS, PHASE_WEIGHTS,
                                  PHASES, REP_GAIN, SIDE_EDGE_S, SIDE_HOLD_S, WANDER_KNOT_S, FaultSpec,
                                  Range, Scenario)
from drivers.sim.shapes import Envelope, Motion, Walk, fall_fraction

HEAD_TAU_DEG = (20.0, 35.0)  # the athlete's head nears its rep's `head_end` over this much hinge (exponentially)


# Something the athlete does between two reps (a dip, a side bend, a twist); returns when it ends.
Interlude: TypeAlias = Callable[[Scenario, random.Random, Plan, float, dict[str, list[dict]]], float]


def u(rng: random.Random, lo_hi: Range) -> float:
    return rng.uniform(lo_hi[0], lo_hi[1])


def parts(s: Scenario, rng: random.Random) -> Plan:
    """The athlete's pressures and the three FSRs' and ADC channels' individual quirks."""
    head = u(rng, LIGHT_HEAD_N if s.light_head else HEAD_N)
    base = [head, u(rng, BACK_N), u(rng, BACK_N)]
    k = [FSR_K_S_PER_N * (1.0 + rng.uniform(-FSR_TOLERANCE, FSR_TOLERANCE)) for _ in CONTACTS]
    offset = [u(rng, MCP_OFFSET_COUNTS if s.adc == "mcp3008" else ADC_OFFSET_COUNTS) for _ in CONTACTS]
    gain = [0.0, u(rng, REP_GAIN), u(rng, REP_GAIN)]
    exponent = [u(rng, s.fsr_exponent) for _ in CONTACTS]
    creep = [(u(rng, s.creep), u(rng, s.creep_tau_s)) for _ in CONTACTS]
    drift = [Walk(random.Random(f"{s.family}/{s.seed}/drift/{c}"), s.drift) for c in CONTACTS]
    wander = None
    if s.standing_wander_deg:
        wander = Walk(random.Random(f"{s.family}/{s.seed}/wander"), s.standing_wander_deg, WANDER_KNOT_S)
    rail = s.vcc_v * (1.0 + rng.uniform(-s.supply_error, s.supply_error))
    mount = (u(rng, s.imu_offset_deg), u(rng, s.imu_yaw_deg) * rng.choice((-1.0, 1.0)))
    breaks = [u(rng, s.break_n) for _ in CONTACTS]
    head_tau = u(random.Random(f"{s.family}/{s.seed}/head"), HEAD_TAU_DEG)
    return Plan(s, [], base, k, offset, gain, exponent, creep, u(rng, s.standing_deg), drift, rail,
                breaks, wander, mount, head_tau)


# --------------------------------------------------------------------------- which faults where


def fault_requests(s: Scenario, rng: random.Random, reps: int) -> dict[int, list[list[FaultSpec]]]:
    """rep -> groups of faults (a group of two is a double loss), drawn or as given."""
    out: dict[int, list[list[FaultSpec]]] = {}
    if isinstance(s.faults, int):
        specs = [FaultSpec(c, r, _phase(rng)) for r, c in _drawn(s, rng, reps)]
    else:
        specs = [f if f.phase else replace(f, phase=_phase(rng)) for f in s.faults]
    for f in specs:
        out.setdefault(f.rep, []).append([f])
    for _ in range(s.doubles):
        free = [r for r in range(1, reps + 1) if not _used(out, r)]  # a third pad stays: no removal
        if not free:
            break
        r = rng.choice(free)
        pair = rng.sample([c for c in CONTACTS if c not in _used(out, r)], 2)
        phase = _phase(rng)
        out.setdefault(r, []).append([FaultSpec(pair[0], r, phase), FaultSpec(pair[1], r, phase)])
    return out


def _drawn(s: Scenario, rng: random.Random, reps: int) -> list[tuple[int, str]]:
    """(rep, contact) of the random faults: some pad always stays in a rep, two when one may fail.

    Every working pad off at once is the dowel coming off: a set that made
    them all lose contact together would be labelled with losses nobody
    could tell from a removal."""
    most = 1 if s.shorted or s.stuck else 2
    pairs = [(r, c) for r in range(1, reps + 1) for c in CONTACTS]
    rng.shuffle(pairs)
    chosen: list[tuple[int, str]] = []
    for r, c in pairs:
        if len(chosen) == s.faults:
            break
        if sum(rr == r for rr, _ in chosen) < most:
            chosen.append((r, c))
    return chosen


def _used(requests: dict[int, list[list[FaultSpec]]], rep: int) -> set[str]:
    return {f.contact for group in requests.get(rep, []) for f in group}


def _phase(rng: random.Random) -> str:
    return rng.choices(PHASES, PHASE_WEIGHTS)[0]


# --------------------------------------------------------------------------- the timeline


def lay_out(s: Scenario, rng: random.Random, plan: Plan, t: float) -> dict[str, list[dict]]:
    """Reps one after another; dips and other movements in some gaps; faults within their rep.

    Returns the truth lists (reps, dips, moves, faults) and, under "_end", when
    the last movement or fault was over.
    """
    lo, hi = s.rep_range
    reps = rng.randint(lo, hi)
    requests = fault_requests(s, rng, reps)
    gaps = list(range(1, reps)) or [reps]
    between: list[Interlude] = ([_dip] * s.dips + [_side] * s.side_bends + [_twist] * s.twists)
    after: dict[int, list[Interlude]] = {}
    for make in between:
        after.setdefault(rng.choice(gaps), []).append(make)
    truth: dict[str, list[dict]] = {"reps": [], "dips": [], "moves": [], "faults": []}
    free = t
    if reps == 0:
        for make in after.get(reps, []):
            t = free = make(s, rng, plan, t, truth)
    for i in range(1, reps + 1):
        m = _rep(s, rng, plan, t)
        plan.motions.append(m)
        truth["reps"].append({"start": m.start, "bottom": m.bottom, "bottom_end": m.bottom_end,
                              "end": m.end, "depth_deg": m.depth})
        free = m.end
        for group in requests.get(i, []):
            free = max(free, _faults(s, rng, plan, m, group, i, truth["faults"]))
        for make in after.get(i, []):
            free = make(s, rng, plan, free, truth)
        t = free + u(rng, s.stand_s)
    truth["_end"] = [{"t": free}]
    return truth


def _head_end(s: Scenario, rng: random.Random, plan: Plan) -> float:
    """The share of standing the head's force tends to as this rep hinges deeper (it still touches).

    The force follows the hinge as it is now (Plan.posture: exponentially
    towards this share over the athlete's `head_tau_deg`), never the depth the
    rep will reach: a shallow rep unloads the head less, a deep one levels off
    (as the reference traces' heads do: about 1 % per degree at first,
    levelling off past 50-60 degrees)."""
    if s.head_unload is None:
        return 1.0 + rng.uniform(-HEAD_REP_GAIN, HEAD_REP_GAIN)
    return plan.floor_for(0, u(rng, s.head_unload), False)


def _rep(s: Scenario, rng: random.Random, plan: Plan, t: float) -> Motion:
    bottom = t + u(rng, s.descent_s)
    bottom_end = bottom + u(rng, s.bottom_s)
    end = bottom_end + u(rng, s.ascent_s)
    depth = u(rng, s.depth_deg)
    return Motion(t, bottom, bottom_end, end, depth, _head_end(s, rng, plan))


def _between(plan: Plan, truth: list[dict], m: Motion, **extra: object) -> float:
    plan.motions.append(m)
    truth.append({"start": m.start, "end": m.end, "depth_deg": m.depth, **extra})
    return m.end


def _dip(s: Scenario, rng: random.Random, plan: Plan, t: float, truth: dict[str, list[dict]]) -> float:
    """A shallow bob that is not a rep; returns when it is over."""
    start = t + u(rng, DIP_MARGIN_S)
    bottom = start + u(rng, DIP_EDGE_S)
    bottom_end = bottom + u(rng, DIP_HOLD_S)
    depth = u(rng, s.dip_deg)
    m = Motion(start, bottom, bottom_end, bottom_end + u(rng, DIP_EDGE_S), depth, _head_end(s, rng, plan))
    return _between(plan, truth["dips"], m)


def _turn(kind: str, span: Range, s: Scenario, rng: random.Random, plan: Plan, t: float,
          truth: dict[str, list[dict]]) -> float:
    start = t + u(rng, DIP_MARGIN_S)
    bottom = start + u(rng, SIDE_EDGE_S)
    bottom_end = bottom + u(rng, SIDE_HOLD_S)
    depth = u(rng, span) * rng.choice((-1.0, 1.0))
    m = Motion(start, bottom, bottom_end, bottom_end + u(rng, SIDE_EDGE_S), depth, kind=kind,
               lean=u(rng, s.lean_deg))
    return _between(plan, truth["moves"], m, kind=kind, lean_deg=m.lean)


def _side(s: Scenario, rng: random.Random, plan: Plan, t: float, truth: dict[str, list[dict]]) -> float:
    """A side bend: the trunk tilts sideways (and a little forward), then back. Not a rep."""
    return _turn("side", s.side_bend_deg, s, rng, plan, t, truth)


def _twist(s: Scenario, rng: random.Random, plan: Plan, t: float, truth: dict[str, list[dict]]) -> float:
    """A twist: the trunk turns about the spine (leaning a little), then back. Not a rep."""
    return _turn("twist", s.twist_deg, s, rng, plan, t, truth)


# --------------------------------------------------------------------------- faults


def _phase_window(m: Motion, phase: str) -> tuple[float, float]:
    """Where in a rep a fault's pressure may start to fall, for each phase."""
    if phase == "descent":
        return m.start + 0.15 * (m.bottom - m.start), m.bottom - 0.05
    if phase == "bottom":
        return m.bottom, m.bottom_end
    return m.bottom_end, m.bottom_end + 0.6 * (m.end - m.bottom_end)


def _faults(s: Scenario, rng: random.Random, plan: Plan, m: Motion, group: list[FaultSpec], rep: int,
            out: list[dict]) -> float:
    """One loss, or two whose forces cross 10 % within `double_gap_s`; returns when all are back."""
    first = group[0]
    start = u(rng, _phase_window(m, first.phase or "bottom"))
    free = m.end
    target = None
    for spec in group:
        ramp = spec.ramp_s if spec.ramp_s is not None else u(rng, s.fault_ramp_s)
        shape = spec.shape or rng.choice(s.fault_shapes)
        if target is not None:  # the second of a double: its 10 % moment just after the first's
            start = max(m.start, target + u(rng, s.double_gap_s) - ramp * fall_fraction(shape, LOST_FRACTION))
        f = _fault(s, rng, plan, spec, rep, start, ramp, shape)
        if f is None:
            continue
        out.append(f)
        target = start + ramp * fall_fraction(shape, LOST_FRACTION)
        free = max(free, f["end"] + f.pop("_back"))
    return free


def _fault(s: Scenario, rng: random.Random, plan: Plan, spec: FaultSpec, rep: int, start: float,
           ramp: float, shape: str) -> dict | None:
    """One real contact loss: a fall to 0 of the given shape, held, quick return."""
    c = CONTACTS.index(spec.contact)
    hold = spec.hold_s if spec.hold_s is not None else u(rng, s.fault_hold_s)
    back = u(rng, FAULT_BACK_S)
    end = start + ramp + hold
    if not sensor_ok(plan, c, end + back):
        if not isinstance(s.faults, int):
            raise ValueError(f"fault {spec} falls after the {spec.contact} sensor fails")
        return None
    plan.envelopes[c].append(Envelope(start, start + ramp, end, end + back, 0.0, shape))
    return {"contact": spec.contact, "cause": CAUSES[spec.contact], "ramp_start": start,
            "t_lost": start, "end": end, "rep": rep, "phase": spec.phase, "shape": shape,
            "ramp_s": ramp, "_down": start + ramp, "_back": back}


def t_lost(plan: Plan, c: int, start: float, down: float) -> float:
    """When the noise-free force first falls below 10 % of its level at ramp start."""
    target = LOST_FRACTION * plan.force(c, start)
    lo, hi = start, down
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if plan.force(c, mid) > target:
            lo = mid
        else:
            hi = mid
    return hi


def sensor_ok(plan: Plan, c: int, t_end: float) -> bool:
    """Events on a contact whose sensor has failed could not be seen: plan none there."""
    sf = plan.sensor[c]
    return sf is None or t_end < sf[0] - 0.5


def removal(s: Scenario, rng: random.Random, plan: Plan, removed_t: float, ramp: Range) -> None:
    """The dowel taken off: each pad leaves within `removal_spread_s` of the first (ragged)."""
    spread = u(rng, s.removal_spread_s)
    offsets = [0.0, spread, rng.uniform(0.0, spread)]
    rng.shuffle(offsets)
    plan.removal = [(removed_t + off if s.remove else math.inf, u(rng, ramp)) for off in offsets]
