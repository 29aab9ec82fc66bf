"""A set's trace read into the series its chart shows: pressures as fractions of standing, tilt.

Why it reads so little: a chart is ~600 pixels wide, so about CHART_POINTS
samples are enough. The set's text is read whole (one set: a minute is
~200 KB; never all sets), sliced every k-th line in C, and only the kept
lines are parsed. Counts become conductance (∝ force) through the signal
chain's table, then fractions of the set's standing baseline, as the live
screen shows them. What comes out is the view model's SeriesView, the type
the summary screen draws too.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from device.core.contacts import CONTACTS
from device.core.signal import SignalChain
from device.store.exports import Row
from device.store.queries import iso
from device.store.gztrace import open_trace
from device.store.trace import TraceError, TraceReader
from device.view.chart import CHART_SIZE
from device.view.model import SeriesView

CHART_POINTS = 240  # samples drawn per chart: one per ~2 pixels of the plot; the drawing is per point


@dataclass(frozen=True)
class ChartJob:
    """Everything a worker process needs to draw one set's chart (picklable)."""

    trace: str
    baseline_us: tuple[float | None, float | None, float | None]
    ready_s: float
    losses: tuple[tuple[str, float, float], ...]
    reps: tuple[tuple[float, float], ...]
    title: str
    size: tuple[int, int] = CHART_SIZE
    points: int = CHART_POINTS


class ChartError(Exception):
    """A chart that could not be drawn (its trace missing or unreadable)."""


def chart_job(row: Row, reps: list[dict[str, Any]], losses: list[dict[str, Any]], trace: str) -> ChartJob:
    """The chart of a set from its row, its rep and loss records and its trace file."""
    spans = tuple((x["contact"], x["start_s"], x["start_s"] + (x["duration_s"] or 0.0)) for x in losses)
    marks = tuple((r["start_s"] if r["start_s"] is not None else r["end_s"] - (r["duration_s"] or 0),
                   r["end_s"]) for r in reps)
    when = iso(row["started_at"])[:16].replace("T", " ")
    title = f"{row['athlete']}  set {row['number']}  {when}  {len(reps)} reps"
    baseline = (row["baseline_head_us"], row["baseline_upper_back_us"], row["baseline_sacrum_us"])
    return ChartJob(trace, baseline, row["trace_ready_s"] or 0.0, spans, marks, title)


def read_series(job: ChartJob) -> SeriesView:
    """Every k-th sample of the trace (k so that about job.points are kept), in set time."""
    ts, gs, pitch = _read_samples(job)
    pressure = tuple((c, tuple(_fractions(g, b))) for c, g, b in zip(CONTACTS, gs, job.baseline_us))
    return SeriesView(t=tuple(ts), pressure=pressure, pitch=None if pitch is None else tuple(pitch),
                      losses=job.losses, reps=job.reps)


@functools.lru_cache(maxsize=4)
def _conductance_table(chain: SignalChain) -> tuple[list[float], int]:
    return chain.table()  # 65,536 entries for an ADS1115: built once per chain, not per set


def _kept_lines(job: ChartJob) -> tuple[TraceReader, list[list[str]]]:
    """The trace's header, and about job.points of its sample lines split into fields."""
    try:
        text = open_trace(job.trace)
    except OSError as exc:
        raise ChartError(f"{job.trace}: {exc.strerror}") from None
    with text:
        try:
            reader = TraceReader(text, name=job.trace)
            rows = text.read().splitlines()
        except (TraceError, UnicodeDecodeError, OSError) as exc:
            raise ChartError(f"{job.trace}: {exc}") from None
    kept = [line.split(",") for line in rows[::max(1, len(rows) // max(1, job.points))]
            if line and line[0] != "#"]
    if len(kept) < 2:
        raise ChartError(f"{job.trace}: fewer than two samples")
    return reader, kept


def _read_samples(job: ChartJob) -> tuple[list[float], list[list[float]], list[float] | None]:
    """Times (set seconds), conductances per contact, and pitch (None without a tilt sensor)."""
    reader, kept = _kept_lines(job)
    cols = reader.columns
    it, *ic = (cols.index(c) for c in ("t",) + CONTACTS)
    ip = cols.index("pitch") if reader.has_pitch else -1
    try:
        columns = list(zip(*kept, strict=True))
        ts = [float(x) - job.ready_s for x in columns[it]]
        counts = [[int(x) for x in columns[j]] for j in ic]
        pitch = [float(x) if x.strip() else 0.0 for x in columns[ip]] if ip >= 0 else None
    except (ValueError, IndexError):
        raise ChartError(f"{job.trace}: unreadable samples (not numbers, or missing values)") from None
    lo, hi = reader.chain.count_range
    if any(min(c) < lo or max(c) > hi for c in counts):
        raise ChartError(f"{job.trace}: counts outside the {reader.chain.adc} range {lo}..{hi}")
    table, off = _conductance_table(reader.chain)
    return ts, [[table[c + off] for c in col] for col in counts], pitch


def _fractions(gs: list[float], baseline_us: float | None) -> list[float]:
    """Conductance as a fraction of the standing baseline (the median if none was recorded)."""
    base = (baseline_us or 0.0) * 1e-6
    if base <= 0:
        finite = sorted(g for g in gs if g != float("inf"))
        base = finite[len(finite) // 2] if finite and finite[len(finite) // 2] > 0 else 1.0
    return [g / base for g in gs]
