"""The plan sampled: pressure sway and noise, mains hum and spikes, the ADC, the IMU, the sampler's clock.

Reads must come in non-decreasing time (the sway, glitches and spikes have
state); the deterministic part is looked up by bisect, so a read costs a few
microseconds whatever the set's length.

Mains hum is added at the ADC input (a long unshielded cable picks it up):
50 Hz and its 100 Hz harmonic, sampled at the jittery sample times, so it
aliases the way a real sampler would see it.
"""
from __future__ import annotations

import math
import random
from typing import Iterator, Sequence

from drivers.sim.plan import Plan
from drivers.sim.scenario import (CONTACTS, FULL_SCALE, HUM_HARMONIC, MCP_FULL_SCALE, MCP_NOISE_COUNTS,
                                  MIN_STEP, NOISE_LEVELS, SHORTED_NOISE, SPIKE_FRACTION, SWAY_TAU_S, Scenario)
from drivers.sim.timeline import u

Reading = tuple[int, int, int, float | None, float | None]  # counts, pitch, roll


class Model:
    """Reads the planned set at any (non-decreasing) time: counts, pitch and roll."""

    def __init__(self, plan: Plan, rng: random.Random) -> None:
        s = plan.s
        self.plan = plan
        self._z = normals(rng).__next__
        n = NOISE_LEVELS[s.noise]
        self._white, self._sway_sd, self._pitch_sd = n.white, n.sway, n.pitch
        self._sway = [rng.gauss(0.0, n.sway) for _ in CONTACTS]
        mcp = s.adc == "mcp3008"
        # MCP3008: referenced to the rail itself (ratiometric); ADS1115: to its own PGA reference
        self._scale = MCP_FULL_SCALE / plan.rail_v if mcp else FULL_SCALE / s.pga_v
        self._count_sd = MCP_NOISE_COUNTS if mcp else n.counts
        self._range = (0, MCP_FULL_SCALE - 1) if mcp else (-FULL_SCALE, FULL_SCALE - 1)
        mains = random.Random(f"{s.family}/{s.seed}/mains")  # its own stream: the noise stays the same
        self._hum = [self._hum_of(mains) for _ in CONTACTS] if s.hum_mv[1] > 0 else None
        self._mains = s.mains_hz * (1.0 + mains.uniform(-0.001, 0.001))
        self._gp = [0, 0, 0]
        self._next_glitch = [g[0] if g else math.inf for g in plan.glitches]
        self._sp = [0, 0, 0]
        self._next_spike = [sp[0][0] if sp else math.inf for sp in plan.spikes]
        self._last = -math.inf

    def _hum_of(self, rng: random.Random) -> tuple[float, float, float, float]:
        """(amplitude V, phase, 2nd harmonic's amplitude, its phase) for one channel."""
        amp = u(rng, self.plan.s.hum_mv) * 1e-3
        return amp, rng.uniform(0, math.tau), amp * u(rng, HUM_HARMONIC), rng.uniform(0, math.tau)

    def read(self, t: float, manual: Sequence[float] = (1.0, 1.0, 1.0), tilt: float = 0.0) -> Reading:
        self._advance_sway(t)
        fwd, side, twist, head = self.plan.posture(t)
        fwd += tilt
        h = self._count(0, t, fwd, head, manual[0])
        ub = self._count(1, t, fwd, head, manual[1])
        sa = self._count(2, t, fwd, head, manual[2])
        if not self.plan.s.imu:
            return h, ub, sa, None, None
        pitch, roll = self.plan.imu(t, fwd, side, twist)
        sd = self._pitch_sd
        return h, ub, sa, pitch + sd * self._z(), roll + sd * self._z()

    def _advance_sway(self, t: float) -> None:
        """Ornstein-Uhlenbeck step over the time since the last read."""
        dt = t - self._last
        self._last = t
        a = math.exp(-dt / SWAY_TAU_S) if dt < 10 * SWAY_TAU_S else 0.0
        kick = self._sway_sd * math.sqrt(1.0 - a * a)
        z, sw = self._z, self._sway
        self._sway = [sw[0] * a + kick * z(), sw[1] * a + kick * z(), sw[2] * a + kick * z()]

    def _count(self, c: int, t: float, fwd: float, head: float, manual: float) -> int:
        plan, z = self.plan, self._z
        sf = plan.sensor[c]
        if sf is not None and t >= sf[0]:
            return sf[2] if sf[1] == "stuck" else int(round(sf[2] + SHORTED_NOISE * z()))
        if t >= self._next_glitch[c]:
            self._skip_glitches(c, t)
            return 0
        lo, hi = self._range
        if t >= self._next_spike[c]:
            return int(hi * self._take_spike(c, t))
        f = plan.force(c, t, fwd, head) * manual
        if f > 0.0:
            f *= 1.0 + self._sway[c] + self._white * z()
        v = plan.volts(c, f, t)
        if self._hum is not None:
            amp, ph, amp2, ph2 = self._hum[c]
            w = math.tau * self._mains * t
            v += amp * math.sin(w + ph) + amp2 * math.sin(2.0 * w + ph2)
        n = round(v * self._scale + plan.offset[c] + self._count_sd * z())
        return lo if n < lo else hi if n > hi else int(n)

    def _skip_glitches(self, c: int, t: float) -> None:
        """One sample takes every glitch due by now (a stall may have passed several)."""
        times, i = self.plan.glitches[c], self._gp[c]
        while i < len(times) and times[i] <= t:
            i += 1
        self._gp[c] = i
        self._next_glitch[c] = times[i] if i < len(times) else math.inf

    def _take_spike(self, c: int, t: float) -> float:
        """The share of full scale this sample's spike reads (the latest of those due)."""
        spikes, i = self.plan.spikes[c], self._sp[c]
        size = 0.0
        while i < len(spikes) and spikes[i][0] <= t:
            size = spikes[i][1]
            i += 1
        self._sp[c] = i
        self._next_spike[c] = spikes[i][0] if i < len(spikes) else math.inf
        lo, hi = SPIKE_FRACTION
        return lo + (hi - lo) * size


def normals(rng: random.Random) -> Iterator[float]:
    """Standard normal deviates, Box-Muller in pairs: half the cost of rng.gauss per sample."""
    rnd, log, sqrt, cos, sin, tau = rng.random, math.log, math.sqrt, math.cos, math.sin, math.tau
    while True:
        r = sqrt(-2.0 * log(1.0 - rnd()))
        a = tau * rnd()
        yield r * cos(a)
        yield r * sin(a)


def sample_times(s: Scenario, duration: float) -> Iterator[float]:
    """The sampler's timestamps: jittered periods (never backwards) and occasional stalls."""
    rng = random.Random(f"{s.family}/{s.seed}/clock")
    period = 1.0 / s.rate_hz
    every = s.stall_every_s
    next_stall = rng.expovariate(1.0 / every) if every > 0 else math.inf
    t = 0.0
    while t < duration:
        yield t
        t += period * max(MIN_STEP, 1.0 + s.jitter * rng.gauss(0.0, 1.0))
        if t >= next_stall:
            t = max(t, next_stall + u(rng, s.stall_s))
            next_stall = t + rng.expovariate(1.0 / every)
