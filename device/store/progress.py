"""One athlete's progress, as the box's progress screen shows it: their latest sessions, aggregated in SQL.

Why only the latest sessions, and why in SQL: the screen has room for about a
dozen bars, and a box keeps years of sets (the target: under 50 ms from a
store of 50,000 sets, bench/progress_bench.py). The athlete's latest sessions
come from the index on (athlete_id, started_at) (schema v4); their reps and
losses from the indexes on set and session. So the work grows with what is
shown, not with what is kept. Runs on the main loop's thread, on its connection.

    >>> import tempfile
    >>> from device.store.store import Store
    >>> with Store.open(tempfile.mkdtemp()) as store:
    ...     athlete_progress(store, store.add_athlete("Ana"))["sessions"]
    []
"""
from __future__ import annotations

from typing import Any

from device.store.connection import Connected
from device.store.plans import plan_history

SESSIONS = 12  # bars on the progress chart
HISTORY = 6  # stage changes listed

_RECENT = ("SELECT id, started_at FROM sessions WHERE athlete_id = ? "
           "ORDER BY started_at DESC LIMIT ?")
_PER_SESSION = f"""WITH recent AS ({_RECENT})
    SELECT e.id AS session_id, e.started_at, COUNT(r.rep) AS reps, SUM(r.faults = '') AS clean_reps,
        AVG(r.depth_deg) AS depth_deg, AVG(r.descent_s) AS descent_s, AVG(r.bottom_s) AS bottom_s,
        AVG(r.ascent_s) AS ascent_s
    FROM recent e JOIN sets s ON s.session_id = e.id LEFT JOIN reps r ON r.set_id = s.id
    WHERE s.ended_at IS NOT NULL GROUP BY e.id ORDER BY e.started_at"""
_PLAN_PER_SET = f"""WITH recent AS ({_RECENT})
    SELECT s.session_id, s.plan_stage, s.depth_target_deg, s.plan_result FROM recent e
    JOIN sets s ON s.session_id = e.id WHERE s.ended_at IS NOT NULL ORDER BY s.id"""
_BREAKS = f"""WITH recent AS ({_RECENT})
    SELECT l.contact, coalesce(l.phase, '') AS phase, COUNT(*) AS n FROM recent e
    JOIN sets s ON s.session_id = e.id JOIN contact_losses l ON l.set_id = s.id
    GROUP BY l.contact, phase ORDER BY n DESC, l.contact, phase"""


def athlete_progress(store: Connected, athlete_id: int, sessions: int = SESSIONS) -> dict[str, Any]:
    """{"sessions": [per session, oldest first], "breaks": [(contact, phase, n), most first],
    "history": [stage changes, newest first]} over the athlete's latest `sessions` sessions."""
    args = (athlete_id, sessions)
    rows = [dict(r) for r in store.conn.execute(_PER_SESSION, args)]
    by_id = {r["session_id"]: r for r in rows}
    for row in rows:
        row.update(plan_stage=None, depth_target_deg=None, tests=[])
    for s in store.conn.execute(_PLAN_PER_SET, args):  # in set order: the session's last set wins
        if (r := by_id.get(s["session_id"])) is None:
            continue
        r["plan_stage"] = s["plan_stage"] or r["plan_stage"]
        r["depth_target_deg"] = s["depth_target_deg"] if s["depth_target_deg"] is not None else r["depth_target_deg"]
        if s["plan_result"]:
            r["tests"].append(s["plan_result"])
    breaks = [(b["contact"], b["phase"], b["n"]) for b in store.conn.execute(_BREAKS, args)]
    return {"sessions": rows, "breaks": breaks, "history": plan_history(store, athlete_id, HISTORY)}
