"""ComplementaryFilter: static angles, a real rep's accelerations, gyro bias, odd timing.

Readings come from the fake MPU-6050 through the real driver, so the axis
convention, scaling and noise are the ones the appliance will see.
"""
from __future__ import annotations

import math
import random
from types import SimpleNamespace

import pytest

from device.core.tilt import ComplementaryFilter, wrap_deg
from drivers.fake_mpu6050 import FakeMPU6050Bus
from drivers.mpu6050 import MPU6050, ImuReading

G = 9.81
RATE_HZ = 100.0


def make_imu(**fake_kw) -> tuple[FakeMPU6050Bus, MPU6050]:
    bus = FakeMPU6050Bus(seed=fake_kw.pop("seed", 3), **fake_kw)
    imu = MPU6050(bus, sleep=lambda s: None)
    imu.wake()
    return bus, imu


def cosine_move(t: float, start: float, dur: float, a: float, b: float
                ) -> tuple[float, float, float]:
    """Angle, rate, angular acceleration (deg, deg/s, deg/s^2) of a smooth move a -> b."""
    if t <= start:
        return a, 0.0, 0.0
    if t >= start + dur:
        return b, 0.0, 0.0
    w = math.pi / dur
    half = (b - a) / 2.0
    x = w * (t - start)
    return a + half * (1 - math.cos(x)), half * w * math.sin(x), half * w * w * math.cos(x)


def rep_profile(t: float, t0: float = 4.0, down: float = 1.0, hold: float = 0.4,
                up: float = 1.0, depth: float = 70.0) -> tuple[float, float, float]:
    """Standing, hinge to `depth` deg, hold, come back: (angle, rate, angular acceleration)."""
    if t < t0 + down + hold:
        return cosine_move(t, t0, down, 0.0, depth)
    return cosine_move(t, t0 + down + hold, up, depth, 0.0)


def rep_accel_g(pitch_deg: float, rate_dps: float, acc_dps2: float, radius_m: float
                ) -> tuple[float, float, float]:
    """Sensor-frame linear acceleration of a sensor `radius_m` up the dowel from the hip pivot.

    Rotating about the hips: tangential r*alpha along the sensor's x, centripetal
    r*omega^2 toward the pivot (the sensor's -z).
    """
    w, al = math.radians(rate_dps), math.radians(acc_dps2)
    return (radius_m * al / G, 0.0, -radius_m * w * w / G)


def run_filter(bus: FakeMPU6050Bus, imu: MPU6050, filt: ComplementaryFilter,
               motion, duration: float, rate_hz: float = RATE_HZ):
    """Drive the fake with motion(t) -> (pitch, rate, linear accel); yield (t, true, estimate)."""
    n = int(duration * rate_hz)
    for i in range(n + 1):
        t = i / rate_hz
        pitch, rate, lin = motion(t)
        bus.set_motion(pitch, rate, lin)
        yield t, pitch, filt.update(t, imu.read())


# --- static angles ------------------------------------------------------------
@pytest.mark.parametrize("angle", [-30.0, -5.0, 0.0, 3.0, 15.0, 45.0, 70.0, 89.0, 90.0, 110.0])
@pytest.mark.parametrize("axis", ["x", "y"])
def test_static_tilt_within_one_degree(angle, axis):
    bus, imu = make_imu()
    filt = ComplementaryFilter(axis=axis)
    for i in range(200):
        bus.set_motion(angle, 0.0, axis=axis)
        est = filt.update(i / RATE_HZ, imu.read())
        if i == 0 or i > 20:
            assert abs(est - angle) < 1.0, (i, est)


@pytest.mark.parametrize("angle", [0.0, 12.5, 60.0, -45.0, 135.0])
def test_noise_free_static_angle_is_exact(angle):
    bus, imu = make_imu(noise=False)
    bus.set_motion(angle)
    filt = ComplementaryFilter()
    assert filt.update(0.0, imu.read()) == pytest.approx(angle, abs=0.01)


def test_flipped_axis_flips_sign():
    bus, imu = make_imu(noise=False)
    bus.set_motion(25.0)
    assert ComplementaryFilter(axis="-y").update(0.0, imu.read()) == pytest.approx(-25.0, abs=0.01)


def test_bad_axis_rejected():
    with pytest.raises(ValueError, match="'z'"):
        ComplementaryFilter(axis="z")


# --- a rep ----------------------------------------------------------------------
@pytest.mark.parametrize("radius_m", [0.3, 0.5, 0.7])
@pytest.mark.parametrize("bias", [0.0, 3.0, -8.0])
def test_rep_to_70_degrees_tracked_within_3_degrees(radius_m, bias):
    """Standing 4 s (placing, calibrating, ready), then a cosine hinge: the abrupt
    start and stop are harsher than a real rep's (minimum-jerk) onset."""
    bus, imu = make_imu(gyro_bias_dps=(0.0, bias, 0.0), accel_bias_g=(0.01, 0.0, -0.02))

    def motion(t):
        pitch, rate, acc = rep_profile(t)
        return pitch, rate, rep_accel_g(pitch, rate, acc, radius_m)

    filt = ComplementaryFilter()
    worst = max(abs(est - true) for t, true, est in run_filter(bus, imu, filt, motion, 8.0)
                if t > 3.5)
    assert worst < 3.0


def test_accelerometer_alone_would_be_far_off_in_that_rep():
    """Guard that the rep above is a real test: gravity alone errs by > 10 deg."""
    worst = 0.0
    for i in range(800):
        pitch, rate, acc = rep_profile(i / RATE_HZ)
        ax, _, az = rep_accel_g(pitch, rate, acc, 0.5)
        s, c = math.sin(math.radians(pitch)), math.cos(math.radians(pitch))
        worst = max(worst, abs(math.degrees(math.atan2(s - ax, c + az)) - pitch))
    assert worst > 10.0


def test_ten_reps_in_a_row_stay_within_3_degrees():
    """Bias learning must not be dragged off by the accelerations of rep after rep."""
    bus, imu = make_imu(gyro_bias_dps=(0.0, 4.0, 0.0), accel_bias_g=(0.01, 0.0, -0.02))

    def motion(t):
        k, u = divmod(t - 4.0, 3.4)  # 2.4 s reps, 1 s standing between
        pitch, rate, acc = rep_profile(u, t0=0.0) if 0 <= k < 10 else (0.0, 0.0, 0.0)
        return pitch, rate, rep_accel_g(pitch, rate, acc, 0.5)

    filt = ComplementaryFilter()
    errs = [abs(est - true) for t, true, est in run_filter(bus, imu, filt, motion, 40.0)
            if t > 3.5]
    assert max(errs) < 3.0


def test_rep_with_jittery_sample_times():
    bus, imu = make_imu(gyro_bias_dps=(0.0, 1.0, 0.0))
    filt = ComplementaryFilter()
    t, worst = 0.0, 0.0
    rng = random.Random(5)
    while t < 8.0:
        pitch, rate, acc = rep_profile(t)
        bus.set_motion(pitch, rate, rep_accel_g(pitch, rate, acc, 0.5))
        est = filt.update(t, imu.read())
        if t > 3.5:
            worst = max(worst, abs(est - pitch))
        t += rng.uniform(0.004, 0.03)
    assert worst < 3.0


def test_fast_tilt_is_followed_without_lag():
    bus, imu = make_imu()
    filt = ComplementaryFilter()

    def motion(t):
        pitch, rate, acc = cosine_move(t, 1.0, 0.5, 0.0, 60.0)  # ~190 deg/s peak
        return pitch, rate, rep_accel_g(pitch, rate, acc, 0.5)

    errs = [abs(est - true) for t, true, est in run_filter(bus, imu, filt, motion, 3.0)]
    assert max(errs[50:]) < 2.0


# --- drift ------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [3.0, -10.0, 20.0])
def test_no_drift_from_gyro_bias_over_60_s(bias):
    bus, imu = make_imu(gyro_bias_dps=(0.0, bias, 0.0))
    filt = ComplementaryFilter()
    errs = [(t, abs(est - true))
            for t, true, est in run_filter(bus, imu, filt, lambda t: (20.0, 0.0, (0, 0, 0)), 60.0)]
    assert max(e for t, e in errs if t >= 30.0) < 1.0
    assert max(e for t, e in errs if t >= 55.0) < 0.3
    assert filt.gyro_bias_dps == pytest.approx(bias, abs=0.3)
    assert abs(bias) * 60.0 > 100.0  # the gyro alone would be off by that much


def test_small_bias_never_gives_more_than_a_degree():
    bus, imu = make_imu(gyro_bias_dps=(0.0, 2.0, 0.0))
    filt = ComplementaryFilter()
    errs = [abs(est - true) for t, true, est in
            run_filter(bus, imu, filt, lambda t: (10.0, 0.0, (0, 0, 0)), 60.0)]
    assert max(errs) < 1.2


def test_miscalibrated_accelerometer_magnitude_still_converges():
    """A static |a| of 1.12 g (offsets at the datasheet's limits) must not freeze the filter."""
    bus, imu = make_imu(accel_bias_g=(0.0, 0.0, 0.12), gyro_bias_dps=(0.0, 3.0, 0.0))
    filt = ComplementaryFilter()
    last = list(run_filter(bus, imu, filt, lambda t: (0.0, 0.0, (0, 0, 0)), 60.0))[-1]
    assert abs(last[2] - last[1]) < 1.0


# --- timing edge cases ------------------------------------------------------------
def reading(pitch_deg: float, rate_dps: float = 0.0) -> ImuReading:
    p = math.radians(pitch_deg)
    return ImuReading(-math.sin(p), 0.0, math.cos(p), 0.0, rate_dps, 0.0)


def test_uses_reading_times_not_a_clock():
    filt = ComplementaryFilter()
    filt.update(1000.0, reading(0.0))
    # 0 then 100 deg/s over 0.1 s, gravity still saying 0: the gyro moves it ~5 deg
    assert filt.update(1000.1, reading(0.0, 100.0)) > 4.0


def test_repeated_or_backwards_time_changes_nothing():
    filt = ComplementaryFilter()
    filt.update(1.0, reading(10.0))
    before = filt.pitch_deg
    assert filt.update(1.0, reading(50.0, 500.0)) == before
    assert filt.update(0.5, reading(50.0, 500.0)) == before


def test_long_gap_reseeds_from_gravity():
    filt = ComplementaryFilter()
    filt.update(0.0, reading(0.0))
    assert filt.update(5.0, reading(40.0)) == pytest.approx(40.0)


def test_nan_reading_is_skipped():
    filt = ComplementaryFilter()
    filt.update(0.0, reading(10.0))
    bad = SimpleNamespace(ax=math.nan, ay=0.0, az=1.0, gx=0.0, gy=0.0, gz=0.0)
    assert filt.update(0.01, bad) == pytest.approx(10.0)
    assert filt.update(0.02, reading(10.0)) == pytest.approx(10.0, abs=0.1)


def test_reset_forgets():
    filt = ComplementaryFilter()
    filt.update(0.0, reading(10.0))
    filt.reset()
    assert filt.pitch_deg is None
    assert filt.update(0.0, reading(33.0)) == pytest.approx(33.0)


def test_wrap():
    assert wrap_deg(190.0) == pytest.approx(-170.0)
    assert wrap_deg(-180.0) == pytest.approx(-180.0)
    assert wrap_deg(359.0) == pytest.approx(-1.0)
