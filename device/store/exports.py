"""What one export takes from the store: a snapshot of the sets, read set by set, then marked.

Why a snapshot on a connection of its own: the recorder may finish a set
while a stick is being written. The export reads inside one read transaction
(WAL: it never blocks the recorder), with the ids of its sets in a temporary
table rather than a list in memory, so a set finishing meanwhile is either in
or out, never half. Only after the files are on the stick are the sets marked,
in one write transaction: a failed export leaves the store as it was, and a
retry takes the same sets.

Every SQLite error while reading becomes a StoreError naming the file.
"""
from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from typing import Iterator, Self

from device.store.errors import StoreError
from device.store.plans import PLAN_EVENTS_SQL
from device.store.store import Store

Row = sqlite3.Row  # a row as the export reads it: row["column"]


class ExportSnapshot:
    """The sets to export (those not exported before, or all), counted and frozen until `close()`.

        >>> import tempfile
        >>> with Store.open(tempfile.mkdtemp()) as store, ExportSnapshot(store, all_sets=True) as snap:
        ...     (snap.sets, snap.reps, snap.trace_bytes, list(snap.iter_sets()))
        (0, 0, 0, [])
    """

    def __init__(self, store: Store, all_sets: bool) -> None:
        self.db = store.clone()
        self.path, self.data_dir = self.db.path, self.db.data_dir
        self.sets = self.reps = self.trace_bytes = 0
        try:
            with self._reading():
                self._take(all_sets)
        except BaseException:
            self.close()
            raise

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc}") from None

    def _take(self, all_sets: bool) -> None:
        """Begin the read transaction and note the sets to export in a temp table (not a list)."""
        conn = self.db.conn
        conn.execute("BEGIN")
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS export_sets (set_id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.export_sets")
        only_new = "" if all_sets else " AND export_id IS NULL"
        conn.execute(f"INSERT INTO temp.export_sets SELECT id FROM sets WHERE ended_at IS NOT NULL{only_new}")
        self.sets = conn.execute("SELECT COUNT(*) FROM temp.export_sets").fetchone()[0]
        self.reps = conn.execute("SELECT COUNT(*) FROM reps WHERE set_id IN "
                                 "(SELECT set_id FROM temp.export_sets)").fetchone()[0]
        for (trace,) in conn.execute("SELECT st.trace FROM temp.export_sets x JOIN sets st ON st.id = x.set_id"):
            try:
                self.trace_bytes += os.stat(os.path.join(self.data_dir, trace)).st_size if trace else 0
            except OSError:
                pass

    def iter_sets(self) -> Iterator[Row]:
        """The snapshot's sets with athlete and session, by session then set, from a cursor."""
        with self._reading():
            yield from self.db.conn.execute(
                "SELECT st.*, se.athlete_id, se.started_at AS session_started, se.ended_at AS session_ended, "
                "a.name AS athlete FROM temp.export_sets x JOIN sets st ON st.id = x.set_id "
                "JOIN sessions se ON se.id = st.session_id JOIN athletes a ON a.id = se.athlete_id "
                "ORDER BY st.session_id, st.id")

    def reps_and_losses(self, set_id: int) -> tuple[list[Row], list[Row]]:
        """One set's reps (by number) and contact losses (by time)."""
        with self._reading():
            return self.db.reps_of(set_id), self.db.losses_of(set_id)

    def plan_changes(self) -> Iterator[Row]:
        """Every change of stage of the athletes whose sets are in the snapshot, oldest first:
        all of them, not only those since the last export (a report reads any export alone)."""
        with self._reading():
            yield from self.db.conn.execute(
                f"{PLAN_EVENTS_SQL} WHERE p.athlete_id IN (SELECT se.athlete_id FROM temp.export_sets x "
                "JOIN sets st ON st.id = x.set_id JOIN sessions se ON se.id = st.session_id) ORDER BY p.at, p.id")

    def trace_path(self, row: Row) -> str:
        """Where the set's trace file is on this box ('' if none was recorded)."""
        return os.path.join(self.data_dir, row["trace"]) if row["trace"] else ""

    def mark_exported(self, dest: str, folder: str, keep_new: list[int] | tuple[int, ...] = ()) -> None:
        """End the read, then mark the snapshot's sets as taken to `folder` on `dest`, in one
        transaction; those in `keep_new` stay new (taken again next time). StoreError (the
        store unchanged) if that fails."""
        try:
            self.db.conn.execute("COMMIT")  # the snapshot is no longer needed
            with self.db.transaction() as conn:
                conn.executemany("DELETE FROM temp.export_sets WHERE set_id = ?", [(i,) for i in keep_new])
                cur = conn.execute("INSERT INTO exports (finished_at, dest, folder, sets) VALUES (?, ?, ?, ?)",
                                   (time.time(), dest, folder, self.sets))
                conn.execute("UPDATE sets SET export_id = ? WHERE id IN (SELECT set_id FROM temp.export_sets)",
                             (cur.lastrowid,))
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from None

    def close(self) -> None:
        """Let go of the snapshot (a read ends without writing anything) and the connection."""
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
        finally:
            self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
