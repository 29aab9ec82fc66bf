"""The planned set: the athlete's noise-free forces and posture at any time, and the pads' physics.

Everything here is decided up front (timeline.py lays it out), so the truth
is complete before the first sample and a read at any time is a few bisects.
Per contact: force F (N) = standing force x posture (rep, head unloading) x
placement/removal x envelopes (faults, sags, fidgets) x gaps (bounces); FSR
conductance G = k * drift(t) * creep(t) * F ** n; divider V = rail * R*G / (1 + R*G).
The IMU sees the dowel's orientation (hinge, side bend, twist) through its
mount (a pitch offset and a turn about the dowel), as pitch and roll.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from drivers.sim.scenario import Scenario
from drivers.sim.shapes import Envelope, Motion, Walk, rise

Posture = tuple[float, float, float, float]  # forward, side, twist (deg), head multiplier
STILL: Posture = (0.0, 0.0, 0.0, 1.0)


@dataclass
class Plan:
    """Everything decided up front; the noise-free force of any contact at any time."""

    s: Scenario
    place: list[tuple[float, float]]          # per contact: (start, ramp)
    base: list[float]
    k: list[float]
    offset: list[float]
    gain: list[float]
    exponent: list[float]
    creep: list[tuple[float, float]]          # per contact: (gain, tau)
    standing: float
    drift: list[Walk]
    rail_v: float
    breaks: list[float]                       # per contact: its break force (N)
    wander: Walk | None = None
    mount: tuple[float, float] = (0.0, 0.0)   # IMU pitch offset, turn about the dowel (deg)
    head_tau_deg: float = 27.0                # the head's force nears a rep's `head_end` over this much hinge
    removal: list[tuple[float, float]] = field(default_factory=lambda: [(math.inf, 0.12)] * 3)
    duration: float = 0.0
    motions: list[Motion] = field(default_factory=list)
    envelopes: list[list[Envelope]] = field(default_factory=lambda: [[], [], []])
    gaps: list[list[tuple[float, float]]] = field(default_factory=lambda: [[], [], []])
    glitches: list[list[float]] = field(default_factory=lambda: [[], [], []])
    spikes: list[list[tuple[float, float]]] = field(default_factory=lambda: [[], [], []])
    sensor: list[tuple[float, str, int] | None] = field(default_factory=lambda: [None, None, None])

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Sort the timeline and its bisect keys (after planning adds items)."""
        self.motions.sort(key=lambda m: m.start)
        self._motion_starts = [m.start for m in self.motions]
        for evs in self.envelopes:
            evs.sort(key=lambda e: e.t0)
        self._env_starts = [[e.t0 for e in evs] for evs in self.envelopes]
        for g in self.gaps:
            g.sort()
        self._gap_starts = [[a for a, _ in g] for g in self.gaps]

    @property
    def removed_t(self) -> float:
        """When the first pad starts to leave (inf: never removed)."""
        return min(start for start, _ in self.removal)

    # -- the athlete ------------------------------------------------------------------
    def posture(self, t: float) -> Posture:
        """(forward, side, twist beyond standing in degrees, head force multiplier) at t."""
        i = bisect.bisect_right(self._motion_starts, t) - 1
        if i >= 0:
            m = self.motions[i]
            if t < m.end:
                u = m.frac(t)
                if m.kind == "side":
                    return m.lean * u, m.depth * u, 0.0, 1.0
                if m.kind == "twist":
                    return m.lean * u, 0.0, m.depth * u, 1.0
                x = m.depth * u
                return x, 0.0, 0.0, m.head_end + (1.0 - m.head_end) * math.exp(-x / self.head_tau_deg)
        return STILL

    def envelope(self, c: int, t: float) -> float:
        i = bisect.bisect_right(self._env_starts[c], t) - 1
        value = 1.0
        if i >= 0:
            e = self.envelopes[c][i]
            if t < e.t3:
                value = e.at(t)
        j = bisect.bisect_right(self._gap_starts[c], t) - 1
        if j >= 0 and t < self.gaps[c][j][1]:
            return 0.0
        return value

    def presence(self, c: int, t: float) -> float:
        """Placement ramp up, removal ramp down: the dowel itself on the back."""
        start, ramp = self.place[c]
        if t < start:
            return 0.0
        gone, out = self.removal[c]
        if t >= gone:
            x = (t - gone) / out
            return 0.0 if x >= 1.0 else 1.0 - rise(x)
        return rise((t - start) / ramp) if t < start + ramp else 1.0

    def force(self, c: int, t: float, fwd: float | None = None, head: float = 1.0) -> float:
        """Noise-free force (N) of contact c at t: what the truth's times are measured on."""
        if fwd is None:
            fwd, _, _, head = self.posture(t)
        p = self.presence(c, t)
        if p == 0.0:
            return 0.0
        mult = head if c == 0 else 1.0 + self.gain[c] * min(max(fwd, 0.0), 120.0) / 90.0
        return self.base[c] * mult * p * self.envelope(c, t)

    # -- the pads and the divider -------------------------------------------------------
    def floor_for(self, c: int, share: float, posture: bool = True) -> float:
        """A share of the pad's force it may ease to and still touch: clear of its break force, even
        on top of the lightest the posture makes it (`posture`: the head unloading in the planned reps)."""
        lightest = min((m.head_end for m in self.motions), default=1.0) if posture and c == 0 else 1.0
        lightest = min(1.0, lightest)
        least = 1.5 * self.breaks[c] / (self.base[c] * lightest) if self.base[c] > 0.0 else 0.0
        return share if share >= least else least

    def sensitivity(self, c: int, t: float) -> float:
        """The FSR's conductance per N ** n now: part, drift, creep and warming since placement."""
        gain, tau = self.creep[c]
        since = t - self.place[c][0]
        creep = 1.0 + gain * (1.0 - math.exp(-since / tau)) if gain and since > 0.0 else 1.0
        return self.k[c] * (1.0 + self.drift[c].at(t)) * creep

    def volts(self, c: int, force: float, t: float) -> float:
        """The divider's output for a force (noise, if any, already in it); 0 under the break force."""
        if force <= self.breaks[c]:
            return 0.0
        n = self.exponent[c]
        rg = self.s.divider_ohm * self.sensitivity(c, t) * (force if n == 1.0 else force ** n)
        return self.rail_v * rg / (1.0 + rg)

    # -- the IMU ----------------------------------------------------------------------------
    def standing_at(self, t: float) -> float:
        """The dowel's standing angle, wandering over the set."""
        return self.standing + (self.wander.at(t) if self.wander is not None else 0.0)

    def imu(self, t: float, fwd: float, side: float, twist: float) -> tuple[float, float]:
        """(pitch, roll) the IMU reads, in degrees, for the trunk's posture beyond standing."""
        hinge = self.standing_at(t) + fwd
        mount_pitch, mount_turn = self.mount
        if not side and not twist and not mount_turn:
            return hinge + mount_pitch, 0.0
        # gravity in the dowel's frame: hinge about y, side bend about x, twist about the dowel
        h, b, w = math.radians(hinge), math.radians(side), math.radians(twist)
        gx, gy, gz = -math.sin(h), math.cos(h) * math.sin(b), math.cos(h) * math.cos(b)
        cw, sw = math.cos(w), math.sin(w)
        gx, gy = cw * gx + sw * gy, -sw * gx + cw * gy
        # then into the sensor's frame: turned about the dowel, tilted in its mount
        ct, st = math.cos(math.radians(mount_turn)), math.sin(math.radians(mount_turn))
        gx, gy = ct * gx + st * gy, -st * gx + ct * gy
        cp, sp = math.cos(math.radians(mount_pitch)), math.sin(math.radians(mount_pitch))
        gx, gz = cp * gx - sp * gz, sp * gx + cp * gz
        # pitch as the device computes it (tilt.py); roll: gravity's angle out of the pitch plane
        return math.degrees(math.atan2(-gx, gz)), math.degrees(math.asin(max(-1.0, min(1.0, gy))))
