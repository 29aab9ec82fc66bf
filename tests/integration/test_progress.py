"""The progress screen's numbers: right against the store's rows, and quick on a store of 50,000 sets."""
from __future__ import annotations

import random
import statistics
import time

from device.app.progress import load_progress
from device.store.athletes import Athlete
from device.store.progress import SESSIONS, athlete_progress
from device.store.store import Store
from support.stores import fill_sets


def test_sessions_are_the_latest_aggregated_as_the_rows_say(tmp_path):
    with Store.open(str(tmp_path)) as store:
        fill_sets(store, 200, 2, random.Random(3))
        athlete = store.athletes()[1]
        got = athlete_progress(store, athlete.id)
        rows = got["sessions"]
        assert len(rows) == SESSIONS and rows == sorted(rows, key=lambda r: r["started_at"])
        ids = [s for (s,) in store.conn.execute("SELECT id FROM sessions WHERE athlete_id = ? "
                                                "ORDER BY started_at DESC LIMIT ?", (athlete.id, SESSIONS))]
        assert sorted(r["session_id"] for r in rows) == sorted(ids)
        for r in rows:
            reps = store.conn.execute("SELECT faults, depth_deg FROM reps WHERE set_id IN "
                                      "(SELECT id FROM sets WHERE session_id = ?)", (r["session_id"],)).fetchall()
            assert (r["reps"], r["clean_reps"]) == (len(reps), sum(1 for f, _ in reps if f == ""))
            assert abs(r["depth_deg"] - sum(d for _, d in reps) / len(reps)) < 1e-9
        losses = store.conn.execute(
            "SELECT contact, phase, COUNT(*) AS n FROM contact_losses WHERE set_id IN (SELECT s.id FROM sets s "
            f"WHERE s.session_id IN ({','.join('?' * len(ids))})) GROUP BY contact, phase ORDER BY n DESC", ids)
        assert {(c, p): n for c, p, n in got["breaks"]} == {(c, p): n for c, p, n in losses}
        view = load_progress(store, Athlete(athlete.id, athlete.name, False, "local"))
        assert len(view.sessions) == SESSIONS and [h[2] for h in view.history][0] == "mastered"
        assert view.sets == 100 and view.sessions[-1].stage == "mastered" and view.sessions[-1].target_deg == 45.0


def test_opened_in_under_50_ms_from_50000_sets(tmp_path):
    """One athlete with all of them: the worst case for the index (bench/progress_bench.py prints more)."""
    with Store.open(str(tmp_path)) as store:
        fill_sets(store, 50_000, 1, random.Random(1))
        athlete = store.athletes()[1]
        times = []
        for _ in range(5):
            t = time.perf_counter()
            view = load_progress(store, athlete)
            times.append(time.perf_counter() - t)
    assert view.sets == 50_000 and len(view.sessions) == SESSIONS
    assert statistics.median(times) < 0.050, times
