"""One set's chart from its raw trace: pressures as % of standing above, tilt below, losses shaded.

Why two panels with their own axes: pressure and tilt have different units,
and on the export's PNG the pressure's floor ran into the tilt's labels. Here
the pressure panel (0-200 % of standing) and the tilt panel (degrees) are
apart, each labelled, time in seconds below both.

Why a bucket's lowest value when it dips: a contact loss can be shorter than
the time one bucket covers, and its mean would hide it; elsewhere the mean
draws the pressure without its sample-to-sample noise. One point per bucket
whatever the trace's length (a few kB per chart).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from device.core.contacts import CONTACTS, LABELS
from device.export.report import svg
from device.export.report.charts import CONTACT_COLOURS, CONTACT_DASH, W
from device.export.report.reading import SetRec
from device.store.gztrace import open_trace
from device.store.trace import TraceError, TraceReader

BUCKETS = 320
DIP = 0.6  # a bucket whose lowest sample is under 60 % of its mean is drawn at that lowest
PRESSURE_MAX = 200.0  # % of standing drawn; more is clipped at the top
TILT = "#3c3c3c"


@dataclass
class Series:
    t: list[float]
    pressure: dict[str, list[float]]  # % of standing
    pitch: list[float] | None


def read_series(s: SetRec, buckets: int = BUCKETS) -> Series | None:
    """The set's trace in set time, reduced to min/max per bucket; None if there is no readable trace."""
    rel = s.row.get("trace_file", "")
    if not rel:
        return None
    path = os.path.join(s.folder, rel)
    ready = s.num("trace_ready_s") or 0.0
    base = [(s.num(f"baseline_{c}_us") or 0.0) * 1e-6 for c in CONTACTS]
    try:
        with open_trace(path) as fh:
            reader = TraceReader(fh, name=path)
            chain = reader.chain
            rows = [(x.t - ready, [chain.conductance(v) for v in (x.head, x.upper_back, x.sacrum)], x.pitch)
                    for x in reader]
    except (OSError, TraceError, EOFError):
        return None
    if len(rows) < 2:
        return None
    base = [b if b > 0 else _median([r[1][i] for r in rows]) or 1.0 for i, b in enumerate(base)]
    return _reduce(rows, base, buckets)


def _median(values: list[float]) -> float:
    finite = sorted(v for v in values if math.isfinite(v))
    return finite[len(finite) // 2] if finite else 0.0


def _reduce(rows: list[tuple[float, list[float], float | None]], base: list[float], buckets: int) -> Series:
    t0, t1 = rows[0][0], rows[-1][0]
    width = (t1 - t0) / buckets or 1.0
    groups: dict[int, list[tuple[float, list[float], float | None]]] = {}
    for row in rows:
        groups.setdefault(min(int((row[0] - t0) / width), buckets - 1), []).append(row)
    out = Series([], {c: [] for c in CONTACTS}, [] if any(r[2] is not None for r in rows) else None)
    for _, group in sorted(groups.items()):
        out.t.append(sum(g[0] for g in group) / len(group))
        for i, c in enumerate(CONTACTS):
            pct = [min(g[1][i] / base[i] * 100.0, PRESSURE_MAX) for g in group]
            mean = sum(pct) / len(pct)
            out.pressure[c].append(min(pct) if min(pct) < DIP * mean else mean)
        if out.pitch is not None:
            p = [g[2] for g in group if g[2] is not None]
            out.pitch.append(sum(p) / len(p) if p else (out.pitch[-1] if out.pitch else 0.0))
    return out


def set_chart(s: SetRec, series: Series, title: str) -> str:
    """The SVG: legend, pressure panel, tilt panel, shared time axis."""
    items = [(LABELS[c], CONTACT_COLOURS[c], CONTACT_DASH[c] or "solid") for c in CONTACTS]
    if series.pitch is not None:
        items.append(("tilt", TILT, "solid"))
    items += [("shaded: that contact off", "#8c8c8c", "box"), ("bar: a counted rep", "#1e1e1e", "solid")]
    leg, h = svg.legend(items, 70, 46, W - 90)
    head = [svg.text(70, 22, title, 16, bold=True)]
    xr = (series.t[0], series.t[-1])
    has_tilt = series.pitch is not None
    top = svg.Frame(svg.Box(0, 46 + h, W, 250), xr, (0.0, PRESSURE_MAX))
    top.plot = svg.Box(top.plot.left, top.plot.top, top.plot.width, top.plot.height - 24)  # room under 0 %
    body = _losses(top, s) + _reps(top, s)
    xt = [(v, f"{v:g}") for v in svg.nice_ticks(xr[0], xr[1], 10)]
    body += svg.axes(top, [] if has_tilt else xt, [(v, f"{v:g} %") for v in (0, 50, 100, 150, 200)],
                     "" if has_tilt else "time from the start of the set (s)", "pressure (% of standing)")
    for c in CONTACTS:
        pts = [(top.x(t), top.y(v)) for t, v in zip(series.t, series.pressure[c])]
        body.append(svg.polyline(pts, CONTACT_COLOURS[c], 2, CONTACT_DASH[c]))
    height = 46 + h + 250
    if has_tilt and series.pitch is not None:
        hi = max(90.0, max(series.pitch))
        low = svg.Frame(svg.Box(0, height, W, 200), xr, (min(0.0, min(series.pitch)), hi))
        body += svg.axes(low, xt, [(v, f"{v:g}°") for v in svg.nice_ticks(0, hi, 3)],
                         "time from the start of the set (s)", "tilt (°)")
        body.append(svg.polyline([(low.x(t), low.y(p)) for t, p in zip(series.t, series.pitch)], TILT, 2))
        height += 200
    return svg.svg(W, int(height), head + leg + body, title)


def _losses(f: svg.Frame, s: SetRec) -> list[str]:
    out = []
    for loss in s.losses:
        if loss.start_s is None:
            continue
        end = loss.start_s + (loss.duration_s or 0.0)
        x0, x1 = f.x(max(loss.start_s, f.xr[0])), f.x(min(end, f.xr[1]))
        out.append(svg.rect(x0, f.plot.top, max(x1 - x0, 2.0), f.plot.height, CONTACT_COLOURS[loss.contact], 0.25,
                            f"{LABELS[loss.contact]} off at {loss.start_s:.2f} s for {loss.duration_s or 0:.2f} s"))
    return out


def _reps(f: svg.Frame, s: SetRec) -> list[str]:
    """A bar along the top of the pressure panel over each counted rep (when reps.csv has its times)."""
    out = []
    for r in s.reps:
        if r.start_s is None or r.end_s is None:
            continue
        a, b = f.x(r.start_s), f.x(r.end_s)
        out.append(svg.line((a, f.plot.top + 4), (b, f.plot.top + 4), "#1e1e1e", 4))
    return out
