"""The report's charts of an athlete's weeks: good reps, depth against the target, tempo, contacts, stages.

Each is an SVG string sized for a laptop screen and a printed page (960
wide), with labelled axes and a legend; x is the date of each session. The
same numbers are in the page's tables as text (device/export/report/page.py).
"""
from __future__ import annotations

import math
from functools import partial
from datetime import date, datetime, timedelta
from typing import Callable, Sequence

from device.core.contacts import CONTACTS, LABELS
from device.core.plan import STAGES
from device.export.report import svg
from device.export.report.reading import PlanRow, SetRec
from device.export.report.stats import PHASE_WORDS, PHASES, Session

W = 960
CONTACT_COLOURS = {"head": "#e69f00", "upper_back": "#0072b2", "sacrum": "#cc79a7"}
CONTACT_DASH = {"head": "", "upper_back": "9 5", "sacrum": "3 3"}
STAGE_FILL = {"learn": "#f5b971", "fade": "#7fb8e0", "test": "#f0e442", "mastered": "#6cc3a0"}
PHASE_FILL = {"standing": "#999999", "descent": "#56b4e9", "bottom": "#e69f00", "ascent": "#009e73",
              "": "#d0d0d0"}
PASS, FAIL = "#009e73", "#d55e00"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_number(when: datetime) -> float:
    """A time as days (float) on the box's own calendar: the x of the date charts."""
    return (when.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds() / 86400.0


def date_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Days, Mondays or the 1st of months, whichever gives about 4 to 10 labels."""
    first, last = date(1970, 1, 1) + timedelta(days=int(lo)), date(1970, 1, 1) + timedelta(days=int(hi) + 1)
    span = (last - first).days
    if span <= 10:
        days = [first + timedelta(days=i) for i in range(span + 1)]
    elif span <= 70:
        start = first + timedelta(days=(7 - first.weekday()) % 7)
        step = 7 if span <= 49 else 14
        days = [start + timedelta(days=i) for i in range(0, span + 1, step)]
    else:
        months = max(1, round(span / 30 / 8))
        days, d = [], date(first.year, first.month, 1)
        while d <= last:
            if d >= first:
                days.append(d)
            m = d.month - 1 + months
            d = date(d.year + m // 12, m % 12 + 1, 1)
    return [((d - date(1970, 1, 1)).days, f"{d.day} {MONTHS[d.month - 1]}" +
             (f" {d.year}" if d.month == 1 or i == 0 else "")) for i, d in enumerate(days)]


def _date_frame(sessions: Sequence[Session], yr: tuple[float, float], top: float = 0.0,
                height: float = 330.0) -> svg.Frame:
    xs = [day_number(s.started) for s in sessions]
    pad = max(0.5, (max(xs) - min(xs)) * 0.02)
    return svg.Frame(svg.Box(0, top, W, height), (min(xs) - pad, max(xs) + pad), yr)


def _stage_bands(f: svg.Frame, sessions: Sequence[Session]) -> list[str]:
    """Pale bands behind the series: the plan's stage at each session (when the exports say); one band
    per run of sessions in the same stage, so a long stage is one rectangle with no seams."""
    xs = [f.x(day_number(s.started)) for s in sessions]
    edges = [f.plot.left] + [(a + b) / 2 for a, b in zip(xs, xs[1:])] + [f.plot.right]
    out = []
    i = 0
    while i < len(sessions):
        j = i
        while j + 1 < len(sessions) and sessions[j + 1].stage == sessions[i].stage:
            j += 1
        if sessions[i].stage in STAGE_FILL:
            out.append(svg.rect(edges[i], f.plot.top, edges[j + 1] - edges[i], f.plot.height,
                                STAGE_FILL[sessions[i].stage], 0.35))
        i = j + 1
    return out


def _mean_of(key: str, session: Session) -> float | None:
    return session.totals.mean(key)


def _series(f: svg.Frame, sessions: Sequence[Session], value: Callable[[Session], float | None],
            colour: str, dash: str = "", dots: bool = True) -> list[str]:
    pts = [(f.x(day_number(s.started)), f.y(v)) for s in sessions if (v := value(s)) is not None]
    out = [svg.polyline(pts, colour, 2.5, dash)]
    if dots and len(pts) <= 80:
        out += [svg.marker(x, y, colour, r=3.5) for x, y in pts]
    return out


def _stage_legend(sessions: Sequence[Session]) -> list[tuple[str, str, str]]:
    seen = {s.stage for s in sessions}
    return [(f"stage: {st}", STAGE_FILL[st], "box") for st in STAGE_FILL if st in seen]


def _set_share(s: SetRec) -> float | None:
    return 100.0 * s.clean_reps / len(s.reps) if s.reps else None


def clean_chart(sessions: Sequence[Session]) -> str:
    """Clean reps (%) per session, the plan's stage behind it, retention tests marked pass or fail."""
    items = [("clean reps per session", "#1e1e1e", "solid")] + _stage_legend(sessions)
    tests = [(s, t) for s in sessions for t in s.sets if t.row.get("plan_result")]
    if any(t.row["plan_result"] == "passed" for _, t in tests):
        items.append(("retention test passed", PASS, "diamond"))
    if any(t.row["plan_result"] == "failed" for _, t in tests):
        items.append(("retention test failed", FAIL, "hollow-diamond"))
    leg, h = svg.legend(items, 70, 20, W - 90)
    f = _date_frame(sessions, (0.0, 100.0), top=h, height=330)
    body = _stage_bands(f, sessions)
    body += svg.axes(f, date_ticks(*f.xr), [(v, f"{v:g} %") for v in (0, 25, 50, 75, 100)],
                     "date of the session", "clean reps (%)")
    body += _series(f, sessions, lambda s: s.totals.clean_pct, "#1e1e1e")
    for session, t in tests:
        share = _set_share(t)
        if share is not None:
            passed = t.row["plan_result"] == "passed"
            body.append(svg.marker(f.x(day_number(session.started)), f.y(share), PASS if passed else FAIL,
                                   "diamond", 5, hollow=not passed))
    return svg.svg(W, int(h + 330), leg + body, "Clean reps per session")


def depth_chart(sessions: Sequence[Session]) -> str:
    """Mean depth per session and the athlete's depth target."""
    depths = [d for s in sessions if (d := s.totals.mean_depth) is not None]
    targets = [t for s in sessions if (t := s.target) is not None]
    top = max([90.0, *depths, *targets])
    items = [("mean depth per session", "#0072b2", "solid")]
    if targets:
        items.append(("depth target", "#1e1e1e", "8 5"))
    leg, h = svg.legend(items, 70, 20, W - 90)
    f = _date_frame(sessions, (0.0, top), top=h, height=300)
    body = svg.axes(f, date_ticks(*f.xr), [(v, f"{v:g}°") for v in svg.nice_ticks(0, top, 4)],
                    "date of the session", "depth (° from standing)")
    body += _series(f, sessions, lambda s: s.totals.mean_depth, "#0072b2")
    if targets:
        body += _series(f, sessions, lambda s: s.target, "#1e1e1e", "8 5", dots=False)
    return svg.svg(W, int(h + 300), leg + body, "Mean depth per session against the target")


def tempo_chart(sessions: Sequence[Session]) -> str:
    """Seconds per rep, going down and coming up, per session."""
    series = (("whole rep", "duration_s", "#1e1e1e", ""), ("going down", "descent_s", "#e69f00", "9 5"),
              ("at the bottom", "bottom_s", "#cc79a7", "2 4"), ("coming up", "ascent_s", "#0072b2", "3 3"))
    values = [v for s in sessions for _, k, _, _ in series if (v := s.totals.mean(k)) is not None]
    top = max([2.0, *values]) * 1.1
    leg, h = svg.legend([(label, c, d or "solid") for label, _, c, d in series], 70, 20, W - 90)
    f = _date_frame(sessions, (0.0, top), top=h, height=300)
    body = svg.axes(f, date_ticks(*f.xr), [(v, f"{v:g} s") for v in svg.nice_ticks(0, top, 4)],
                    "date of the session", "mean seconds per rep")
    for _, key, colour, dash in series:
        body += _series(f, sessions, partial(_mean_of, key), colour, dash)
    return svg.svg(W, int(h + 300), leg + body, "Tempo per session")


def contacts_chart(table: dict[str, dict[str, int]]) -> str:
    """Each contact's losses as one bar, split by the part of the rep they happened in."""
    phases = [p for p in PHASES if any(table[c][p] for c in CONTACTS)] or ["descent"]
    leg, h = svg.legend([(PHASE_WORDS[p], PHASE_FILL[p], "box") for p in phases], 150, 20, W - 170)
    most = max([1] + [sum(row.values()) for row in table.values()])
    rough = svg.nice_ticks(0, most, 5)
    step = rough[1] - rough[0] if len(rough) > 1 else 1
    hi = math.ceil(most * 1.05 / step) * step  # the bars end short of the frame, on a labelled tick
    ticks = [i * step for i in range(int(round(hi / step)) + 1)]
    box = svg.Box(0, h, W, 80 + 56 * len(CONTACTS))
    f = svg.Frame(box, (0.0, float(hi)), (0.0, float(len(CONTACTS))))
    f.plot = svg.Box(150, f.plot.top, W - 170, f.plot.height)
    body = svg.axes(f, [(v, f"{v:g}") for v in ticks], [], "contact losses (how many times it came off)", "")
    for i, c in enumerate(CONTACTS):
        y0 = f.plot.top + 12 + i * 56
        body.append(svg.text(140, y0 + 24, LABELS[c], 15, "end", bold=True))
        x = 0.0
        for p in phases:
            n = table[c][p]
            if not n:
                continue
            left, right = f.x(x), f.x(x + n)
            body.append(svg.rect(left, y0, right - left, 36, PHASE_FILL[p], 0.9, f"{LABELS[c]}, {PHASE_WORDS[p]}: {n}"))
            if right - left >= 26:
                body.append(svg.text((left + right) / 2, y0 + 24, str(n), 13, "middle"))
            x += n
    return svg.svg(W, int(h + box.height), leg + body, "Which contact breaks, and when in the rep")


def stage_chart(rows: Sequence[PlanRow], first: datetime, last: datetime) -> str:
    """The plan's stage over time, a step at each change; coach changes marked apart."""
    if not rows:
        return ""
    leg, h = svg.legend([("stage", "#1e1e1e", "solid"), ("changed by the box", "#1e1e1e", "circle"),
                         ("changed by the coach", "#d55e00", "diamond")], 120, 20, W - 140)
    level = {s.value: i for i, s in enumerate(STAGES)}
    xs = [day_number(first), *(day_number(r.at) for r in rows), day_number(last)]
    f = svg.Frame(svg.Box(0, h, W, 260), (min(xs) - 0.5, max(xs) + 0.5), (-0.5, len(STAGES) - 0.5))
    f.plot = svg.Box(120, f.plot.top, W - 140, f.plot.height)
    body = svg.axes(f, date_ticks(*f.xr), [(i, s.value) for i, s in enumerate(STAGES)], "date", "")
    y = level.get(rows[0].from_stage, 0)
    pts = [(f.x(xs[0]), f.y(y))]
    marks = []
    for r in rows:
        x = f.x(day_number(r.at))
        y = level.get(r.to_stage, y)
        pts += [(x, pts[-1][1]), (x, f.y(y))]
        coach = r.by == "coach"
        marks.append(svg.marker(x, f.y(y), "#d55e00" if coach else "#1e1e1e", "diamond" if coach else "circle"))
    pts.append((f.x(xs[-1]), pts[-1][1]))
    body += [svg.polyline(pts, "#1e1e1e", 3)] + marks
    return svg.svg(W, int(h + 260), leg + body, "The plan's stage over time")
