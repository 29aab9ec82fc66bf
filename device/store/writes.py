"""Writing a set as it happens: sessions, sets, reps, contact losses, sensor faults.

Why one transaction per call: the recorder (device/store/recorder.py) calls
these from its own thread as events arrive, and a power cut must cost at most
the rep in progress; every earlier rep is already committed and synced.
"""
from __future__ import annotations

import sqlite3
import time

from device.store.connection import TRACE_DIR, Connected
from device.store.errors import StoreError

# The athlete's next set number (1 for their first set on this box), as screen, sessions and export use.
NEXT_NUMBER_SQL = """SELECT coalesce(max(s.athlete_set_number), 0) + 1 FROM sets s
    JOIN sessions e ON e.id = s.session_id
    WHERE e.athlete_id = (SELECT athlete_id FROM sessions WHERE id = ?)"""


class SetWrites(Connected):
    """The recorder's side of the store (part of Store)."""

    def begin_session(self, athlete_id: int, started_at: float) -> int:
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO sessions (athlete_id, started_at) VALUES (?, ?)",
                               (athlete_id, started_at))
            return _row_id(cur)

    def begin_set(self, session_id: int, started_at: float, standing_deg: float | None,
                  baseline_us: dict[str, float], trace_ready_s: float) -> tuple[int, str]:
        """Insert a set in progress; returns its id and its trace file's name (relative)."""
        with self.transaction() as conn:
            number = conn.execute("SELECT COUNT(*) FROM sets WHERE session_id = ?",
                                  (session_id,)).fetchone()[0] + 1
            athlete_number = conn.execute(NEXT_NUMBER_SQL, (session_id,)).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO sets (session_id, number, started_at, standing_deg, baseline_head_us, "
                "baseline_upper_back_us, baseline_sacrum_us, trace_ready_s, athlete_set_number) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (session_id, number, started_at, standing_deg, baseline_us.get("head"),
                 baseline_us.get("upper_back"), baseline_us.get("sacrum"), trace_ready_s, athlete_number))
            set_id = _row_id(cur)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started_at))
            trace = f"{TRACE_DIR}/set-{stamp}-{set_id:06d}.csv.gz"  # unique even after a new database
            conn.execute("UPDATE sets SET trace = ? WHERE id = ?", (trace, set_id))
            # max/min: the Pi has no clock of its own, and a clock set back between two sets of a
            # session must not make the session end before it started
            conn.execute("UPDATE sessions SET ended_at = max(coalesce(ended_at, ?1), ?1), "
                         "started_at = min(started_at, ?1) WHERE id = ?2", (started_at, session_id))
        return set_id, trace

    def add_rep(self, set_id: int, rep: dict) -> None:
        """One completed rep: its own transaction, so a power cut keeps every earlier rep.

        Written again (same row) rather than refused when it is already there: a commit the
        card reported as failed may still have reached the log, and the recorder tries again."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO reps (set_id, rep, start_s, end_s, depth_deg, duration_s, descent_s, "
                "bottom_s, ascent_s, faults) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (set_id, rep["rep"], rep.get("start_s"), rep["end_s"], rep.get("depth_deg"),
                 rep.get("duration_s"), rep.get("descent_s"), rep.get("bottom_s"), rep.get("ascent_s"),
                 ",".join(rep.get("faults", ()))))

    def add_loss(self, set_id: int, contact: str, cause: str, start_s: float,
                 phase: str | None, rep: int | None) -> int:
        """A contact loss, open until `restore_loss` (joins the caller's transaction if any)."""
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO contact_losses (set_id, contact, cause, start_s, phase, rep) "
                               "VALUES (?,?,?,?,?,?)", (set_id, contact, cause, start_s, phase, rep))
            return _row_id(cur)

    def restore_loss(self, loss_id: int, duration_s: float) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE contact_losses SET duration_s = ?, restored = 1 WHERE id = ?",
                         (duration_s, loss_id))

    def withdraw_loss(self, loss_id: int) -> None:
        """A loss that turned out to be the dowel being taken off (loss_withdrawn): never a fault."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM contact_losses WHERE id = ?", (loss_id,))

    def note_sensor_fault(self, set_id: int, fault: str) -> None:
        """Append `contact:reason` to the set's sensor faults."""
        with self.transaction() as conn:
            conn.execute("UPDATE sets SET sensor_faults = CASE sensor_faults WHEN '' THEN ?1 "
                         "ELSE sensor_faults || ',' || ?1 END WHERE id = ?2", (fault, set_id))

    def end_set(self, set_id: int, duration_s: float, reason: str, samples: int, dips: int) -> None:
        """Close the set and any loss still open at its end (not restored: lasted to the end)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT started_at, session_id FROM sets WHERE id = ?", (set_id,)).fetchone()
            if row is None:
                raise StoreError(f"{self.path}: set {set_id} is not in the store")
            ended = row["started_at"] + duration_s
            conn.execute("UPDATE contact_losses SET duration_s = max(0, round(? - start_s, 3)) "
                         "WHERE set_id = ? AND duration_s IS NULL", (duration_s, set_id))
            conn.execute("UPDATE sets SET ended_at = ?, duration_s = ?, end_reason = ?, samples = ?, "
                         "dips = ? WHERE id = ?", (ended, round(duration_s, 3), reason, samples, dips, set_id))
            conn.execute("UPDATE sessions SET ended_at = max(coalesce(ended_at, 0), ?) WHERE id = ?",
                         (ended, row["session_id"]))

    def open_sets(self) -> list[sqlite3.Row]:
        """Sets still in progress: after a crash, the recorder ends them as 'interrupted'."""
        return self.conn.execute("SELECT * FROM sets WHERE ended_at IS NULL ORDER BY id").fetchall()

    def last_times(self, set_id: int) -> float:
        """Latest moment (set seconds) any rep or loss of a set was recorded."""
        row = self.conn.execute(
            "SELECT max(coalesce((SELECT max(end_s) FROM reps WHERE set_id = ?1), 0), "
            "coalesce((SELECT max(start_s) FROM contact_losses WHERE set_id = ?1), 0))", (set_id,)).fetchone()
        return float(row[0] or 0.0)


def _row_id(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (never None after one)."""
    assert cur.lastrowid is not None
    return cur.lastrowid
