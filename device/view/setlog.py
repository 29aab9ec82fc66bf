"""The running set as the screen keeps it: counts, tempo, loss spans, the chart's series.

Live values are quantised here (`presence_bar`, `baseline_bar`) so that a
steady scene builds an equal view model and no frame is drawn for it.
"""
from __future__ import annotations

import math
from typing import Sequence

from device.core.contacts import CONTACTS
from device.core.events import RepCompleted
from device.core.sets import worth_keeping
from device.view.model import RepView, SeriesView, SummaryView

SERIES_STEP_S = 0.1  # the chart's series: at most one point per this many seconds...
SERIES_MAX = 400  # ...and never more points: past this, every other point goes
BAR_STEPS = 40
PRESSURE_MAX = 9.99

def clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """Clamp, with NaN as `lo` (a conductance can be inf at a shorted input)."""
    if x != x:
        return lo
    return lo if x < lo else hi if x > hi else x


def _quantise(x: float, steps: int) -> float:
    return round(clamp(x) * steps) / steps


def presence_bar(ratio: float) -> float:
    """Bar fill for pressure relative to the touching threshold: half at the threshold.

    Log scale, because a firm press is ~100x the threshold.

    >>> presence_bar(1.0), presence_bar(100.0), presence_bar(0.0)
    (0.5, 1.0, 0.0)
    """
    if not ratio > 0.0:
        return 0.0
    return _quantise(0.5 + 0.25 * math.log10(min(ratio, 1e6)), BAR_STEPS)


def baseline_bar(ratio: float) -> float:
    """Bar fill for pressure relative to the standing baseline: half when standing."""
    return _quantise(ratio / 2.0, BAR_STEPS)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


class SetLog:
    """The running set: counts, tempo, loss spans and the decimated chart series."""

    def __init__(self, t0: float, athlete: str = "", set_no: int = 0, has_imu: bool = True) -> None:
        self.t0 = t0
        self.t_last = t0
        self.athlete, self.set_no, self.has_imu = athlete, set_no, has_imu
        self.reps = 0
        self.clean = 0
        self.dips = 0
        self.losses = {c: 0 for c in CONTACTS}
        self.depths: list[float] = []
        self.tempos: list[tuple[float, float, float]] = []
        self.open_losses: dict[str, float] = {}
        self.loss_spans: list[tuple[str, float, float]] = []
        self.rep_spans: list[tuple[float, float]] = []
        self.ts: list[float] = []
        self.pressure: dict[str, list[float]] = {c: [] for c in CONTACTS}
        self.pitch: list[float | None] = []
        self.step = SERIES_STEP_S

    def add_rep(self, e: RepCompleted) -> RepView:
        t = e.t
        self.reps = e.rep
        faults = tuple(e.faults)
        self.clean += not faults
        rep = RepView(self.reps, e.depth_deg, e.descent_s, e.bottom_s, e.ascent_s, faults)
        self.depths.append(rep.depth_deg)
        self.tempos.append((rep.descent_s, rep.bottom_s, rep.ascent_s))
        self.rep_spans.append((t - e.duration_s, t))
        self.t_last = max(self.t_last, t)
        return rep

    def lost(self, contact: str, t: float) -> None:
        if contact in self.losses:
            self.losses[contact] += 1
            self.open_losses.setdefault(contact, t)

    def withdrawn(self, contact: str) -> None:
        """A loss the detector took back (it was the dowel coming off, or a pad shorting)."""
        if self.losses.get(contact, 0) > 0:
            self.losses[contact] -= 1
        self.open_losses.pop(contact, None)

    def restored(self, contact: str, t: float) -> None:
        start = self.open_losses.pop(contact, None)
        if start is not None:
            self.loss_spans.append((contact, start, t))

    def record(self, t: float, ratios: Sequence[float], pitch: float | None) -> None:
        """One chart point, at most every `step` s; halve the series when it is full."""
        if self.ts and t - self.ts[-1] < self.step:
            return
        self.ts.append(t)
        for c, r in zip(CONTACTS, ratios):
            self.pressure[c].append(round(clamp(r, 0.0, 3.0), 3))
        self.pitch.append(None if pitch is None else round(pitch, 1))
        self.t_last = max(self.t_last, t)
        if len(self.ts) > SERIES_MAX:
            self.ts = self.ts[::2]
            self.pressure = {c: v[::2] for c, v in self.pressure.items()}
            self.pitch = self.pitch[::2]
            self.step *= 2

    def summary(self, t_end: float) -> SummaryView:
        for contact in list(self.open_losses):
            self.restored(contact, t_end)
        tempo = None
        if self.tempos:
            tempo = tuple(round(sum(x[i] for x in self.tempos) / len(self.tempos), 2)
                          for i in range(3))
        depth = _mean(self.depths)
        return SummaryView(set_no=self.set_no, reps=self.reps, clean_reps=self.clean,
                           losses=tuple(self.losses.items()),
                           mean_depth_deg=None if depth is None else round(depth, 1),
                           tempo_s=tempo,  # type: ignore[arg-type]
                           duration_s=round(max(t_end, self.t_last) - self.t0, 1),
                           series=self._series(), athlete=self.athlete, has_imu=self.has_imu,
                           dips=self.dips)

    def _series(self) -> SeriesView:
        has_pitch = any(p is not None for p in self.pitch)
        return SeriesView(t=tuple(self.ts),
                          pressure=tuple((c, tuple(v)) for c, v in self.pressure.items()),
                          pitch=tuple(0.0 if p is None else p for p in self.pitch) if has_pitch else None,
                          losses=tuple(self.loss_spans), reps=tuple(self.rep_spans))

    def worth_keeping(self, t_end: float) -> bool:
        """Worth a summary and a number: the store keeps the same sets (device/core/sets.py)."""
        return worth_keeping(self.reps, sum(self.losses.values()), self.dips, self.has_imu,
                             max(t_end, self.t_last) - self.t0)
