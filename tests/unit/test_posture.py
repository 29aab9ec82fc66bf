"""What the posture model learns from a rep, and what it assumes before one (ADR 0023, 0042)."""
from __future__ import annotations

import pytest

from device.core.posture import PostureModel


def taught(*bottoms: list[float], peak: float = 60.0) -> PostureModel:
    """A model taught by reps whose pads read `bottoms` (over standing, posture included) at their peak."""
    p = PostureModel()
    for raw in bottoms:
        p.follow(peak)
        p.reset_rep([1.0, 1.0, 1.0])
        p.note_peak(peak, [r / f for r, f in zip(raw, p.factor)])  # the trackers see them divided out
        p.learn(peak, ())
    p.follow(peak)
    return p


def test_a_back_pad_sagging_at_a_reps_bottom_teaches_nothing():
    # the second rep's sacrum sagged to a third at the bottom: averaged in, the next rep would
    # take the sacrum to be lighter at depth than standing, and a sag on its way up would read deeper
    p = taught([0.5, 1.3, 1.3], [0.5, 1.3, 0.32])
    assert p.factor[2] == pytest.approx(1.3)
    assert p.factor[1] == pytest.approx(1.3)


def test_a_head_unloading_to_a_quarter_still_teaches():
    p = taught([0.25, 1.2, 1.2], [0.3, 1.2, 1.2])
    assert p.factor[0] == pytest.approx(0.275)


def test_before_any_rep_the_head_is_taken_to_lighten_a_little_and_the_backs_not_at_all():
    p = PostureModel()
    p.follow(0.0)
    assert p.factor == [1.0, 1.0, 1.0]
    p.follow(27.0)
    assert p.factor[0] == pytest.approx(0.65 + 0.35 / 2.718281828, abs=1e-6)
    p.follow(90.0)
    assert 0.65 < p.factor[0] < 0.7 and p.factor[1:] == [1.0, 1.0]
