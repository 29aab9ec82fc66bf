"""A simulated athlete who improves over days, recorded into a real store, with the plan run over it.

Sessions on chosen days, sets of reps whose chance of being clean and deep
enough rises day by day; under the retention schedule (no cues) it is lower
at first, as the guidance hypothesis predicts, and catches up. Each set has a
gzip trace whose pressures dip where its contacts came off. The real Plan
decides, set by set, which schedule the next set runs with, and its state,
the set's plan columns and the stage changes are kept as the box keeps them
(device/store/plans.py), so the real export carries them. What the plan said
is also returned, for tests to compare with.
"""
from __future__ import annotations

import dataclasses
import math
import os
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from device.core.contacts import CAUSES, CONTACTS
from device.core.plan import Plan, PlanConfig, PlanStageChanged, SetSummary, Stage
from device.core.settings import LiveSettings
from device.core.signal import Sample, SignalChain
from device.store.gztrace import TraceFile
from device.store.plans import record_set
from device.store.setmeta import tag_settings
from device.store.store import Store

BASE_US = {"head": 250.0, "upper_back": 600.0, "sacrum": 500.0}
LOAD = {"head": -0.25, "upper_back": 0.2, "sacrum": 0.5}  # change of pressure at the bottom of a hinge
RATE = 40.0  # samples per second in the traces: enough to draw, small to store
DAYS = (0, 1, 2, 4, 5, 7, 9, 10, 12, 14)
TARGET = 45.0


@dataclass
class PlanLog:
    """What the plan said about each set (by set id) and every stage change with its wall time."""

    athlete_id: int
    per_set: dict[int, tuple[str, str, float, bool | None]] = field(default_factory=dict)
    changes: list[tuple[datetime, PlanStageChanged]] = field(default_factory=list)
    stage: Stage = Stage.LEARN


def clean_chance(day: int, retention: bool) -> float:
    """The athlete's chance of a clean rep at depth: rising with practice, lower without cues at first."""
    cued = min(0.97, 0.5 + 0.075 * day)
    return max(0.2, cued - (max(0.0, 0.32 - 0.035 * day) if retention else 0.0))


class ImprovingAthlete:
    """An athlete on one box; `train(days)` records the sessions of those days (days from `start`)."""

    def __init__(self, store: Store, name: str = "Ana Ruiz", start: datetime = datetime(2026, 3, 2, 17, 0),
                 seed: int = 7, keep_plan: bool = True) -> None:
        """`keep_plan` False: a box from before the plan (every fault cued, no plan in the store)."""
        self.store, self.start, self.keep_plan = store, start.astimezone(), keep_plan
        self.rng = random.Random(seed)
        self.plan = Plan(PlanConfig(), athlete=name)
        self.state = self.plan.start(TARGET, day=start.date().isoformat())
        self.log = PlanLog(store.add_athlete(name))

    def train(self, days: tuple[int, ...] = DAYS, sets_per_day: int = 4, reps: int = 8) -> PlanLog:
        rng, plan, log = self.rng, self.plan, self.log
        for day in days:
            session_start = self.start + timedelta(days=day, minutes=rng.randint(-40, 40))
            session = self.store.begin_session(log.athlete_id, session_start.timestamp())
            for k in range(sets_per_day):
                when = session_start + timedelta(minutes=4 * k)
                schedule = plan.schedule_for(self.state)[0] if self.keep_plan else "every"
                retention = schedule == "retention"
                outcome, set_id = _record_set(self.store, session, when, reps, clean_chance(day, retention), rng)
                tag_settings(self.store, set_id, LiveSettings(schedule=schedule))
                if not self.keep_plan:
                    continue
                before = self.state
                self.state, events = plan.after_set(self.state, SetSummary(when, tuple(outcome), retention, float(k)))
                ended = when + timedelta(minutes=3)
                record_set(self.store, set_id, log.athlete_id, before, self.state, events, ended.timestamp())
                passed = next((e.passed for e in events if getattr(e, "passed", None) is not None), None)
                log.per_set[set_id] = (str(before.stage), schedule, TARGET, passed)
                log.changes += [(ended, dataclasses.replace(e, set_id=set_id))
                                for e in events if isinstance(e, PlanStageChanged)]
        log.stage = self.state.stage
        return log


def improving_athlete(store: Store, name: str = "Ana Ruiz", start: datetime = datetime(2026, 3, 2, 17, 0),
                      days: tuple[int, ...] = DAYS, sets_per_day: int = 4, reps: int = 8,
                      seed: int = 7, keep_plan: bool = True) -> PlanLog:
    """Record the athlete's sessions on `days` into `store`; return what the plan did."""
    return ImprovingAthlete(store, name, start, seed, keep_plan).train(days, sets_per_day, reps)


def _record_set(store: Store, session: int, when: datetime, reps: int, chance: float,
                rng: random.Random) -> tuple[list[tuple[float, bool]], int]:
    """One set through the store's own calls, with its trace; each rep's (depth, clean), and the set's id."""
    set_id, rel = store.begin_set(session, when.timestamp(), 3.0, dict(BASE_US), 2.0)
    period, ready = 3.0, 2.0
    plan_reps, losses = [], []
    for r in range(1, reps + 1):
        t0 = 1.0 + (r - 1) * period
        clean = rng.random() < chance
        depth = round(TARGET + rng.uniform(-4.0, 8.0) if clean or rng.random() < 0.6
                      else TARGET - rng.uniform(8.0, 15.0), 1)
        faults: list[tuple[str, str, float]] = []
        if not clean and depth >= TARGET - 5.0:
            contact = rng.choices(CONTACTS, (1, 2, 4))[0]
            phase = {"head": "ascent", "upper_back": "descent", "sacrum": "bottom"}[contact]
            at = t0 + {"descent": 0.6, "bottom": 1.15, "ascent": 1.7}[phase]
            faults.append((contact, phase, at))
        plan_reps.append((depth, not faults))
        descent, bottom, ascent = round(rng.uniform(0.9, 1.2), 2), round(rng.uniform(0.2, 0.4), 2), \
            round(rng.uniform(0.9, 1.3), 2)
        store.add_rep(set_id, {"rep": r, "start_s": t0, "end_s": round(t0 + descent + bottom + ascent, 2),
                               "depth_deg": depth, "duration_s": round(descent + bottom + ascent, 2),
                               "descent_s": descent, "bottom_s": bottom, "ascent_s": ascent,
                               "faults": [c for c, _, _ in faults]})
        for contact, phase, at in faults:
            loss = store.add_loss(set_id, contact, CAUSES[contact], round(at, 3), phase, r)
            store.restore_loss(loss, 0.35)
            losses.append((contact, at, at + 0.35))
    duration = 1.0 + reps * period
    samples = _trace(os.path.join(store.data_dir, rel), ready, duration, period, reps,
                     [d for d, _ in plan_reps], losses, rng)
    store.end_set(set_id, duration, "dowel_removed", samples, dips=0)
    return plan_reps, set_id


def _trace(path: str, ready: float, duration: float, period: float, reps: int, depths: list[float],
           losses: list[tuple[str, float, float]], rng: random.Random) -> int:
    """A gzip trace v1: placement, then hinges to each rep's depth; a contact's force gone while off."""
    chain = SignalChain()
    trace = TraceFile(path, chain, True, 0.0)
    n = int((ready + duration + 1.0) * RATE)
    for i in range(n):
        t = i / RATE
        s = t - ready  # set time
        pitch, bend = 3.0, 0.0
        r = int((s - 1.0) // period)
        if 0 <= r < reps:
            x = (s - 1.0 - r * period) / 2.4
            if 0 <= x <= 1:
                bend = math.sin(math.pi * x) ** 1.5
                pitch = 3.0 + depths[r] * bend
        counts = []
        for c in CONTACTS:
            off = any(lc == c and a <= s < b for lc, a, b in losses)
            placed = min(1.0, max(0.0, (t - 0.3) / 0.8))
            load = 1.0 + LOAD[c] * bend  # the hinge presses the sacrum most, the head least
            g = 0.0 if off else BASE_US[c] * 1e-6 * load * placed * (1 + rng.gauss(0, 0.02))
            counts.append(_count(chain, g))
        trace.write(Sample(round(t, 4), *counts, round(pitch + rng.gauss(0, 0.3), 2)))
    trace.finish()
    return n


def _count(chain: SignalChain, g: float) -> int:
    rg = chain.divider_ohm * max(g, 0.0)
    return int(round(chain.vcc_v * rg / (1.0 + rg) * 32768 / chain.pga_v)) + 12
