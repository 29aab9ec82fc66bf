"""The learning plan: from cues on every fault to a hinge that holds without them.

Why a plan: feedback on every rep helps while it is on and breeds dependence
once it is off (the guidance hypothesis). Feedback that thins as the athlete
improves, and silent retention sets that show what stays, build a skill that
lasts. The cue policy has the schedules; this module chooses among them, set
by set, from the athlete's own results (docs/adr/0013-learning-plan-stages-and-criteria.md).

Stages, in order:

- ``learn``: every fault is cued (schedule ``every``).
- ``fade``: cues thin within each set, and the whole ramp slides lower as the
  athlete's good-rep rate rises (schedule ``faded``, parameters from `fade_params`).
- ``test``: a retention set, no cues (schedule ``retention``); faults are still
  logged and shown after the set. A failed test goes back to ``fade``.
- ``mastered``: passed tests on `mastery_days` different days. Only sustained
  faults are cued (schedule ``bandwidth``); the box suggests the next step and
  the coach decides.

A *good rep* is a counted rep with no contact lost, at least as deep as the
athlete's depth target less `depth_tolerance_deg`. Rates are pooled over the
reps of the last `window_sets` sets of the current stage.

Pure: no clock, no I/O. The app calls `Plan.after_set` when a set ends and
`Plan.schedule_for` before the next one; the returned events go to the log.

    >>> from datetime import datetime
    >>> plan = Plan(PlanConfig(window_sets=1))
    >>> state = plan.start(depth_target_deg=40.0)
    >>> good = SetSummary(datetime(2026, 3, 2, 9, 0), ((45.0, True),) * 8)
    >>> state, events = plan.after_set(state, good)
    >>> state.stage, [e.TYPE for e in events]
    (<Stage.FADE: 'fade'>, ['plan_set', 'plan_stage'])
    >>> plan.schedule_for(state)[0]
    'faded'
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from device.core.events import Event, register


class Stage(StrEnum):
    """Where the athlete is in the plan (the word the log, the export and the screen use)."""

    LEARN = "learn"
    FADE = "fade"
    TEST = "test"
    MASTERED = "mastered"


STAGES: tuple[Stage, ...] = tuple(Stage)
SCHEDULE_OF: dict[Stage, str] = {Stage.LEARN: "every", Stage.FADE: "faded", Stage.TEST: "retention",
                                 Stage.MASTERED: "bandwidth"}
NEXT_STEP = ("Mastered: ready for a loaded hinge (e.g. a light kettlebell or dumbbell Romanian "
             "deadlift), with the dowel kept for an occasional check. The coach decides.")
# The depth targets a coach steps through on the box (degrees of dowel tilt from standing):
# from the detector's default rep threshold (35) to a deep hinge; 30 for a stiff beginner.
DEPTH_TARGETS: tuple[float, ...] = (30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0)
ADVICE: dict[Stage, str] = {
    Stage.LEARN: "Learning: every fault is cued.",
    Stage.FADE: "Fading: fewer cues as the hinge gets cleaner.",
    Stage.TEST: "Retention test: the next set has no cues.",
    Stage.MASTERED: NEXT_STEP,
}
# The same, short enough for the box's screen read from two metres (three lines at most).
SHORT_ADVICE: dict[Stage, str] = {
    Stage.LEARN: "Every fault is cued.",
    Stage.FADE: "Fewer cues as the hinge gets cleaner.",
    Stage.TEST: "The next set is a test: no cues.",
    Stage.MASTERED: "Try a loaded hinge; the coach decides.",
}


def _share(key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{key} must be a share in [0, 1], not {value!r}")


def _count(key: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{key} must be a whole number of at least {least}, not {value!r}")


@dataclass(frozen=True)
class PlanConfig:
    """The plan's criteria (`[plan]` in the config); the defaults are argued in ADR 0013."""

    min_reps: int = 5  # a set with fewer counted reps says too little to move the plan
    window_sets: int = 3  # sets (of the current stage) the good-rep rate is pooled over
    learn_to_fade: float = 0.70  # rate with every fault cued at which cues start to thin
    fade_to_test: float = 0.85  # rate under faded cues that earns a retention test
    fade_back_below: float = 0.50  # rate under faded cues that sends the athlete back to learn
    mastery_rate: float = 0.90  # good-rep share a retention set must reach to pass
    mastery_days: int = 2  # passed retention tests on this many different days
    depth_tolerance_deg: float = 5.0  # a rep this close to the depth target counts as at it
    fade_most: float = 1.0  # faded share of cued reps at a set's start, just into fade
    fade_least: float = 0.2  # ... at a set's end, when about ready for the test
    fade_over_reps: int = 10  # reps over which the share falls within one set
    follow: bool = True  # the box's Feedback setting starts at "plan"; False: at [cues] schedule

    def __post_init__(self) -> None:
        _count("min_reps", self.min_reps, 1)
        _count("window_sets", self.window_sets, 1)
        _count("mastery_days", self.mastery_days, 1)
        _count("fade_over_reps", self.fade_over_reps, 1)
        for key in ("learn_to_fade", "fade_to_test", "fade_back_below", "mastery_rate", "fade_most",
                    "fade_least"):
            _share(key, getattr(self, key))
        if not self.fade_back_below < self.learn_to_fade <= self.fade_to_test:
            raise ValueError("need fade_back_below < learn_to_fade <= fade_to_test")
        if not self.fade_least <= self.fade_most:
            raise ValueError("need fade_least <= fade_most")
        tol = self.depth_tolerance_deg
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0.0 <= tol < math.inf:
            raise ValueError(f"depth_tolerance_deg must be degrees >= 0, not {tol!r}")


@dataclass(frozen=True)
class SetSummary:
    """A finished set as the plan needs it: when, each counted rep's (depth, clean), silent or not.

    `t` is the app's clock for the events' `t` (the log's time); `when` the
    wall-clock time whose date decides "different days". `retention` is true
    only when the whole set ran with the retention schedule (no cues).
    `planned` is false when the set did not run as the plan scheduled it from
    start to end (feedback set by hand, or changed during the set): such a
    set is logged and moves nothing.
    """

    when: datetime
    reps: tuple[tuple[float | None, bool], ...]
    retention: bool = False
    t: float = 0.0
    set_id: int | None = None
    planned: bool = True

    def good_reps(self, target_deg: float, tolerance_deg: float) -> int:
        """Clean reps at least `target - tolerance` deep (no depth known: depth is not held against it)."""
        floor = target_deg - tolerance_deg
        return sum(1 for depth, clean in self.reps if clean and (depth is None or depth >= floor))


@dataclass(frozen=True)
class PlanState:
    """One athlete's place in the plan: small, immutable, easy to persist as a row."""

    stage: Stage = Stage.LEARN
    depth_target_deg: float = 35.0
    window: tuple[tuple[int, int], ...] = ()  # (good, reps) of the current stage's last sets
    passed_days: tuple[str, ...] = ()  # ISO dates of passed retention tests since the last failure
    since: str = ""  # ISO date the stage was entered

    @property
    def rate(self) -> float | None:
        """Good-rep rate over the window, None before any counted set in this stage."""
        reps = sum(n for _, n in self.window)
        return sum(g for g, _ in self.window) / reps if reps else None


# -- events ---------------------------------------------------------------------------------------
@register
@dataclass(frozen=True, slots=True)
class PlanSet(Event):
    """What a finished set did to the plan: scored or not, and the rate it left (for the summary)."""

    TYPE: ClassVar[str] = "plan_set"
    athlete: str = ""
    stage: str = ""
    reps: int = 0
    good_reps: int = 0
    retention: bool = False
    counted: bool = True
    passed: bool | None = None  # a retention test: passed or failed; None for any other set
    rate: float | None = None
    note: str = ""
    set_id: int | None = None


@register
@dataclass(frozen=True, slots=True)
class PlanStageChanged(Event):
    """The stage changed: by the box after a set (`by` = "box") or by the coach ("coach")."""

    TYPE: ClassVar[str] = "plan_stage"
    athlete: str = ""
    from_stage: str = ""
    to_stage: str = ""
    reason: str = ""
    by: str = "box"
    day: str = ""
    set_id: int | None = None


# -- the plan ---------------------------------------------------------------------------------------
class Plan:
    """The plan's rules over `PlanState`s: each call returns a new state and the events it caused."""

    def __init__(self, cfg: PlanConfig = PlanConfig(), athlete: str = "") -> None:
        self.cfg = cfg
        self.athlete = athlete

    def start(self, depth_target_deg: float = 35.0, day: str = "") -> PlanState:
        """A new athlete's plan: learn, with their own depth target."""
        return PlanState(Stage.LEARN, float(depth_target_deg), since=day)

    # -- what the box does with it ------------------------------------------------------------
    def schedule_for(self, state: PlanState) -> tuple[str, dict[str, Any]]:
        """The cue schedule for the next set and its parameters (`CuePolicy.set_schedule(*this)`)."""
        schedule = SCHEDULE_OF[state.stage]
        return schedule, (self.fade_params(state) if state.stage is Stage.FADE else {})

    def fade_params(self, state: PlanState) -> dict[str, Any]:
        """Faded parameters adapted to the athlete's own rate.

        progress p runs 0 -> 1 as the rate climbs from `learn_to_fade` to
        `fade_to_test`. Within a set the share of cued reps falls from `start`
        to `end`; both slide down with p: from (most, mid) to (mid, least).
        Struggling athletes get more feedback, improving ones less (the
        challenge point: feedback matched to the performer's level).
        """
        cfg = self.cfg
        rate = state.rate if state.rate is not None else cfg.learn_to_fade
        span = cfg.fade_to_test - cfg.learn_to_fade
        p = 1.0 if span <= 0 else min(max((rate - cfg.learn_to_fade) / span, 0.0), 1.0)
        mid = (cfg.fade_most + cfg.fade_least) / 2
        return {"faded_start": round(cfg.fade_most - (cfg.fade_most - mid) * p, 3),
                "faded_end": round(mid - (mid - cfg.fade_least) * p, 3),
                "faded_over_reps": cfg.fade_over_reps}

    def suggestion(self, state: PlanState, short: bool = False) -> str:
        """One line for the report (or, `short`, the box's screen): where the athlete is and what comes next."""
        return (SHORT_ADVICE if short else ADVICE)[state.stage]

    # -- what a set does ----------------------------------------------------------------------
    def after_set(self, state: PlanState, s: SetSummary) -> tuple[PlanState, list[Event]]:
        """The plan after a finished set, and the events: a `plan_set`, then a `plan_stage` if it moved."""
        cfg = self.cfg
        reps = len(s.reps)
        good = s.good_reps(state.depth_target_deg, cfg.depth_tolerance_deg)
        day = s.when.date().isoformat()
        scored = PlanSet(s.t, athlete=self.athlete, stage=str(state.stage), reps=reps, good_reps=good,
                         retention=s.retention, set_id=s.set_id)
        if not s.planned:
            note = "feedback not as the plan set it: logged, the plan is unchanged"
            return state, [dataclasses.replace(scored, counted=False, rate=state.rate, note=note)]
        if reps < cfg.min_reps:
            note = f"{reps} rep{'' if reps == 1 else 's'} counted, {cfg.min_reps} needed: the plan is unchanged"
            return state, [dataclasses.replace(scored, counted=False, rate=state.rate, note=note)]
        if state.stage is Stage.TEST:
            return self._test(state, s, scored, good, reps, day)
        if s.retention:
            note = "a silent set outside the test stage: logged, the plan is unchanged"
            return state, [dataclasses.replace(scored, counted=False, rate=state.rate, note=note)]
        window = (state.window + ((good, reps),))[-cfg.window_sets:]
        new = dataclasses.replace(state, window=window)
        full = len(window) >= cfg.window_sets
        rate = new.rate or 0.0
        move: tuple[Stage, str] | None = None
        if state.stage is Stage.LEARN and full and rate >= cfg.learn_to_fade:
            move = Stage.FADE, f"good reps {_pct(rate)} over {len(window)} sets with every fault cued"
        elif state.stage is Stage.FADE and full and rate >= cfg.fade_to_test:
            move = Stage.TEST, f"good reps {_pct(rate)} over {len(window)} sets with fewer cues"
        elif state.stage is Stage.FADE and full and rate < cfg.fade_back_below:
            move = Stage.LEARN, f"good reps fell to {_pct(rate)} with fewer cues"
        events: list[Event] = [dataclasses.replace(scored, rate=round(rate, 4),
                                                   note=f"good reps {good}/{reps}")]
        if move is None:
            return new, events
        return self._move(new, move[0], move[1], s.t, day, "box", s.set_id, events)

    def _test(self, state: PlanState, s: SetSummary, scored: PlanSet, good: int, reps: int,
              day: str) -> tuple[PlanState, list[Event]]:
        cfg = self.cfg
        share = good / reps
        if not s.retention:
            note = "a cued set in the test stage is no test: the next silent set is"
            return state, [dataclasses.replace(scored, counted=False, rate=round(share, 4), note=note)]
        passed = share >= cfg.mastery_rate
        scored = dataclasses.replace(scored, passed=passed, rate=round(share, 4),
                                     note=f"retention test {'passed' if passed else 'failed'}: "
                                          f"{good}/{reps} good reps" +
                                          ("" if passed else f", pass at {_pct(cfg.mastery_rate)}"))
        if not passed:
            return self._move(state, Stage.FADE, f"retention test failed: {_pct(share)} good reps without cues",
                              s.t, day, "box", s.set_id, [scored])
        days = tuple(sorted(set(state.passed_days) | {day}))
        new = dataclasses.replace(state, passed_days=days)
        if len(days) < cfg.mastery_days:
            more = cfg.mastery_days - len(days)
            note = f"{scored.note}; {more} more day{'s' if more > 1 else ''} to master it"
            return new, [dataclasses.replace(scored, note=note)]
        return self._move(new, Stage.MASTERED, f"retention tests passed on {len(days)} different days "
                          f"({', '.join(days)})", s.t, day, "box", s.set_id, [scored])

    def _move(self, state: PlanState, to: Stage, reason: str, t: float, day: str, by: str,
              set_id: int | None, events: list[Event]) -> tuple[PlanState, list[Event]]:
        """Enter `to`: the window starts afresh; passed tests are kept only on the way to mastered."""
        passed = state.passed_days if to is Stage.MASTERED else ()
        new = dataclasses.replace(state, stage=to, window=(), passed_days=passed, since=day)
        changed = PlanStageChanged(t, athlete=self.athlete, from_stage=str(state.stage), to_stage=str(to),
                                   reason=reason, by=by, day=day, set_id=set_id)
        return new, [*events, changed]

    # -- what the coach does ------------------------------------------------------------------
    def override(self, state: PlanState, stage: Stage | str, when: datetime, t: float = 0.0,
                 reason: str = "") -> tuple[PlanState, list[Event]]:
        """The coach puts the athlete in `stage` (any stage, either way); no event if already there."""
        to = Stage(stage)
        if to is state.stage:
            return state, []
        return self._move(state, to, reason or f"set by the coach to {to}", t, when.date().isoformat(),
                          "coach", None, [])

    def set_target(self, state: PlanState, depth_target_deg: float) -> PlanState:
        """A new depth target: the rates so far were against the old one, so the window restarts."""
        if not 0.0 < depth_target_deg < 120.0 or not math.isfinite(depth_target_deg):
            raise ValueError(f"depth target must be degrees in (0, 120), not {depth_target_deg!r}")
        return dataclasses.replace(state, depth_target_deg=float(depth_target_deg), window=())


def next_target(current: float) -> float:
    """The depth target after `current` on the box's list, wrapping (one press of the Plan screen).

    >>> next_target(45.0), next_target(70.0), next_target(47.0)
    (50.0, 30.0, 50.0)
    """
    return next((t for t in DEPTH_TARGETS if t > current + 1e-9), DEPTH_TARGETS[0])


def replay(plan: Plan, state: PlanState, sets: list[SetSummary]) -> tuple[PlanState, list[Event]]:
    """The plan run over sets in order (a history, a test, a simulated athlete): last state, all events."""
    events: list[Event] = []
    for s in sets:
        state, new = plan.after_set(state, s)
        events += new
    return state, events


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"
