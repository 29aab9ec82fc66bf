"""How each pad's pressure changes with the hinge, learnt from the athlete's own reps.

Why: a rep changes the pressures by itself. The back and sacrum press up to
1.5x harder at depth; the head lightens, to 25-45 % of standing at the bottom
for some athletes. The contact trackers judge a loss against a level that is
held through a fall (a slow peel must be judged against the pressure it peeled
from), so an unloaded head with a sag on it would look lost, and a back just
back from a deep rep would make a sag look deeper than it is. So the
detector divides each pad's conductance by the pressure the posture alone
explains, `1 + gain * beyond` (beyond: degrees past standing), and the
trackers see what is left: faults, sags, bounces.

The gains are learnt at the bottom of each counted rep, from pads that stayed
in contact through it (a fault must not teach the posture), as the median of
the last few reps: a sag that happens to fall at the bottom of one rep looks
just like unloading, and must not teach it for long. A back pad reading under
`back_min` of standing there is sagging (the hinge presses the backs harder)
and teaches nothing from that rep.

Until a pad has taught once, the backs' gain is 0 (no correction), and the
head is taken to lighten half as far as the lightest heads do (towards 65 %
of standing, most of it in the first 30 degrees, as the reference
recordings' heads do, ADR 0042): the first rep of an athlete whose head
unloads to a third must not turn a sag to a quarter on its way down into a
cue, and a head that does not lighten at all reads at most 1.5x pressed,
which the trackers' level takes in its stride.

    >>> p = PostureModel()
    >>> p.follow(60.0)
    True
    >>> [round(f, 2) for f in p.factor]
    [0.69, 1.0, 1.0]
    >>> for rep in range(2):
    ...     p.reset_rep([1.0, 1.0, 1.0])  # the trackers see the pressures divided by the factors now
    ...     p.note_peak(60.0, [r / f for r, f in zip([0.4, 1.3, 1.3], p.factor)]); p.learn(60.0, ())
    >>> p.follow(60.0)
    True
    >>> [round(f, 2) for f in p.factor]
    [0.4, 1.3, 1.3]
"""
from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Sequence

from device.core.contacts import CONTACTS

HEAD = CONTACTS.index("head")


@dataclass(frozen=True)
class PostureConfig:
    learn_min_deg: float = 20.0  # reps shallower than this teach nothing (too little change)
    factor_min: float = 0.15  # the posture never explains more unloading than this...
    factor_max: float = 2.5  # ...or loading than this
    reps: int = 5  # the gain is the median over this many reps...
    reps_min: int = 1  # ...once there are at least this many
    back_min: float = 0.6  # a back pad under this share of standing at a rep's bottom is sagging: it
    # teaches nothing that rep (the hinge presses the backs harder; the reference's bottoms are over 0.8)
    head_prior: float = 0.65  # until then the head is taken to lighten towards this share of standing...
    head_prior_deg: float = 27.0  # ...exponentially over this much hinge


class PostureModel:
    """Per-pad pressure factor for the current hinge angle (see the module's doc)."""

    __slots__ = ("cfg", "gain", "factor", "inv", "_seen", "peak", "_at_peak", "_levels", "x")

    STEP_DEG = 0.25  # the factors are recomputed when the hinge moved this much (a sample's worth of noise)

    def __init__(self, cfg: PostureConfig | None = None) -> None:
        self.cfg = cfg or PostureConfig()
        self.gain = [0.0, 0.0, 0.0]
        self._seen: list[deque[float]] = [deque(maxlen=self.cfg.reps) for _ in CONTACTS]
        self.reset_rep((0.0, 0.0, 0.0))
        self.still()

    def still(self) -> None:
        """Standing (or no IMU): the posture explains nothing."""
        self.factor = [1.0, 1.0, 1.0]
        self.inv = [1.0, 1.0, 1.0]
        self.x = 0.0  # the hinge the factors were computed for

    def reset_rep(self, levels: Sequence[float]) -> None:
        """A rep starts: the pads' standing baselines are what its bottom is compared to."""
        self._levels = tuple(levels)
        self.peak = -1.0  # the rep's deepest so far
        self._at_peak: list[float | None] = [None, None, None]

    def follow(self, beyond: float) -> bool:
        """The hinge now (degrees past standing): the factors for the next sample; True if they changed."""
        x = beyond if beyond > 0.0 else 0.0
        if -self.STEP_DEG < x - self.x < self.STEP_DEG:
            return False  # most samples move the hinge by less than its noise (the caller may test first)
        self.x = x
        cfg = self.cfg
        head_taught = len(self._seen[HEAD]) >= cfg.reps_min
        for i, gain in enumerate(self.gain):
            f = 1.0 + gain * x if i != HEAD or head_taught else self._head_prior(x)
            f = cfg.factor_min if f < cfg.factor_min else cfg.factor_max if f > cfg.factor_max else f
            self.factor[i] = f
            self.inv[i] = 1.0 / f
        return True

    def _head_prior(self, x: float) -> float:
        """The head's factor at hinge x before its own reps taught (see the module's doc)."""
        share = self.cfg.head_prior
        return share + (1.0 - share) * math.exp(-x / self.cfg.head_prior_deg)

    def note_peak(self, beyond: float, pressures: Sequence[float | None]) -> None:
        """During a rep, at its deepest so far: each pad's (posture-free) pressure now, None when lost."""
        if beyond > self.peak:
            self.peak = beyond
            self._at_peak = [None if p is None or level <= 0.0 else p * f / level
                             for p, f, level in zip(pressures, self.factor, self._levels)]

    def learn(self, depth: float, faults: Iterable[str]) -> None:
        """A counted rep: fold the pressures at its bottom into the gains."""
        cfg = self.cfg
        peak = self.peak
        if peak < cfg.learn_min_deg:
            return
        lost = set(faults)
        for i, (name, ratio) in enumerate(zip(CONTACTS, self._at_peak)):
            low = 0.1 if i == HEAD else cfg.back_min
            if ratio is None or name in lost or not low < ratio < 3.0:
                continue  # lost, or sagging at the bottom: not what the posture does
            seen = self._seen[i]
            seen.append((ratio - 1.0) / peak)
            if len(seen) >= cfg.reps_min:
                self.gain[i] = statistics.median(seen)
        self.x = -1.0  # new gains: recompute at the next sample
