"""Reading the store: one set, its reps and losses, and every session and set as a cursor.

Why cursors and per-set lists: a box keeps years of sets; a listing or an
export walks them one row at a time and holds one set's reps (tens), never
all of history. Times are stored as Unix seconds (REAL); `iso()` formats them.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Iterator, Sequence

from device.store.connection import Connected


def iso(ts: float | None) -> str:
    """Unix seconds as ISO 8601 local time with its UTC offset ('' for None).

    >>> len(iso(0.0)), iso(0.0)[10], iso(None)
    (25, 'T', '')
    """
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().isoformat(timespec="seconds")


def row_dict(row: sqlite3.Row | None, keys: Sequence[str] | None = None) -> dict:
    """A Row as a plain dict (for JSON)."""
    if row is None:
        return {}
    return {k: row[k] for k in (keys or row.keys())}


class SetQueries(Connected):
    """What the screens, the CLI and the export read (part of Store)."""

    def set_row(self, set_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM sets WHERE id = ?", (set_id,)).fetchone()

    def reps_of(self, set_id: int) -> list[sqlite3.Row]:
        """One set's reps (a set holds tens, never all of history)."""
        return self.conn.execute("SELECT * FROM reps WHERE set_id = ? ORDER BY rep", (set_id,)).fetchall()

    def losses_of(self, set_id: int) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM contact_losses WHERE set_id = ? ORDER BY start_s, id",
                                 (set_id,)).fetchall()

    def iter_set_summaries(self, session_id: int | None = None) -> Iterator[sqlite3.Row]:
        """Every set with its athlete and counts, oldest first; a cursor, not a list."""
        where, args = ("WHERE st.session_id = ?", (session_id,)) if session_id is not None else ("", ())
        yield from self.conn.execute(
            "SELECT st.*, se.athlete_id, a.name AS athlete, "
            "(SELECT COUNT(*) FROM reps r WHERE r.set_id = st.id) AS reps, "
            "(SELECT COUNT(*) FROM contact_losses l WHERE l.set_id = st.id) AS losses "
            f"FROM sets st JOIN sessions se ON se.id = st.session_id "
            f"JOIN athletes a ON a.id = se.athlete_id {where} ORDER BY st.session_id, st.id", args)

    def iter_sessions(self) -> Iterator[sqlite3.Row]:
        """Sessions with athlete and set count, oldest first; a cursor, not a list."""
        yield from self.conn.execute(
            "SELECT se.*, a.name AS athlete, (SELECT COUNT(*) FROM sets st WHERE st.session_id = se.id) "
            "AS sets FROM sessions se JOIN athletes a ON a.id = se.athlete_id ORDER BY se.id")

    def integrity(self) -> str:
        """'ok' or SQLite's list of problems (`PRAGMA integrity_check`)."""
        return "; ".join(r[0] for r in self.conn.execute("PRAGMA integrity_check"))
