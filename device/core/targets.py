"""Each athlete's own rep target: learnt from their reps, never below a floor, settable by a coach.

Why learnt: a fixed 35 deg counted none of the reps of people who hinge only
20-35 deg (tight hamstrings, older athletes: who this drill is for), while a
fixed low threshold would count the shallow dips of everybody else. So the
target starts low (`first_deg`, for the first rep of an athlete nobody knows
yet), then follows the athlete: `learn_share` of the median depth of their
last `learn_reps` reps, between `floor_deg` (well above standing noise and a
bob of the knees) and `depth_min_deg` (the classic threshold, never asked for
more). A coach's `target_deg` overrides it. `seed` starts it from what an
athlete's earlier sets taught (the store keeps that per athlete); `learnt_deg`
is what to keep.

The same reps teach the athlete's hinge direction: the way the dowel's tilt
leans (pitch against roll) at the bottom of a rep. A sensor turned in its
mount leans every rep the same way; a side bend leans far off it.

    >>> t = RepTarget(TargetConfig())
    >>> t.deg
    18.5
    >>> for depth in (28.0, 25.0, 31.0):
    ...     t.learn(depth, 2.0)
    >>> t.deg, t.learnt_deg
    (16.0, 16.0)
    >>> t.learn(80.0, 0.0); t.learn(75.0, 0.0); t.learn(70.0, 0.0)
    >>> t.deg
    35.0
    >>> for depth in (60.0, 55.0, 50.0, 45.0):
    ...     t.learn(depth, 0.0)
    >>> t.deg
    28.6
"""
from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class TargetConfig:
    """How the rep target is chosen ([detector.reps] in the config)."""

    depth_min_deg: float = 35.0  # the most a learnt target asks (the classic fixed threshold)
    floor_deg: float = 16.0  # never below: well above standing noise and a bob of the knees
    first_deg: float = 18.5  # before any rep of the athlete is known: under the shallowest athletes'
    # bends (20 deg) with room for the sensor's noise, over a bob of the knees (17 deg seen first in sets)
    target_deg: float = 0.0  # a coach's fixed target; 0 = learn it
    learn_share: float = 0.52  # the target is this share of the median depth (an athlete's reps
    # spread 1.75x, 20-35 deg for the shallowest: about half the median keeps the shallowest in)...
    learn_reps: int = 5  # ...of the athlete's last reps
    sideways_deg: float = 35.0  # a tilt leaning further than this off the hinge direction is no hinge

    def __post_init__(self) -> None:
        if not 0.0 < self.floor_deg <= self.first_deg <= self.depth_min_deg <= 90.0:
            raise ValueError("0 < floor_deg <= first_deg <= depth_min_deg <= 90, please")
        if self.target_deg and not self.floor_deg <= self.target_deg <= 90.0:
            raise ValueError(f"target_deg: 0 (learn it) or {self.floor_deg:g}..90, not {self.target_deg}")
        if not 0.0 < self.learn_share < 1.0 or self.learn_reps < 1:
            raise ValueError("learn_share in (0, 1) and learn_reps >= 1, please")
        if not 0.0 < self.sideways_deg <= 90.0:
            raise ValueError(f"sideways_deg: in (0, 90], not {self.sideways_deg}")


class RepTarget:
    """The depth a movement must reach to count, for the athlete at hand (see the module's doc)."""

    __slots__ = ("cfg", "deg", "coach", "_depths", "_dirs")

    def __init__(self, cfg: TargetConfig) -> None:
        self.cfg = cfg
        self.coach: float | None = cfg.target_deg or None
        self._depths: deque[float] = deque(maxlen=cfg.learn_reps)
        self._dirs: deque[float] = deque(maxlen=cfg.learn_reps)
        self.deg = self.coach or cfg.first_deg

    @property
    def learnt_deg(self) -> float | None:
        """The target this athlete's reps have taught (None before any): what to keep for them."""
        if not self._depths:
            return None
        cfg = self.cfg
        return round(self._clamp(cfg.learn_share * statistics.median(self._depths)), 1)

    def _clamp(self, deg: float) -> float:
        return min(self.cfg.depth_min_deg, max(self.cfg.floor_deg, deg))

    def _update(self) -> None:
        learnt = self.learnt_deg
        self.deg = self.coach or (self.cfg.first_deg if learnt is None else learnt)

    def seed(self, deg: float | None) -> None:
        """A new athlete: start from what their earlier sets taught (None: nobody known yet)."""
        self._depths.clear()
        self._dirs.clear()
        if deg is not None:
            self._depths.append(self._clamp(deg) / self.cfg.learn_share)
        self._update()

    def set_coach(self, deg: float | None) -> None:
        """A coach fixes the target (clamped to floor..90), or hands it back to learning (None)."""
        self.coach = None if deg is None else min(90.0, max(self.cfg.floor_deg, deg))
        self._update()

    def learn(self, depth: float, direction: float | None) -> None:
        """A rep was counted: its depth and (with roll) the direction its tilt leaned, degrees."""
        self._depths.append(depth)
        if direction is not None:
            self._dirs.append(direction)
        self._update()

    def hinge_like(self, direction: float) -> bool:
        """Does a movement's tilt lean the athlete's hinge way (0 deg until reps say otherwise)?"""
        usual = statistics.median(self._dirs) if self._dirs else 0.0
        return abs(direction - usual) <= self.cfg.sideways_deg
