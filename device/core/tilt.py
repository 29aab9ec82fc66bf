"""The dowel's pitch from an accelerometer and a gyroscope: a complementary filter.

Why both sensors: the accelerometer knows where gravity is but also feels every
push of a rep (a 70 deg hinge in a second puts ~0.3 g sideways on a sensor
half a metre from the hips, ~15 deg of error); the gyroscope follows fast
tilts exactly but its bias integrates into drift. The filter integrates the
gyro and pulls gently toward the accelerometer's angle, with time constant
`alpha_tau_s`, and pulls less (or not at all) when the accelerometer is being
shaken: when |a| departs from the still reading (~1 g) or the dowel turns fast.
A slower loop learns the gyro bias from the same error, so a still dowel shows
no drift however wrong the gyro's zero is.

Pure math: no clock of its own (time comes from the readings' timestamps), no
I/O, no numpy (one update per sample, plain floats are faster). Readings are
anything with ax, ay, az (g) and gx, gy, gz (deg/s), e.g. drivers' ImuReading.

Axis convention (shared with drivers/fake_mpu6050.py): at pitch 0 the sensor's
+z points up. axis="y": pitch about y, ax = -sin(pitch), rate gy. axis="x":
pitch about x, ay = +sin(pitch), rate gx. A leading "-" ("-y") flips the sign
for a sensor mounted the other way round.
"""
from __future__ import annotations

import math
from typing import Protocol


class Reading(Protocol):
    ax: float
    ay: float
    az: float
    gx: float
    gy: float
    gz: float


AXES = ("x", "y", "-x", "-y")
SPIN_UP_SMOOTHING_S = 0.02  # angular acceleration is a difference of noisy rates
G_REF_TAU_S = 10.0          # how slowly the still |a| is learnt


def wrap_deg(angle: float) -> float:
    """An angle folded into [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


class ComplementaryFilter:
    """Pitch in degrees from (t, reading) pairs.

    >>> from types import SimpleNamespace as R
    >>> f = ComplementaryFilter()
    >>> s, c = math.sin(math.radians(30)), math.cos(math.radians(30))
    >>> round(f.update(0.00, R(ax=-s, ay=0.0, az=c, gx=0.0, gy=0.0, gz=0.0)), 1)
    30.0
    >>> turning = R(ax=-s, ay=0.0, az=c, gx=0.0, gy=50.0, gz=0.0)  # gravity lags the gyro
    >>> round(f.update(0.01, turning), 2), round(f.update(0.02, turning), 2)
    (30.25, 30.75)
    """

    __slots__ = ("tau_s", "axis", "accel_tolerance_g", "rate_gate_dps", "spin_up_gate_dps2",
                 "bias_tau_s", "max_gap_s", "max_bias_dps", "_sign", "_x", "_pitch", "_t",
                 "_bias", "_g_ref", "_rate", "_spin_up")

    def __init__(self, alpha_tau_s: float = 0.5, axis: str = "y", *,
                 accel_tolerance_g: float = 0.1, rate_gate_dps: float = 20.0,
                 spin_up_gate_dps2: float = 30.0, bias_tau_s: float | None = None,
                 max_gap_s: float = 0.5,
                 max_bias_dps: float = 25.0) -> None:
        if axis not in AXES:
            raise ValueError(f"axis must be one of {AXES}, got {axis!r}")
        if bias_tau_s is None:
            bias_tau_s = 4.0 * alpha_tau_s  # critically damped bias loop at full trust
        if alpha_tau_s <= 0 or bias_tau_s <= 0:
            raise ValueError("alpha_tau_s and bias_tau_s must be positive")
        self.tau_s = alpha_tau_s
        self.axis = axis
        self.accel_tolerance_g = accel_tolerance_g
        self.rate_gate_dps = rate_gate_dps
        self.spin_up_gate_dps2 = spin_up_gate_dps2
        self.bias_tau_s = bias_tau_s
        self.max_gap_s = max_gap_s
        self.max_bias_dps = max_bias_dps
        self._sign = -1.0 if axis.startswith("-") else 1.0
        self._x = axis.endswith("x")
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next reading seeds the angle from gravity."""
        self._pitch: float | None = None
        self._t: float | None = None
        self._bias = 0.0
        self._g_ref = 1.0
        self._rate = 0.0      # last bias-corrected rate, deg/s
        self._spin_up = 0.0   # smoothed angular acceleration, deg/s^2

    @property
    def pitch_deg(self) -> float | None:
        """The latest estimate, or None before the first reading."""
        return self._pitch

    @property
    def gyro_bias_dps(self) -> float:
        """The gyro bias learnt so far about the pitch axis."""
        return self._bias

    def accel_pitch(self, reading: Reading) -> float:
        """The pitch gravity alone implies (exact when the dowel is still)."""
        if self._x:
            return self._sign * math.degrees(math.atan2(reading.ay, reading.az))
        return self._sign * math.degrees(math.atan2(-reading.ax, reading.az))

    def accel_roll(self, reading: Reading) -> float:
        """The dowel's sideways tilt gravity implies: its angle out of the pitch plane, degrees.

        A side bend shows here and hardly in pitch; the rep tracker uses it to
        tell one from a hinge (device/core/reps.py)."""
        side, along = (reading.ax, reading.ay) if self._x else (reading.ay, reading.ax)
        return math.degrees(math.atan2(side, math.sqrt(along * along + reading.az * reading.az)))

    def update(self, t: float, reading: Reading) -> float:
        """Fold in one reading taken at time `t` (seconds); return the pitch in degrees.

        Readings with the same or an earlier time than the last one change
        nothing; non-finite values are skipped rather than poisoning the state.
        """
        rate = self._sign * (reading.gx if self._x else reading.gy)
        if not all(map(math.isfinite, (t, rate, reading.ax, reading.ay, reading.az))):
            return math.nan if self._pitch is None else self._pitch
        acc = self.accel_pitch(reading)
        mag = math.sqrt(reading.ax ** 2 + reading.ay ** 2 + reading.az ** 2)
        if self._pitch is None or self._t is None:
            self._pitch, self._t = acc, t
            return acc
        dt = t - self._t
        if dt <= 0.0:
            return self._pitch
        self._t = t
        return self._step(dt, acc, mag, rate - self._bias)

    # --- internals -------------------------------------------------------------
    def _step(self, dt: float, acc: float, mag: float, rate: float) -> float:
        """Predict with the gyro, correct toward gravity by how much it is trusted."""
        assert self._pitch is not None
        self._track_spin_up(dt, rate)
        trust = self._trust(mag, rate)
        if dt > self.max_gap_s and trust > 0.5:
            self._pitch = acc  # after a stall the gyro says little; gravity is fine
            return acc
        predicted = self._pitch + 0.5 * (self._rate + rate) * dt  # trapezoid
        self._rate = rate
        error = wrap_deg(acc - predicted)
        gain = trust * dt / (self.tau_s + dt)
        self._pitch = wrap_deg(predicted + gain * error)
        self._learn(dt, trust, error, mag, rate)
        return self._pitch

    def _track_spin_up(self, dt: float, rate: float) -> None:
        """Smoothed angular acceleration: what pushes the sensor sideways (r * alpha)."""
        raw = (rate - self._rate) / dt if dt <= self.max_gap_s else 0.0
        k = dt / (SPIN_UP_SMOOTHING_S + dt)
        self._spin_up += k * (raw - self._spin_up)

    def _trust(self, mag: float, rate: float) -> float:
        """0..1: how far the accelerometer's angle is believed right now.

        A sensor r from the hips, turning at omega and speeding up at alpha,
        feels r*alpha sideways and r*omega^2 along the dowel on top of gravity.
        So trust falls as the turn speeds up or slows down (alpha), as it is
        fast (omega), and as |a| leaves the still reading (what is left). Never
        exactly 0 for a small departure, so a miscalibrated 1 g still converges.
        """
        m = (mag - self._g_ref) / self.accel_tolerance_g
        r = rate / self.rate_gate_dps
        a = self._spin_up / self.spin_up_gate_dps2
        return 1.0 / ((1.0 + m * m * m * m) * (1.0 + r * r) * (1.0 + a * a))

    def _learn(self, dt: float, trust: float, error: float, mag: float, rate: float) -> None:
        """Slow loops: the gyro bias from the residual error, the still |a| from a still dowel.

        The bias loop is the integral term of a PI filter: a gyro that reads
        b too high makes gravity pull the angle back every step; that steady
        pull is b. bias_tau_s = 4 * alpha_tau_s (the default) is critically
        damped when the accelerometer is fully trusted: learnt in a few seconds
        of standing, without overshoot.
        """
        ki = 1.0 / (self.tau_s * self.bias_tau_s)
        bias = self._bias - ki * trust * error * dt
        self._bias = max(-self.max_bias_dps, min(self.max_bias_dps, bias))
        if abs(rate) < 0.25 * self.rate_gate_dps and abs(mag - self._g_ref) < 0.2:
            k = dt / (G_REF_TAU_S + dt)
            self._g_ref = min(1.2, max(0.8, self._g_ref + k * (mag - self._g_ref)))
