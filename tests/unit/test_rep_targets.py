"""Each athlete's own rep target: learnt, floored, settable; side bends and twists never count."""
from __future__ import annotations

import math

import pytest

from support.signals import CHAIN, make_samples, of_type, with_placement
from device.core.detector import Detector, DetectorConfig
from device.core.reps import RepConfig
from device.core.targets import TargetConfig

SHARE = TargetConfig().learn_share

STAND = 4.0


def move(start: float, depth: float, down: float = 1.2, hold: float = 0.3, up: float = 1.0):
    """One movement's angle: smooth out to `depth`, hold, smooth back."""
    def f(t: float) -> float:
        x = t - start
        if x <= 0 or x >= down + hold + up:
            return 0.0
        if x <= down:
            return depth * (0.5 - 0.5 * math.cos(math.pi * x / down))
        if x <= down + hold:
            return depth
        return depth * (0.5 + 0.5 * math.cos(math.pi * (x - down - hold) / up))
    return f


def set_of(pitches, rolls=(), duration: float | None = None, cfg: DetectorConfig | None = None,
           seed_target: float | None = None, standing=lambda t: STAND):
    """Events of a set whose dowel tilts forward by `pitches` and sideways by `rolls` (a roll column when any)."""
    duration = duration or 3.0 + 3.5 * max(len(pitches), len(rolls)) + 2.0
    samples = make_samples(with_placement({}), duration, pitch=lambda t: standing(t) + sum(p(t) for p in pitches))
    if rolls:
        samples = [s._replace(roll=sum(r(s.t) for r in rolls)) for s in samples]
    d = Detector(CHAIN, cfg)
    if seed_target is not None:
        d.seed_rep_target(seed_target)
    events = []
    for s in samples:
        events.extend(e.to_dict() for e in d.feed(s))
    return events, d


def counted(events):
    return [e["depth_deg"] for e in of_type(events, "rep_completed")]


def test_an_athlete_who_bends_only_20_to_35_degrees_has_every_rep_counted():
    depths = [22, 30, 25, 33, 21, 28]
    events, d = set_of([move(3.0 + 3.5 * i, x) for i, x in enumerate(depths)])
    assert len(counted(events)) == len(depths)
    assert d.rep_target_deg == 16.0 and d.learnt_rep_target_deg == 16.0


def test_a_first_dip_is_no_rep_and_later_dips_under_the_athletes_own_target_neither():
    # 17 deg before any rep; then reps of about 60 deg teach a target of about 31: dips of 22 and 28 are no reps
    moves = [move(3.0, 17), move(6.5, 60), move(10.0, 22), move(13.5, 62), move(17.0, 28), move(20.5, 58)]
    events, d = set_of(moves)
    assert counted(events) == pytest.approx([60, 62, 58], abs=1.5)
    assert [e["reason"] for e in of_type(events, "rep_discarded")] == ["shallow"] * 3
    assert d.rep_target_deg == pytest.approx(SHARE * 60, abs=1.0)


def test_the_target_never_drops_under_the_floor():
    moves = [move(3.0 + 3.5 * i, x) for i, x in enumerate([21, 20, 22, 14, 21])]
    events, d = set_of(moves)
    assert len(counted(events)) == 4 and of_type(events, "rep_discarded")[0]["depth_deg"] < 16
    assert d.rep_target_deg == TargetConfig().floor_deg


def test_a_coach_sets_the_target_in_the_config_or_live():
    cfg = DetectorConfig(reps=RepConfig(target_deg=40.0))
    events, d = set_of([move(3.0, 60), move(6.5, 38), move(10.0, 45)], cfg=cfg)
    assert counted(events) == pytest.approx([60, 45], abs=1.5)
    assert d.rep_target_deg == 40.0
    d.set_rep_target(None)
    assert d.rep_target_deg == pytest.approx(SHARE * 52.5, abs=1.0), "handed back to learning"
    with pytest.raises(ValueError):
        RepConfig(target_deg=10.0)  # under the floor


def test_a_seeded_athlete_starts_from_their_own_target_and_reports_what_they_teach():
    events, d = set_of([move(3.0, 24), move(6.5, 50), move(10.0, 52)], seed_target=30.0)
    assert counted(events) == pytest.approx([50, 52], abs=1.5), "24 deg is under their kept 30"
    assert d.learnt_rep_target_deg == pytest.approx(SHARE * 50, abs=1.5)


def test_side_bends_are_no_reps_however_far_they_tilt_the_pitch():
    # a side bend leaks 38 deg into pitch (over the old fixed 35) while rolling 45 deg
    pitches = [move(3.0, 60), move(6.5, 38), move(10.0, 55)]
    rolls = [move(6.5, 45)]
    events, _ = set_of(pitches, rolls)
    assert counted(events) == pytest.approx([60, 55], abs=1.5)
    assert [e["reason"] for e in of_type(events, "rep_discarded")] == ["sideways"]


def test_side_bends_of_a_shallow_athlete_are_no_reps_either():
    pitches = [move(3.0, 25), move(6.5, 24), move(10.0, 28), move(13.5, 22)]
    rolls = [move(6.5, -30), move(13.5, 26)]
    events, _ = set_of(pitches, rolls)
    assert counted(events) == pytest.approx([25, 28], abs=1.5)


def test_forward_bends_with_the_imu_turned_in_its_mount_still_count():
    # turned 30 deg about the dowel: every hinge also rolls half as much as it pitches
    depths = [60, 45, 70, 52]
    pitches = [move(3.0 + 3.5 * i, x) for i, x in enumerate(depths)]
    rolls = [move(3.0 + 3.5 * i, 0.5 * x) for i, x in enumerate(depths)]
    events, _ = set_of(pitches, rolls)
    assert len(counted(events)) == 4


def test_a_standing_angle_that_wanders_six_degrees_over_the_set_does_not_stop_the_count():
    def wander(t: float) -> float:
        return STAND + 6.0 * math.sin(t / 12.0)
    depths = [55, 60, 48, 62, 50, 58, 64, 52]
    events, _ = set_of([move(3.0 + 4.0 * i, x, hold=0.2) for i, x in enumerate(depths)], standing=wander,
                       duration=38.0)
    assert len(counted(events)) == len(depths)


def test_the_screen_shows_the_athletes_own_target():
    from device.view.builder import ViewModelBuilder
    events, d = set_of([move(3.0, 28), move(6.5, 26)])
    b = ViewModelBuilder(target_deg=35.0)
    b.on_tick(10.0, d)
    assert b.build().target_deg == 16.0
