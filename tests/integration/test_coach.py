"""The learning plan on the running box: chosen with the athlete, applied before a set, moved by it, kept.

The real appliance on simulated sets (support/simbox.py): its live loop, cue
policy, recorder, store, coach and screens; only the sampler thread is left
out, so the sets run faster than real time on a clock the test moves.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from device.core.plan import Stage
from device.store.plans import load_state
from device.view.commands import AddAthlete, ChangeSetting, NextTarget, PickAthlete, SetStage
from support.simbox import SimBox, WallClock, at


@pytest.fixture
def box(tmp_path):
    b = SimBox(str(tmp_path), WallClock(at(0)))
    yield b
    b.close()


def athlete(box: SimBox, name: str) -> None:
    box.app.submit(AddAthlete(name))
    box.app.step(0)


def db(box: SimBox) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{box.data}/smartdowel.db")
    conn.row_factory = sqlite3.Row
    return conn


def test_a_set_is_scored_logged_shown_and_kept_with_its_plan_columns(box):
    athlete(box, "Ana")
    assert box.app.policy.schedule == "every"  # learn: every fault cued
    box.set(lost_at=(2, 5))
    (scored,) = box.out.events("plan_set")
    assert (scored["athlete"], scored["stage"], scored["reps"], scored["good_reps"], scored["counted"]) == \
        ("Ana", "learn", 8, 6, True)
    summary = box.app.view.build().summary
    assert summary is not None and summary.plan_note == "good reps 6/8"
    row = db(box).execute("SELECT plan_stage, depth_target_deg, plan_result, schedule FROM sets").fetchone()
    assert tuple(row) == ("learn", 35.0, None, "every")
    state = load_state(box.app.storage.store, box.app.profile.athlete.id)
    assert state is not None and state.window == ((6, 8),)
    started = box.out.events("started")
    assert started == [] or len(started[0]["box_id"]) == 12  # run() logs it; this box is driven by hand


def test_the_guest_has_no_plan_and_feedback_set_by_hand_moves_nothing(box):
    box.set(lost_at=(1,))
    assert box.out.events("plan_set") == []  # the guest: anyone, no plan
    assert db(box).execute("SELECT plan_stage FROM sets").fetchone()[0] is None
    athlete(box, "Ben")
    box.app.submit(ChangeSetting("schedule"))  # plan -> every, by hand
    box.app.step(0)
    assert box.app.view.build().plan.by_hand
    box.set()
    (scored,) = box.out.events("plan_set")
    assert scored["counted"] is False and "not as the plan set it" in scored["note"]
    state = load_state(box.app.storage.store, box.app.profile.athlete.id)
    assert state is not None and state.window == ()


def test_the_coach_sets_a_stage_and_a_target_and_a_test_set_is_silent(box):
    athlete(box, "Cleo")
    for _ in range(2):
        box.app.submit(NextTarget())  # 35 -> 40 -> 45
    box.app.submit(SetStage("test"))
    box.app.step(0)
    (moved,) = box.out.events("plan_stage")
    assert (moved["from_stage"], moved["to_stage"], moved["by"]) == ("learn", "test", "coach")
    assert box.app.view.build().plan.target_deg == 45.0
    box.set(lost_at=(3,))
    assert box.app.policy.schedule in ("faded", "retention")
    lost = box.out.events("contact_lost")
    assert lost and all("cue" not in e for e in lost)  # a retention test: no cue, the loss logged
    scored = box.out.events("plan_set")[-1]
    assert (scored["retention"], scored["passed"]) == (True, False)  # 7/8 < 90 %
    conn = db(box)
    assert [tuple(r) for r in conn.execute("SELECT from_stage, to_stage, by, set_id IS NULL FROM plan_events")] == \
        [("learn", "test", "coach", 1), ("test", "fade", "box", 0)]
    assert tuple(conn.execute("SELECT plan_stage, depth_target_deg, plan_result, schedule FROM sets").fetchone()) \
        == ("test", 45.0, "failed", "retention")
    assert load_state(box.app.storage.store, box.app.profile.athlete.id).stage is Stage.FADE
    assert box.app.policy.schedule == "faded"


def test_a_set_keeps_the_athlete_it_began_with(box):
    athlete(box, "Dee")
    athlete(box, "Eli")
    box.app.submit(PickAthlete("Dee"))
    box.app.step(0)
    box.set(lost_at=(1,), during=[(8.0, lambda: box.app.submit(PickAthlete("Eli")))])
    scored = box.out.events("plan_set")[-1]
    assert scored["athlete"] == "Dee" and scored["counted"]
    dee = box.app.storage.store.add_athlete("Dee")
    assert load_state(box.app.storage.store, dee).window == ((7, 8),)
    assert box.app.view.build().plan.stage == "learn" and box.app.profile.athlete.name == "Eli"
    assert datetime.fromtimestamp(box.clock()).date() == at(0).date()
