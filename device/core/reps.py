"""Reps, depth and tempo from the dowel's pitch.

A rep counts when the dowel tilts at least `depth_min_deg` beyond the standing
angle (calibrated at `ready`) and comes back within `return_deg` of it. A
movement starts when the pitch leaves `start_deg` beyond standing; one that
returns (within `still_deg`) without reaching the depth is a shallow dip and is
reported as `rep_discarded`, never counted. Pitch goes through a median of three so one bad
IMU sample neither starts nor ends a rep.

Tempo: the start is the last moment the dowel was within `still_deg` of
standing, the bottom spans the time the pitch stayed within `bottom_band_deg`
of its deepest, and the end is the sample that came back within `return_deg`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from device.core.events import RepCompleted, RepDiscarded, RepStarted


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
class RepConfig:
    depth_min_deg: float = 35.0
    return_deg: float = 15.0
    start_deg: float = 10.0
    still_deg: float = 5.0
    bottom_band_deg: float = 2.0
    standing_tau_s: float = 20.0  # slow re-levelling of standing while still

    def __post_init__(self) -> None:
        if not self.return_deg < self.depth_min_deg:
            raise ValueError("return_deg must be smaller than depth_min_deg")


class RepTracker:
    """Feeds on (t, pitch); returns rep events, or None."""

    __slots__ = ("cfg", "standing", "state", "completed", "_p1", "_p2", "_t_still", "_start",
                 "_max", "_max_at_reach", "_t_reach", "_t_leave", "faults", "phase", "_armed")

    def __init__(self, cfg: RepConfig | None = None) -> None:
        self.cfg = cfg or RepConfig()
        self.standing: float | None = None
        self.state = STANDING
        self.completed = 0
        self.phase = Phase.STANDING
        self.faults: list[str] = []
        self._p1 = self._p2 = 0.0
        self._armed = False

    def calibrate(self, t: float, standing_deg: float) -> None:
        """A new set: adopt the standing angle measured while calibrating; count from 1."""
        self.standing = standing_deg
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

    def step(self, t: float, pitch: float, dt: float) -> RepEvent | None:
        p1, p2 = self._p1, self._p2
        lo, hi = (p1, p2) if p1 < p2 else (p2, p1)
        p = hi if pitch > hi else (lo if pitch < lo else pitch)
        self._p2 = p1
        self._p1 = pitch
        cfg = self.cfg
        beyond = p - self.standing
        if self.state is STANDING:
            if beyond <= cfg.still_deg:
                self._t_still = t
                self._armed = True
                if -cfg.still_deg <= beyond:
                    a = dt / cfg.standing_tau_s
                    self.standing += (a if a < 1.0 else 1.0) * beyond
                return None
            if beyond < cfg.start_deg or not self._armed:
                return None  # a new movement starts from standing, not from a rep's tail
            return self._start_rep(t, beyond)
        return self._follow(t, beyond)

    def _start_rep(self, t: float, beyond: float) -> RepStarted:
        self.state = MOVING
        self.phase = Phase.DESCENT
        self._start = self._t_still
        self._max = beyond
        self._max_at_reach = beyond
        self._t_reach = self._t_leave = t
        self.faults = []
        return RepStarted(round(t, 4), rep=self.completed + 1)

    def _follow(self, t: float, beyond: float) -> RepCompleted | RepDiscarded | None:
        cfg = self.cfg
        if beyond > self._max:
            self._max = beyond
            self._t_leave = t
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
        deep = self._max >= cfg.depth_min_deg
        if beyond > (cfg.return_deg if deep else cfg.still_deg):
            return None
        return self._finish(t)

    def _finish(self, t: float) -> RepCompleted | RepDiscarded:
        self.state = STANDING
        self._armed = False
        self.phase = Phase.STANDING
        self._t_still = t
        depth = round(self._max, 1)
        if self._max < self.cfg.depth_min_deg:
            return RepDiscarded(round(t, 4), rep=self.completed + 1, depth_deg=depth, reason="shallow")
        self.completed += 1
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
