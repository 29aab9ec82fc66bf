"""Rep rules: depth beyond standing (the athlete's own target: test_rep_targets.py), return near standing,
nothing before ready."""
import math

import pytest

from support.signals import PLACE, fall, make_samples, of_type, run, with_placement

STAND = 4.0


def hinge(start: float, depth: float, down: float = 1.0, hold: float = 0.3, up: float = 0.8):
    """Pitch of one hinge: smooth descent to `depth` beyond standing, hold, smooth ascent."""
    def f(t: float) -> float:
        x = t - start
        if x <= 0:
            return 0.0
        if x <= down:
            return depth * (0.5 - 0.5 * math.cos(math.pi * x / down))
        if x <= down + hold:
            return depth
        if x <= down + hold + up:
            return depth * (0.5 + 0.5 * math.cos(math.pi * (x - down - hold) / up))
        return 0.0
    return f


def pitch_of(*moves):
    return lambda t: STAND + sum(m(t) for m in moves)


def events_for(*moves, duration=12.0, shapes=None, **kw):
    return run(make_samples(with_placement(shapes or {}), duration, pitch=pitch_of(*moves), **kw))


def test_reps_counted_with_depth_and_tempo():
    events = events_for(hinge(3.0, 60, down=1.2, hold=0.4, up=0.9), hinge(6.0, 45))
    done = of_type(events, "rep_completed")
    assert [e["rep"] for e in done] == [1, 2]
    first = done[0]
    assert first["depth_deg"] == pytest.approx(60, abs=1.5)
    assert first["descent_s"] == pytest.approx(1.2, abs=0.25)
    assert first["ascent_s"] == pytest.approx(0.9 * 0.75, abs=0.25)  # ends at 15° from standing
    assert first["bottom_s"] == pytest.approx(0.4, abs=0.25)
    assert first["duration_s"] == pytest.approx(
        first["descent_s"] + first["bottom_s"] + first["ascent_s"], abs=0.02)
    assert first["faults"] == []
    assert [e["rep"] for e in of_type(events, "rep_started")] == [1, 2]


def test_shallow_dip_is_not_a_rep():
    # after a 60 deg rep this athlete's target is about 31 deg: dips of 22 and 27 are no reps
    events = events_for(hinge(3.0, 60), hinge(6.0, 22), hinge(9.0, 27), hinge(12.0, 45), duration=15.0)
    assert [e["rep"] for e in of_type(events, "rep_completed")] == [1, 2]
    assert [e["depth_deg"] < 30 for e in of_type(events, "rep_discarded")] == [True, True]


def test_wobble_while_standing_starts_nothing():
    wobble = lambda t: 6.0 * math.sin(t * 3.0) if t > 3 else 0.0  # noqa: E731
    events = events_for(wobble)
    assert not of_type(events, "rep_started")


def test_rep_must_come_back_within_fifteen_degrees():
    stays_low = lambda t: min(50.0, max(0.0, (t - 3.0) * 40)) if t < 6 else 20.0  # noqa: E731
    events = events_for(stays_low)
    assert not of_type(events, "rep_completed")


def test_nothing_counts_before_ready():
    # a hinge during placement and calibration: setting up, not training
    events = events_for(hinge(PLACE + 0.1, 60, down=0.5, hold=0.1, up=0.5), hinge(5.0, 60))
    assert [e["rep"] for e in of_type(events, "rep_completed")] == [1]
    ready = of_type(events, "ready")[0]
    assert all(e["t"] > ready["t"] for e in of_type(events, "rep_started"))


def test_rep_carries_its_contact_losses():
    events = events_for(hinge(3.0, 60, down=1.2, hold=0.5, up=1.0), hinge(7.0, 60),
                        shapes={"sacrum": fall(3.8, 0.2, 0.4)})
    lost = of_type(events, "contact_lost")
    assert [(e["contact"], e["rep"], e["phase"]) for e in lost] == [("sacrum", 1, "descent")]
    done = of_type(events, "rep_completed")
    assert [e["faults"] for e in done] == [["sacrum"], []]


def test_pitch_glitch_neither_starts_nor_ends_a_rep():
    glitch = lambda t: 70.0 if 4.0 <= t < 4.01 else 0.0  # noqa: E731
    events = events_for(glitch, hinge(6.0, 60))
    assert [e["rep"] for e in of_type(events, "rep_completed")] == [1]


def test_without_imu_contacts_are_watched_and_no_reps_reported():
    shapes = with_placement({"head": fall(4.0, 0.2, 0.5)})
    events = run(make_samples(shapes, 8.0, pitch=None))
    assert not [e for e in events if e["type"].startswith("rep_")]
    lost = of_type(events, "contact_lost")
    assert [e["contact"] for e in lost] == ["head"] and "rep" not in lost[0]
