"""Reps, depth and tempo from the dowel's pitch; each athlete's own target depth.

A rep counts when the dowel tilts at least the target beyond the standing
angle (calibrated at `ready`) and comes back near it. A movement starts when
the pitch leaves `start_deg` beyond standing; one that returns (within
`still_deg`) short of the target is a shallow dip, reported as
`rep_discarded` and never counted. Pitch goes through a median of three so
one bad IMU sample neither starts nor ends a rep.

The target is the athlete's own (targets.py): the people this drill is for
(tight hamstrings, older athletes) may hinge only 20-35 deg, so a fixed 35 deg
missed every one of their reps. It is learnt from the reps counted, never
below a floor well above standing noise, and a coach may fix it.

Side bends and twists are no reps however far they tilt the dowel: with a
roll reading (trace column `roll`), a movement whose tilt leans away from the
athlete's hinge direction (learnt from the counted reps, so a sensor mounted
turned about the dowel is fine) is discarded as "sideways".

Tempo: the start is the last moment the dowel was within `still_deg` of
standing, the bottom spans the time the pitch stayed within `bottom_band_deg`
of its deepest, and the end is the sample that came back near standing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from device.core.events import RepCompleted, RepDiscarded, RepStarted
from device.core.targets import RepTarget, TargetConfig


class Phase(StrEnum):
    """Part of a rep (the word the event lines and the export use)."""

    STANDING = "standing"
    DESCENT = "descent"
    BOTTOM = "bottom"
    ASCENT = "ascent"


class Motion(StrEnum):
    """The tracker's state: still at the standing angle, or in a movement."""

    STANDING = "standing"
    MOVING = "moving"


STANDING, MOVING = Motion.STANDING, Motion.MOVING
RepEvent = RepStarted | RepCompleted | RepDiscarded


@dataclass(frozen=True)
class RepConfig(TargetConfig):
    """When a movement starts and ends; the target's own settings come from TargetConfig."""

    return_deg: float = 15.0  # back within this of standing ends a rep (at most half the target)
    start_deg: float = 10.0
    still_deg: float = 5.0
    bottom_band_deg: float = 2.0
    standing_tau_s: float = 4.0  # re-levelling of standing while still: follows a wandering mount

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.return_deg < self.depth_min_deg:
            raise ValueError("return_deg must be smaller than depth_min_deg")
        if not self.still_deg < self.start_deg < self.floor_deg:
            raise ValueError("still_deg < start_deg < floor_deg, please")


class RepTracker:
    """Feeds on (t, pitch[, roll]); returns rep events, or None."""

    __slots__ = ("cfg", "target", "standing", "roll0", "state", "completed", "beyond", "_p1", "_p2", "_t_still",
                 "_start", "_max", "_max_at_reach", "_t_reach", "_t_leave", "faults", "phase", "_armed",
                 "_roll", "_back")

    def __init__(self, cfg: RepConfig | None = None) -> None:
        self.cfg = cfg or RepConfig()
        self.target = RepTarget(self.cfg)
        self.standing: float | None = None
        self.roll0: float | None = None
        self.state = STANDING
        self.completed = 0
        self.beyond = 0.0  # the last (median of three) pitch past standing, degrees
        self.phase = Phase.STANDING
        self.faults: list[str] = []
        self._p1 = self._p2 = 0.0
        self._armed = False
        self._roll: float | None = None
        self._back = self.cfg.return_deg

    def calibrate(self, t: float, standing_deg: float, roll_deg: float | None = None) -> None:
        """A new set: adopt the standing angle (and roll) measured while calibrating; count from 1."""
        self.standing = standing_deg
        self.roll0 = roll_deg
        self.completed = 0
        self.state = STANDING
        self.phase = Phase.STANDING
        self._p1 = self._p2 = standing_deg
        self._t_still = t
        self._armed = True

    @property
    def current_rep(self) -> int | None:
        """Number of the rep under way, or None while standing."""
        return self.completed + 1 if self.state is MOVING else None

    def note_fault(self, contact: str) -> None:
        """A contact was lost during this movement: the rep carries it."""
        if self.state is MOVING and contact not in self.faults:
            self.faults.append(contact)

    def step(self, t: float, pitch: float, dt: float, roll: float | None = None) -> RepEvent | None:
        p1, p2 = self._p1, self._p2
        lo, hi = (p1, p2) if p1 < p2 else (p2, p1)
        p = hi if pitch > hi else (lo if pitch < lo else pitch)
        self._p2 = p1
        self._p1 = pitch
        cfg = self.cfg
        standing = self.standing
        assert standing is not None, "step() before calibrate()"
        beyond = p - standing
        self.beyond = beyond
        if self.state is STANDING:
            if beyond <= cfg.still_deg:
                self._t_still = t
                self._armed = True
                if -cfg.still_deg <= beyond:
                    a = dt / cfg.standing_tau_s
                    self.standing = standing + (a if a < 1.0 else 1.0) * beyond
                    if roll is not None and self.roll0 is not None:
                        self.roll0 += (a if a < 1.0 else 1.0) * (roll - self.roll0)
                return None
            if beyond < cfg.start_deg or not self._armed:
                return None  # a new movement starts from standing, not from a rep's tail
            return self._start_rep(t, beyond, roll)
        return self._follow(t, beyond, roll)

    def _start_rep(self, t: float, beyond: float, roll: float | None) -> RepStarted:
        self.state = MOVING
        self.phase = Phase.DESCENT
        self._start = self._t_still
        self._max = beyond
        self._max_at_reach = beyond
        self._t_reach = self._t_leave = t
        self._roll = self._sideways(roll)
        self._back = min(self.cfg.return_deg, 0.5 * self.target.deg)
        self.faults = []
        return RepStarted(round(t, 4), rep=self.completed + 1)

    def _sideways(self, roll: float | None) -> float | None:
        return None if roll is None or self.roll0 is None else roll - self.roll0

    def _follow(self, t: float, beyond: float, roll: float | None) -> RepCompleted | RepDiscarded | None:
        cfg = self.cfg
        if beyond > self._max:
            self._max = beyond
            self._t_leave = t
            self._roll = self._sideways(roll)
            self.phase = Phase.DESCENT
            if beyond - self._max_at_reach > cfg.bottom_band_deg:
                self._max_at_reach = beyond
                self._t_reach = t
        elif beyond >= self._max - cfg.bottom_band_deg:
            self._t_leave = t
            if self.phase is Phase.DESCENT:
                self.phase = Phase.BOTTOM
        else:
            self.phase = Phase.ASCENT
        deep = self._max >= self.target.deg
        if beyond > (self._back if deep else cfg.still_deg):
            return None
        return self._finish(t)

    def _finish(self, t: float) -> RepCompleted | RepDiscarded:
        self.state = STANDING
        self._armed = False
        self.phase = Phase.STANDING
        self._t_still = t
        depth = round(self._max, 1)
        if self._max < self.target.deg:
            return RepDiscarded(round(t, 4), rep=self.completed + 1, depth_deg=depth, reason="shallow")
        direction = None if self._roll is None else math.degrees(math.atan2(self._roll, self._max))
        if direction is not None and not self.target.hinge_like(direction):
            return RepDiscarded(round(t, 4), rep=self.completed + 1, depth_deg=depth, reason="sideways")
        self.completed += 1
        self.target.learn(self._max, direction)
        return RepCompleted(
            round(t, 4), rep=self.completed, depth_deg=depth,
            duration_s=round(t - self._start, 3),
            descent_s=round(self._t_reach - self._start, 3),
            bottom_s=round(self._t_leave - self._t_reach, 3),
            ascent_s=round(t - self._t_leave, 3),
            faults=tuple(self.faults))

    def abandon(self) -> None:
        """The dowel came off mid-movement: that movement is no rep."""
        self.state = STANDING
        self.phase = Phase.STANDING
        self.faults = []
