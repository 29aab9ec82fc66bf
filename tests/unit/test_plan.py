"""The learning plan: stages, what each set does, tests, mastery on different days, the coach, fading."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.app.config import ConfigError, parse_config
from device.core.cues import CuePolicy, CuesConfig
from device.core.events import parse_event
from device.core.plan import (SCHEDULE_OF, Plan, PlanConfig, PlanSet, PlanStageChanged, PlanState, SetSummary,
                              Stage, replay)

DAY1 = datetime(2026, 3, 2, 9, 0)
TARGET = 40.0


def a_set(good: int, bad: int = 0, *, day: int = 0, retention: bool = False, depth: float = 45.0,
          shallow: int = 0, minute: int = 0) -> SetSummary:
    """A set of `good` clean reps at `depth`, `bad` reps with a fault and `shallow` clean reps 20° short."""
    reps = ((depth, True),) * good + ((depth, False),) * bad + ((TARGET - 20.0, True),) * shallow
    return SetSummary(DAY1 + timedelta(days=day, minutes=minute), reps, retention=retention, t=float(minute))


def run(plan: Plan, state: PlanState, *sets: SetSummary) -> tuple[PlanState, list]:
    return replay(plan, state, list(sets))


def stage_changes(events: list) -> list[tuple[str, str]]:
    return [(e.from_stage, e.to_stage) for e in events if isinstance(e, PlanStageChanged)]


@pytest.fixture
def plan() -> Plan:
    return Plan(PlanConfig(), athlete="Ana")


@pytest.fixture
def start(plan) -> PlanState:
    return plan.start(TARGET, day=DAY1.date().isoformat())


def in_stage(plan: Plan, stage: Stage) -> PlanState:
    return plan.override(plan.start(TARGET), stage, DAY1)[0]


# -- schedules ------------------------------------------------------------------------------------


def test_each_stage_uses_its_schedule(plan):
    assert [plan.schedule_for(in_stage(plan, s))[0] for s in Stage] == ["every", "faded", "retention",
                                                                          "bandwidth"]
    assert plan.schedule_for(in_stage(plan, Stage.LEARN))[1] == {}


def test_schedule_params_drive_the_real_cue_policy(plan):
    state, _ = run(plan, in_stage(plan, Stage.FADE), a_set(7, 3), a_set(8, 2))
    schedule, params = plan.schedule_for(state)
    policy = CuePolicy(CuesConfig())
    policy.set_schedule(schedule, **params)
    assert policy.schedule == "faded" and policy.cfg.faded_start == params["faded_start"]


# -- learn -> fade -> test ---------------------------------------------------------------------


def test_learn_moves_to_fade_once_a_full_window_is_good_enough(plan, start):
    state, events = run(plan, start, a_set(7, 3), a_set(7, 3))
    assert state.stage is Stage.LEARN and stage_changes(events) == []  # window of 3 not full yet
    state, events = plan.after_set(state, a_set(7, 3))
    assert state.stage is Stage.FADE and stage_changes(events) == [("learn", "fade")]
    assert state.window == () and "70 %" in events[-1].reason


def test_learn_stays_below_the_threshold(plan, start):
    state, events = run(plan, start, *[a_set(6, 4)] * 6)
    assert state.stage is Stage.LEARN and stage_changes(events) == []
    assert state.rate == pytest.approx(0.6)


def test_shallow_clean_reps_are_not_good_reps(plan, start):
    state, events = run(plan, start, *[a_set(2, 0, shallow=8)] * 3)
    assert state.stage is Stage.LEARN and [e.good_reps for e in events] == [2, 2, 2]
    near = a_set(10, depth=TARGET - plan.cfg.depth_tolerance_deg)  # within the tolerance: at the target
    assert near.good_reps(TARGET, plan.cfg.depth_tolerance_deg) == 10


def test_fade_moves_to_test_and_back_to_learn(plan):
    fade = in_stage(plan, Stage.FADE)
    state, events = run(plan, fade, *[a_set(9, 1)] * 3)
    assert state.stage is Stage.TEST and stage_changes(events) == [("fade", "test")]
    state, events = run(plan, fade, *[a_set(4, 6)] * 3)
    assert state.stage is Stage.LEARN and stage_changes(events) == [("fade", "learn")]
    state, _ = run(plan, fade, *[a_set(7, 3)] * 5)  # between the two: keeps fading
    assert state.stage is Stage.FADE


def test_short_sets_do_not_move_the_plan(plan, start):
    state, events = run(plan, start, *[a_set(4)] * 5)
    assert state == start and all(not e.counted for e in events)
    assert events[0].note == "4 reps counted, 5 needed: the plan is unchanged"
    _, events = run(plan, start, a_set(1))
    assert events[0].note.startswith("1 rep counted,")  # one rep, not "1 reps"


# -- tests: failed goes back a stage, mastery needs two different days --------------------------


def test_failed_retention_test_goes_back_a_stage(plan):
    test = in_stage(plan, Stage.TEST)
    state, events = plan.after_set(test, a_set(7, 3, retention=True))
    assert state.stage is Stage.FADE and stage_changes(events) == [("test", "fade")]
    assert events[0].passed is False and "failed" in events[-1].reason


def test_failure_forgets_earlier_passes(plan):
    test = in_stage(plan, Stage.TEST)
    state, _ = run(plan, test, a_set(10, retention=True, day=0), a_set(5, 5, retention=True, day=1))
    assert state.stage is Stage.FADE and state.passed_days == ()


def test_mastery_needs_two_different_days(plan):
    test = in_stage(plan, Stage.TEST)
    state, events = run(plan, test, a_set(10, retention=True), a_set(9, 1, retention=True, minute=30))
    assert state.stage is Stage.TEST and state.passed_days == ("2026-03-02",)
    assert [e.passed for e in events] == [True, True] and "1 more day to master" in events[-1].note
    state, events = plan.after_set(state, a_set(10, retention=True, day=1))
    assert state.stage is Stage.MASTERED and stage_changes(events) == [("test", "mastered")]
    assert state.passed_days == ("2026-03-02", "2026-03-03")


def test_pass_mark_is_inclusive_and_counts_depth(plan):
    test = in_stage(plan, Stage.TEST)
    assert plan.after_set(test, a_set(9, 1, retention=True))[1][0].passed is True  # exactly 90 %
    assert plan.after_set(test, a_set(8, 0, retention=True, shallow=2))[1][0].passed is False


def test_only_silent_sets_are_tests(plan):
    test = in_stage(plan, Stage.TEST)
    state, events = plan.after_set(test, a_set(2, 8, retention=False))
    assert state == test and events[0].counted is False and "no test" in events[0].note
    learn = in_stage(plan, Stage.LEARN)
    state, events = plan.after_set(learn, a_set(10, retention=True))
    assert state == learn and events[0].counted is False


def test_mastered_stays_mastered_and_suggests_the_next_step(plan):
    done = in_stage(plan, Stage.MASTERED)
    state, events = run(plan, done, *[a_set(2, 8)] * 5)
    assert state.stage is Stage.MASTERED and stage_changes(events) == []
    assert "loaded hinge" in plan.suggestion(state) and "coach decides" in plan.suggestion(state).lower()


# -- the coach ---------------------------------------------------------------------------------


def test_coach_override_any_way_with_an_event(plan, start):
    state, events = plan.override(start, "mastered", DAY1, t=5.0)
    assert state.stage is Stage.MASTERED
    (e,) = events
    assert (e.by, e.from_stage, e.to_stage, e.day, e.set_id) == ("coach", "learn", "mastered", "2026-03-02", None)
    back, events = plan.override(state, Stage.LEARN, DAY1, reason="new coach, start over")
    assert back.stage is Stage.LEARN and events[0].reason == "new coach, start over"
    assert plan.override(back, Stage.LEARN, DAY1) == (back, [])
    with pytest.raises(ValueError):
        plan.override(back, "expert", DAY1)


def test_new_depth_target_restarts_the_window(plan, start):
    state, _ = run(plan, start, a_set(10), a_set(10))
    deeper = plan.set_target(state, 60.0)
    assert deeper.window == () and deeper.depth_target_deg == 60.0
    state, events = run(plan, deeper, *[a_set(10, depth=45.0)] * 3)  # clean but now too shallow
    assert state.stage is Stage.LEARN and events[-1].good_reps == 0
    with pytest.raises(ValueError):
        plan.set_target(state, float("nan"))


# -- adaptation --------------------------------------------------------------------------------


def test_fading_follows_the_athletes_own_rate(plan):
    fade = in_stage(plan, Stage.FADE)
    struggling, _ = run(plan, fade, a_set(7, 3))
    improving, _ = run(plan, fade, a_set(8, 2))
    s, i = plan.fade_params(struggling), plan.fade_params(improving)
    assert s["faded_start"] > i["faded_start"] and s["faded_end"] > i["faded_end"]
    assert (s["faded_start"], s["faded_end"]) == (1.0, 0.6)  # at the threshold: most feedback
    best, _ = run(plan, fade, a_set(9, 0))
    assert (plan.fade_params(best)["faded_start"], plan.fade_params(best)["faded_end"]) == (0.6, 0.2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=12))
def test_faded_shares_stay_in_bounds_and_fall_with_the_rate(history):
    plan = Plan()
    state = PlanState(Stage.FADE, TARGET, window=tuple(history))
    p = plan.fade_params(state)
    assert plan.cfg.fade_least <= p["faded_end"] <= p["faded_start"] <= plan.cfg.fade_most
    CuesConfig(schedule="faded", **p)  # always parameters the cue policy accepts


# -- the whole way, and the events as log lines ------------------------------------------------


def test_an_improving_athlete_reaches_mastered_through_a_failed_test(plan, start):
    week = [a_set(5, 5, day=0, minute=m) for m in range(3)] + [a_set(8, 2, day=1, minute=m) for m in range(3)]
    week += [a_set(9, 1, day=2, minute=m) for m in range(3)]
    week += [a_set(6, 4, day=2, minute=10, retention=True)]  # first test: fails
    week += [a_set(9, 1, day=3, minute=m) for m in range(3)]
    week += [a_set(10, day=4, retention=True), a_set(9, 1, day=6, retention=True)]
    state, events = replay(plan, start, week)
    assert state.stage is Stage.MASTERED
    assert stage_changes(events) == [("learn", "fade"), ("fade", "test"), ("test", "fade"), ("fade", "test"),
                                     ("test", "mastered")]
    tests = [e.passed for e in events if isinstance(e, PlanSet) and e.passed is not None]
    assert tests == [False, True, True]


def test_events_are_log_lines_that_parse_back(plan):
    _, events = plan.after_set(in_stage(plan, Stage.TEST), a_set(3, 7, retention=True))
    for e in events:
        line = e.to_json()
        assert parse_event(json.loads(line)) == e
    assert json.loads(events[-1].to_json())["type"] == "plan_stage"


def test_schedules_cover_every_stage():
    assert set(SCHEDULE_OF) == set(Stage)


# -- config ----------------------------------------------------------------------------------


def test_plan_criteria_come_from_the_config():
    cfg = parse_config("[plan]\nmastery_rate = 0.95\nmastery_days = 3\n", "c.toml")
    assert (cfg.plan.mastery_rate, cfg.plan.mastery_days, cfg.plan.window_sets) == (0.95, 3, 3)


@pytest.mark.parametrize("text, words", [
    ("[plan]\nmastery_rate = 1.5\n", "plan.mastery_rate must be a share"),
    ("[plan]\nmastery_days = 0\n", "plan.mastery_days must be a whole number"),
    ("[plan]\nlearn_to_fade = 0.9\nfade_to_test = 0.8\n", "learn_to_fade <= fade_to_test"),
    ("[plan]\nretention = true\n", "unknown key plan.retention"),
])
def test_bad_plan_config_names_the_key(text, words):
    with pytest.raises(ConfigError, match=words):
        parse_config(text, "c.toml")
