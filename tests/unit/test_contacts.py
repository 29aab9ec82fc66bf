"""The contact state machine: real losses found early, everything else left alone."""
import pytest

from support.signals import (PLACE, fall, gap, make_samples, of_type, placed, product,
                             run, t_lost, with_placement)

CAUSE = {"head": "cervical_flexion", "upper_back": "squatting", "sacrum": "spinal_flexion"}
READY_BY = PLACE + 2.5  # faults placed after this


def lost(events):
    return of_type(events, "contact_lost")


def test_placing_calibrating_ready(set_of):
    events = set_of({}, duration=5.0)
    types = [e["type"] for e in events]
    assert types == ["calibrating", "ready"]
    ready = of_type(events, "ready")[0]
    assert PLACE + 0.6 <= ready["t"] <= PLACE + 2.0
    assert set(ready["baseline_us"]) == {"head", "upper_back", "sacrum"}


def test_nothing_is_a_loss_before_ready():
    shapes = with_placement({"sacrum": fall(PLACE + 0.9, 0.1, 0.5)})
    events = run(make_samples(shapes, 6.0))
    assert not lost(events)


@pytest.mark.parametrize("contact", ["head", "upper_back", "sacrum"])
@pytest.mark.parametrize("ramp", [0.08, 0.2, 0.4])
@pytest.mark.parametrize("rate", [50.0, 100.0, 200.0])
def test_real_loss_found_early_once(set_of, contact, ramp, rate):
    start = 4.0
    events = set_of({contact: fall(start, ramp, hold=0.5)}, rate=rate)
    losses = lost(events)
    assert len(losses) == 1
    e = losses[0]
    assert (e["contact"], e["cause"]) == (contact, CAUSE[contact])
    latency = e["t"] - t_lost(start, ramp)
    assert -0.05 <= latency <= 0.04, latency
    restored = of_type(events, "contact_restored")
    assert len(restored) == 1 and restored[0]["contact"] == contact
    assert restored[0]["t"] > start + ramp + 0.5


@pytest.mark.parametrize("dur", [0.005, 0.01, 0.02, 0.03])
@pytest.mark.parametrize("rate", [50.0, 100.0, 200.0])
def test_bounces_and_glitches_are_not_losses(set_of, dur, rate):
    shapes = {"head": gap(4.0, dur), "upper_back": gap(5.003, dur), "sacrum": gap(6.007, dur)}
    assert not lost(set_of(shapes, rate=rate, jitter=0.1))


@pytest.mark.parametrize("ramp", [0.1, 0.25, 0.4])
def test_sag_to_twenty_percent_still_touches(set_of, ramp):
    shapes = {"head": fall(4.0, ramp, hold=1.0, to=0.2), "sacrum": fall(5.5, ramp, 0.6, to=0.2)}
    assert not lost(set_of(shapes, noise=0.04))


def test_glitch_or_bounce_during_a_sag_is_not_a_loss(set_of):
    sag = fall(4.0, 0.3, hold=1.5, to=0.2)
    shapes = {"sacrum": product(sag, gap(4.9, 0.004)), "head": product(sag, gap(5.2, 0.03))}
    assert not lost(set_of(shapes))


@pytest.mark.parametrize("direction", [+0.35, -0.35])
def test_drift_is_followed_and_losses_still_found(set_of, direction):
    def drift(t):
        return 1.0 + direction * min(1.0, max(0.0, (t - 3.0) / 20.0))
    shapes = {"head": drift, "upper_back": drift, "sacrum": product(drift, fall(24.0, 0.2, 0.5))}
    events = set_of(shapes, duration=26.0)
    losses = lost(events)
    assert [e["contact"] for e in losses] == ["sacrum"]
    assert losses[0]["t"] - t_lost(24.0, 0.2) <= 0.04


@pytest.mark.parametrize("stagger", [0.0, 0.01, 0.02])
def test_taking_the_dowel_off_is_a_removal_not_three_losses(set_of, stagger):
    shapes = {"head": fall(5.0, 0.12, 10), "upper_back": fall(5.0 + stagger, 0.12, 10),
              "sacrum": fall(5.0 + 2 * stagger, 0.12, 10)}
    events = set_of(shapes, duration=7.0)
    assert not lost(events)
    removed = of_type(events, "dowel_removed")
    assert len(removed) == 1 and 5.0 < removed[0]["t"] < 5.5
    assert events[-1]["type"] == "dowel_removed"


def test_a_ragged_removal_is_still_a_removal_never_three_losses(set_of):
    # 120 ms from the first pad to the last: the first ones cannot wait that long to be told apart
    shapes = {"head": fall(5.0, 0.12, 10), "upper_back": fall(5.06, 0.12, 10),
              "sacrum": fall(5.12, 0.12, 10)}
    events = set_of(shapes, duration=7.0)
    assert len(lost(events)) < 3
    assert events[-1]["type"] == "dowel_removed"


def test_two_contacts_lost_together_are_two_faults_cued_at_once(set_of):
    events = set_of({"upper_back": fall(4.0, 0.2, 0.6), "sacrum": fall(4.02, 0.2, 0.6)})
    losses = lost(events)
    assert [e["contact"] for e in losses] == ["upper_back", "sacrum"]
    assert losses[0]["t"] - t_lost(4.0, 0.2) <= 0.03
    assert losses[1]["t"] - t_lost(4.02, 0.2) <= 0.03
    assert not of_type(events, "dowel_removed")


def test_a_new_set_after_the_dowel_is_put_back():
    off = fall(5.0, 0.12, hold=2.0, back=0.6)
    shapes = with_placement({"head": off, "upper_back": off, "sacrum": off})
    events = run(make_samples(shapes, 12.0))
    assert [e["type"] for e in events] == ["calibrating", "ready", "dowel_removed", "calibrating", "ready"]


def test_loss_across_a_sampling_stall_is_found_once(set_of):
    # the fall happens inside a 100 ms gap in the samples: no shape to see, so the debounce decides
    events = set_of({"upper_back": fall(4.0, 0.1, 0.6)}, stalls=[(3.97, 4.09)])
    losses = lost(events)
    assert len(losses) == 1 and losses[0]["contact"] == "upper_back"
    assert losses[0]["t"] - t_lost(4.0, 0.1) <= 0.08


def test_bounce_just_after_a_restore_is_not_a_second_loss(set_of):
    shape = product(fall(4.0, 0.2, 0.5, back=0.08), gap(4.85, 0.03))
    events = set_of({"sacrum": shape})
    assert len(lost(events)) == 1


def test_shorted_sensor_is_a_fault_not_a_loss(set_of):
    def short(name, t, count):
        return 26300 if name == "head" and 4.0 <= t < 5.0 else count
    events = set_of({}, duration=7.0, override=short)
    assert not lost(events)
    faults = of_type(events, "sensor_fault")
    assert [(e["contact"], e["reason"]) for e in faults] == [("head", "shorted")]
    assert 4.15 <= faults[0]["t"] <= 4.3
    ok = of_type(events, "sensor_ok")
    assert len(ok) == 1 and ok[0]["contact"] == "head" and ok[0]["t"] >= 5.5


def test_stuck_sensor_is_a_fault_not_a_loss(set_of):
    def stuck(name, t, count):
        return 15000 if name == "sacrum" and t >= 4.0 else count
    events = set_of({}, duration=7.0, override=stuck)
    faults = of_type(events, "sensor_fault")
    assert [(e["contact"], e["reason"]) for e in faults] == [("sacrum", "stuck")]
    assert not lost(events)


def test_a_flat_zero_is_an_idle_pad_not_a_stuck_one(set_of):
    def dead(name, t, count):
        return 0 if name == "sacrum" and t >= 4.0 else count
    events = set_of({}, duration=7.0, override=dead)
    # it reads as a loss first (an unplugged pad cannot be told from a lifted one at once),
    # then, at zero through standing tall, as an open sensor
    assert [e["contact"] for e in lost(events)] == ["sacrum"]
    assert [(e["contact"], e["reason"]) for e in of_type(events, "sensor_fault")] == [("sacrum", "open")]


def test_appliance_state_walk():
    from device.core.detector import Detector
    from support.signals import CHAIN
    off = fall(5.0, 0.12, hold=10)
    shapes = {"head": product(placed(PLACE), off), "upper_back": product(placed(PLACE + 0.2), off),
              "sacrum": product(placed(PLACE + 0.4), off)}
    d = Detector(CHAIN)
    walk = []
    for s in make_samples(shapes, 7.0):
        d.feed(s)
        if not walk or walk[-1] != d.state:
            walk.append(d.state)
    assert walk == ["no_dowel", "placing", "calibrating", "ready", "no_dowel"]


def test_unplugged_pad_becomes_a_sensor_fault_after_standing_tall(set_of):
    def unplug(name, t, count):
        return 10 + int(t * 1000) % 3 if name == "head" and 4.0 <= t < 9.0 else count
    events = set_of({}, duration=11.0, override=unplug)
    assert [e["contact"] for e in lost(events)] == ["head"]  # first it reads as a loss
    faults = of_type(events, "sensor_fault")
    assert [(e["contact"], e["reason"]) for e in faults] == [("head", "open")]
    assert 5.9 <= faults[0]["t"] <= 6.3 and "check its plug" in faults[0]["detail"]
    ok = of_type(events, "sensor_ok")
    assert [e["contact"] for e in ok] == ["head"] and 9.0 <= ok[0]["t"] <= 9.1
    assert not of_type(events, "contact_restored")
