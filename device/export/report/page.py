"""report.html: one self-contained page, a section per athlete; every number drawn is also in a table.

Why self-contained: a coach opens it from a stick on any laptop, often with
no network, and prints it; so there are no scripts, no fonts and no files
from anywhere else, and the charts are inline SVG. Why tables too: a chart
shows the trend, a table lets anyone check a number (and a test compare the
page with the store).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Sequence

from device.core.contacts import CONTACTS, LABELS
from device.core.plan import ADVICE, Stage
from device.export.report import charts
from device.export.report.merge import Athlete, Merged
from device.export.report.reading import SetRec
from device.export.report.setchart import read_series, set_chart
from device.export.report.stats import (PHASE_WORDS, PHASES, Session, Totals, losses_by_phase, sessions_of,
                                        weeks_of, worst)

LAST_SESSIONS = 3
CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;color:#1e1e1e;margin:24px auto;max-width:1000px;
padding:0 16px;line-height:1.4}
h1{font-size:28px;margin:0 0 4px}h2{font-size:24px;border-bottom:3px solid #1e1e1e;padding-bottom:4px;
margin-top:40px}h3{font-size:18px;margin:28px 0 8px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{border:1px solid #c8c8c8;padding:3px 8px;text-align:right}th{background:#f0f0f0}
td.l,th.l{text-align:left}.stage{font-size:20px;margin:8px 0}.note{color:#555;font-size:14px}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:bold}
.learn{background:#f5b971}.fade{background:#7fb8e0}.test{background:#f0e442}.mastered{background:#6cc3a0}
figure{margin:12px 0 24px;break-inside:avoid}figcaption{font-size:14px;color:#444}
details summary{cursor:pointer;font-size:14px}
@media print{body{margin:0;max-width:none}section.athlete{break-before:page}}
"""


@dataclass
class PageInput:
    merged: Merged
    files: dict[str, tuple[str, str]]  # athlete key -> (coach CSV, engineering CSV) file names
    made: datetime
    max_charts: int = 12


def _n(value: float | None, digits: int = 1, unit: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def _table(head: Sequence[str], rows: Sequence[Sequence[object]], ident: str = "", left: int = 1) -> str:
    """A plain table; the first `left` columns are words (left-aligned), the rest numbers."""
    ida = f' id="{escape(ident)}"' if ident else ""
    th = "".join(f'<th class="l">{escape(h)}</th>' if i < left else f"<th>{escape(h)}</th>"
                 for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="l">{escape(str(c))}</td>' if i < left else
                                    f"<td>{escape(str(c))}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<table{ida}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _badge(stage: str) -> str:
    return f'<span class="badge {escape(stage)}">{escape(stage)}</span>' if stage else "–"


def render(p: PageInput) -> str:
    """The whole page."""
    m = p.merged
    boxes = sorted({b for a in m.athletes for b in a.boxes if b})
    intro = (f"Made {p.made.strftime('%Y-%m-%d %H:%M')} from {len(m.folders)} export folder"
             f"{'s' if len(m.folders) != 1 else ''} ({len(boxes)} box id{'s' if len(boxes) != 1 else ''} seen"
             f"{': ' + ', '.join(boxes) if boxes else ''}): {m.sets_read - m.duplicates} sets, "
             f"{m.duplicates} seen twice and counted once.")
    rows = []
    for a in m.athletes:
        sessions = sessions_of(a.sets)
        last = sessions[-1]
        rows.append((a.name, _stage_of(a) or "–", len(sessions), len(a.sets), last.started.date().isoformat(),
                     _n(last.totals.clean_pct, 0, " %")))
    overview = _table(("athlete", "stage", "sessions", "sets", "last session", "clean reps, last session"),
                      rows, "athletes", left=2)
    parts = [f"<header><h1>Hip-hinge progress</h1><p class=\"note\">{escape(intro)}</p></header>",
             "<h3>Athletes</h3>", overview]
    parts += [_athlete(a, p) for a in m.athletes]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>smartdowel report</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _stage_of(a: Athlete) -> str:
    """The latest stage the exports say: the last plan change, else the last set's stage."""
    if a.plan:
        last_set = a.sets[-1]
        if a.plan[-1].at.timestamp() >= last_set.started.timestamp() or not last_set.stage:
            return a.plan[-1].to_stage
    return a.sets[-1].stage


def _athlete(a: Athlete, p: PageInput) -> str:
    sessions = sessions_of(a.sets)
    stem = p.files[a.key][0].removesuffix("-sets.csv")
    stage = _stage_of(a)
    coach, eng = p.files[a.key]
    out = [f'<section class="athlete" id="athlete-{escape(stem)}"><h2>{escape(a.name)}</h2>']
    if stage in {s.value for s in Stage}:
        out.append(f'<p class="stage">Stage: {_badge(stage)} {escape(ADVICE[Stage(stage)])}</p>')
    else:
        out.append('<p class="stage">Stage: not recorded in these exports (made before the learning plan).</p>')
    out.append(f'<p class="note">{len(a.sets)} sets in {len(sessions)} sessions, '
               f'{escape(sessions[0].started.date().isoformat())} to {escape(sessions[-1].started.date().isoformat())}'
               f'. Every set: <b>{escape(coach)}</b> (engineering columns: {escape(eng)}).</p>')
    out += _plan_part(a, stem)
    out += _progress_part(sessions, stem)
    out += _contacts_part(a, stem)
    out += _last_sessions(sessions)
    out += _new_sets(a, p.max_charts)
    out.append("</section>")
    return "\n".join(out)


def _plan_part(a: Athlete, stem: str) -> list[str]:
    if not a.plan:
        return []
    rows = [(r.at.strftime("%Y-%m-%d %H:%M"), r.from_stage, r.to_stage, r.by, r.reason) for r in a.plan]
    return ["<h3>Plan history</h3>", charts.stage_chart(a.plan, a.sets[0].started, a.sets[-1].started),
            _table(("when", "from", "to", "by", "why"), rows, f"plan-{stem}", left=5)]


def _totals_cells(t: Totals) -> list[object]:
    return [t.sets, t.reps, t.clean, _n(t.clean_pct, 1), _n(t.mean_depth, 1), _n(t.mean("duration_s"), 2),
            _n(t.mean("descent_s"), 2), _n(t.mean("ascent_s"), 2)]


def _progress_part(sessions: list[Session], stem: str) -> list[str]:
    weeks = weeks_of(sessions)
    week_rows = [[w.label, w.monday.isoformat(), w.sessions, *_totals_cells(w.totals)] for w in weeks]
    rows = [[s.started.strftime("%Y-%m-%d %H:%M"), s.box_id or "–", s.stage or "–", ", ".join(s.tests) or "–",
             *_totals_cells(s.totals), _n(s.target, 1)] for s in sessions]
    head = ("sets", "reps", "clean reps", "clean %", "mean depth °", "rep s", "down s", "up s")
    return ["<h3>Progress over weeks</h3>", "<figure>" + charts.clean_chart(sessions) + "</figure>",
            "<figure>" + charts.depth_chart(sessions) + "</figure>",
            "<figure>" + charts.tempo_chart(sessions) + "</figure>",
            _table(("week", "from", "sessions", *head), week_rows, f"weeks-{stem}", left=2),
            "<details><summary>Every session (date, box, stage, tests and numbers)</summary>",
            _table(("session", "box", "stage", "tests", *head, "target °"), rows, f"sessions-{stem}", left=4),
            "</details>"]


def _contacts_part(a: Athlete, stem: str) -> list[str]:
    table = losses_by_phase(a.sets)
    reps = sum(len(s.reps) for s in a.sets)
    phases = [ph for ph in PHASES if any(table[c][ph] for c in CONTACTS)] or ["descent"]
    rows = [[LABELS[c], *(table[c][ph] for ph in phases), sum(table[c].values()),
             _n(100.0 * sum(table[c].values()) / reps if reps else None, 1)] for c in CONTACTS]
    top = worst(table)
    words = (f"Breaks most: the {LABELS[top[0]].lower()}, {PHASE_WORDS[top[1]]} ({top[2]} times)." if top
             else "No contact came off.")
    return ["<h3>Which contact breaks, and when</h3>", f"<p>{escape(words)}</p>",
            "<figure>" + charts.contacts_chart(table) + "</figure>",
            _table(("contact", *(PHASE_WORDS[ph] for ph in phases), "all", "per 100 reps"), rows,
                   f"contacts-{stem}")]


def _set_rows(sets: Sequence[SetRec]) -> list[list[object]]:
    out = []
    for s in sets:
        reps = len(s.reps)
        depths = [r.depth_deg for r in s.reps if r.depth_deg is not None]
        out.append([s.started.strftime("%H:%M"), s.row.get("set_number", ""), s.stage or "–",
                    s.row.get("schedule", "") or "–", s.row.get("plan_result", "") or "–", reps, s.clean_reps,
                    _n(100.0 * s.clean_reps / reps if reps else None, 0),
                    _n(sum(depths) / len(depths) if depths else None, 1),
                    *(sum(1 for x in s.losses if x.contact == c) for c in CONTACTS)])
    return out


def _last_sessions(sessions: list[Session]) -> list[str]:
    out = ["<h3>Last sessions</h3>"]
    head = ("time", "set", "stage", "cues", "test", "reps", "clean", "clean %", "depth °",
            *(f"{LABELS[c].lower()} off" for c in CONTACTS))
    for s in reversed(sessions[-LAST_SESSIONS:]):
        out.append(f"<p><b>{escape(s.started.strftime('%A %Y-%m-%d %H:%M'))}</b>"
                   f"{' at box ' + escape(s.box_id) if s.box_id else ''}: {s.totals.sets} sets, "
                   f"{s.totals.reps} reps, {_n(s.totals.clean_pct, 0, ' %')} clean.</p>")
        out.append(_table(head, _set_rows(s.sets), left=5))
    return out


def _plan_words(s: SetRec) -> str:
    """' (fade, faded cues)', ' (test, no cues: passed)' or '' before the plan."""
    schedule = s.row.get("schedule", "")
    if not s.stage and not schedule:
        return ""
    cues = "no cues" if schedule == "retention" else f"{schedule} cues"
    result = s.row.get("plan_result", "")
    return f" ({s.stage or '?'}, {cues}{': ' + result if result else ''})"


def _new_sets(a: Athlete, cap: int) -> list[str]:
    new = [s for s in a.sets if s.new]
    if not new:
        return []
    shown = list(reversed(new))[:cap]
    out = [f"<h3>New sets ({len(new)})</h3>"]
    if len(new) > len(shown):
        out.append(f'<p class="note">The newest {len(shown)} are drawn; every set\'s chart is also a PNG in '
                   f'its export folder (charts/).</p>')
    for s in shown:
        title = f"{s.started.strftime('%Y-%m-%d %H:%M')}, set {s.row.get('set_number', '')}{_plan_words(s)}: " \
                f"{len(s.reps)} reps, {s.clean_reps} clean"
        series = read_series(s)
        if series is None:
            out.append(f'<p class="note">{escape(title)}: no trace in the export, no chart.</p>')
            continue
        out.append("<figure>" + set_chart(s, series, title) + "</figure>")
    return out
