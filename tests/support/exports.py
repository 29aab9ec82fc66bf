"""Small made-up export folders for the report's tests.

`small_export` writes a minimal folder by hand, for unit tests of reading,
merging and deduplication that need no store (the real export writes the
box id and the plan's columns itself: tests/support/report_scene.py).
"""
from __future__ import annotations

import csv
import os
from typing import Any, Sequence

V1 = {
    "sessions.csv": ("session_id", "athlete_id", "athlete", "started_at", "ended_at", "sets", "reps", "clean_reps",
                     "contact_losses"),
    "sets.csv": ("set_id", "session_id", "athlete_id", "athlete", "set_number", "started_at", "ended_at",
                 "duration_s", "end_reason", "reps", "clean_reps", "contact_losses", "trace_file", "trace_ready_s"),
    "reps.csv": ("set_id", "session_id", "athlete", "rep", "start_s", "end_s", "depth_deg", "duration_s",
                 "descent_s", "bottom_s", "ascent_s", "clean", "faults"),
    "contact_losses.csv": ("set_id", "session_id", "athlete", "rep", "contact", "cause", "phase", "start_s",
                           "duration_s", "restored"),
}


def _write(path: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def small_export(folder: str, athlete: str, starts: Sequence[str], box_id: str = "", first_id: int = 1,
                 reps: Sequence[Sequence[tuple[float, bool]]] | None = None,
                 losses: Sequence[tuple[int, str, str]] = (), extra: dict[str, str] | None = None) -> str:
    """A hand-made export: one session of sets begun at `starts` (ISO), each with `reps` (depth, clean);
    `losses` as (set index, contact, phase). Columns of v1, plus box_id if given, plus `extra` on every set."""
    os.makedirs(folder)
    reps = reps or [[(50.0, True), (52.0, False)]] * len(starts)
    sets, rep_rows, loss_rows = [], [], []
    for i, (start, rs) in enumerate(zip(starts, reps)):
        set_id = first_id + i
        sets.append({"set_id": set_id, "session_id": 1, "athlete_id": 1, "athlete": athlete, "set_number": i + 1,
                     "started_at": start, "ended_at": start, "duration_s": 20.0 + i, "end_reason": "button",
                     "reps": len(rs), "clean_reps": sum(c for _, c in rs), "contact_losses": 0, "trace_file": "",
                     "trace_ready_s": "", "box_id": box_id, **(extra or {})})
        for r, (depth, clean) in enumerate(rs, 1):
            rep_rows.append({"set_id": set_id, "session_id": 1, "athlete": athlete, "rep": r, "start_s": 2.0 * r,
                             "end_s": 2.0 * r + 1.5, "depth_deg": depth, "duration_s": 1.5, "descent_s": 0.6,
                             "bottom_s": 0.2, "ascent_s": 0.7, "clean": int(clean), "faults": ""})
    for index, contact, phase in losses:
        loss_rows.append({"set_id": first_id + index, "session_id": 1, "athlete": athlete, "rep": 1,
                          "contact": contact, "cause": "x", "phase": phase, "start_s": 1.0, "duration_s": 0.3,
                          "restored": 1})
    box = ["box_id"] if box_id else []
    _write(os.path.join(folder, "sessions.csv"), V1["sessions.csv"] + tuple(box),
           [{"session_id": 1, "athlete_id": 1, "athlete": athlete, "started_at": starts[0], "box_id": box_id}])
    _write(os.path.join(folder, "sets.csv"), V1["sets.csv"] + tuple(box) + tuple(extra or ()), sets)
    _write(os.path.join(folder, "reps.csv"), V1["reps.csv"], rep_rows)
    _write(os.path.join(folder, "contact_losses.csv"), V1["contact_losses.csv"], loss_rows)
    return folder
