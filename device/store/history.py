"""One athlete's history: their sets, newest first, and one past set in full.

Why here and not from the export's or `sessions`' queries: History on the
screen names one athlete, so it must list that athlete's sets only, by the
same per-athlete numbers the export shows, and stay quick on a box with
years of sets. So it reads a page at a time, keyed on the set id (`before`),
walking the sets from the newest down and stopping at the page's end: the
rep counts are computed for the page's rows only. Joined the other way
(the athlete's sessions first), SQLite counted every rep of every set of the
athlete and sorted them all to show 20: 0.6 s on a store of 50,000 sets.
"""
from __future__ import annotations

import json
from typing import Any

from device.core.contacts import CONTACTS
from device.store.store import Store

HISTORY_ROWS = 20

_SETS = """SELECT s.id AS set_id, s.athlete_set_number AS number, s.started_at, s.duration_s, s.dips,
    s.standing_deg, s.schedule, s.sensitivity, s.mute, a.name AS athlete,
    (SELECT COUNT(*) FROM reps r WHERE r.set_id = s.id) AS reps,
    (SELECT COUNT(*) FROM reps r WHERE r.set_id = s.id AND r.faults = '') AS clean_reps,
    (SELECT avg(depth_deg) FROM reps r WHERE r.set_id = s.id) AS mean_depth_deg
    FROM sets s CROSS JOIN sessions e ON e.id = s.session_id JOIN athletes a ON a.id = e.athlete_id"""
# CROSS JOIN keeps `sets` the outer loop: walked by id, newest first, no sort, stopping at the LIMIT.


def athlete_sets(store: Store, athlete_id: int, limit: int = HISTORY_ROWS,
                 before: int | None = None) -> list[dict[str, Any]]:
    """A page of the athlete's finished sets, newest first: `limit` of them older than set `before`."""
    rows = store.conn.execute(f"{_SETS} WHERE e.athlete_id = ? AND s.ended_at IS NOT NULL AND s.id < ? "
                              "ORDER BY s.id DESC LIMIT ?",
                              (athlete_id, (1 << 62) if before is None else before, limit))
    return [dict(r) for r in rows]


def past_set(store: Store, set_id: int) -> dict[str, Any] | None:
    """One set with its reps' tempo, losses per contact and loss spans, and its chart series."""
    row = store.conn.execute(f"{_SETS} WHERE s.id = ?", (set_id,)).fetchone()
    if row is None:
        return None
    out = dict(row)
    reps = store.reps_of(set_id)
    out["tempo"] = [(r["descent_s"], r["bottom_s"], r["ascent_s"]) for r in reps
                    if None not in (r["descent_s"], r["bottom_s"], r["ascent_s"])]
    losses = store.losses_of(set_id)
    out["losses"] = {c: sum(1 for x in losses if x["contact"] == c) for c in CONTACTS}
    series = store.conn.execute("SELECT series FROM set_series WHERE set_id = ?", (set_id,)).fetchone()
    out["series"] = json.loads(series[0]) if series is not None else None
    return out
