"""The cumulative per-athlete CSVs: every set so far, coach columns in one file, engineering in another.

Why two files: a coach opens the first in a spreadsheet and reads across a
row (date, stage, reps, clean %, depth against the target, tempo, what
broke); the signal chain's baselines, sample counts and file names would only
push those off the screen. Both carry `set_ref`, so they join. UTF-8 with a
byte-order mark, as the export's CSVs, so spreadsheet programs read names right.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any, Iterable

from device.core.contacts import CONTACTS, LABELS
from device.export.report.merge import Athlete
from device.export.report.reading import SetRec
from device.export.report.stats import PHASE_WORDS, losses_by_phase, sessions_of, worst

COACH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", "day of the set (the box's calendar)"),
    ("time", "time the set began (the box's clock)"),
    ("session", "1 for the athlete's first session on any box, 2 for the next, ..."),
    ("set", "1 for the session's first set, 2 for the next, ..."),
    ("plan_stage", "learn, fade, test or mastered (empty: recorded before the plan)"),
    ("cues", "cue schedule: every, faded, bandwidth, or retention (a silent test set)"),
    ("retention_test", "passed or failed for a retention test, else empty"),
    ("reps", "counted reps"),
    ("clean_reps", "reps without any contact lost"),
    ("clean_pct", "clean reps as % of reps"),
    ("mean_depth_deg", "mean depth, degrees of dowel tilt from standing"),
    ("depth_target_deg", "the athlete's depth target (empty: not recorded)"),
    ("max_depth_deg", "deepest rep, degrees"),
    ("mean_rep_s", "mean seconds per rep"),
    ("mean_descent_s", "mean seconds going down"),
    ("mean_ascent_s", "mean seconds coming up"),
    *((f"{c}_losses", f"times the {LABELS[c].lower()} came off") for c in CONTACTS),
    ("breaks_most", "the contact and part of the rep that broke most in this set"),
    ("set_ref", "the set's reference: box id (or start time) and set number; joins the engineering file"),
)
ENGINEERING_FIRST = ("set_ref", "export_folder")


def file_stem(name: str, taken: set[str]) -> str:
    """A file-name stem for an athlete that any stick and any system takes, not yet in `taken`.

    >>> file_stem("Zoë \\"Z\\", Smith", set()), file_stem("Ана", set())
    ('zoe-z-smith', 'athlete')
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-") or "athlete"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def set_ref(s: SetRec) -> str:
    return f"{s.box_id or s.started.isoformat(timespec='seconds')}/{s.set_id}"


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _mean(values: Iterable[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None


def coach_row(s: SetRec, session: int) -> dict[str, Any]:
    """One set in a coach's words and units."""
    reps = len(s.reps)
    table = losses_by_phase([s])
    top = worst(table)
    depths = [r.depth_deg for r in s.reps if r.depth_deg is not None]
    row: dict[str, Any] = {
        "date": s.started.date().isoformat(), "time": s.started.strftime("%H:%M"), "session": session,
        "set": s.row.get("set_number", ""), "plan_stage": s.stage, "cues": s.row.get("schedule", ""),
        "retention_test": s.row.get("plan_result", ""), "reps": reps, "clean_reps": s.clean_reps,
        "clean_pct": _fmt(100.0 * s.clean_reps / reps if reps else None, 1),
        "mean_depth_deg": _fmt(_mean(depths), 1), "depth_target_deg": _fmt(s.num("depth_target_deg"), 1),
        "max_depth_deg": _fmt(max(depths) if depths else None, 1),
        "mean_rep_s": _fmt(_mean(r.duration_s for r in s.reps), 2),
        "mean_descent_s": _fmt(_mean(r.descent_s for r in s.reps), 2),
        "mean_ascent_s": _fmt(_mean(r.ascent_s for r in s.reps), 2),
        "breaks_most": f"{LABELS[top[0]].lower()}, {PHASE_WORDS[top[1]]}" if top else "",
        "set_ref": set_ref(s),
    }
    for c in CONTACTS:
        row[f"{c}_losses"] = sum(row_n for row_n in table[c].values())
    return row


def _csv(header: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, header, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def athlete_csvs(a: Athlete) -> tuple[bytes, bytes]:
    """(coach CSV, engineering CSV) of all the athlete's sets, oldest first."""
    number = {id(s): i for i, session in enumerate(sessions_of(a.sets), 1) for s in session.sets}
    coach = _csv([c for c, _ in COACH_COLUMNS], (coach_row(s, number[id(s)]) for s in a.sets))
    columns = list(ENGINEERING_FIRST)
    for s in a.sets:
        columns += [c for c in s.row if c not in columns]
    eng = _csv(columns, ({**s.row, "set_ref": set_ref(s), "export_folder": _base(s.folder)} for s in a.sets))
    return coach, eng


def _base(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]
