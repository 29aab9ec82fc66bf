"""Everything still readable from a damaged database, copied into the new one.

A failed `quick_check` (one damaged index page, say) used to move the whole
database aside and start an empty one: History went empty although every set
was still readable in the moved file, and its traces were never exported
again. Now the damaged file is still moved aside (kept, never deleted), and
then its rows are copied into the new database table by table, in the order
the foreign keys need, by rowid: a table's own b-tree is walked, not its
indexes, and a damaged leaf costs only the rows on it (found one by one).
Rows keep their ids, so traces, exports and foreign keys still match.

SQLite reads the moved file from a private copy: its own journal recovery may
write to the file it opens, and the evidence must stay as it was.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field

CHUNK = 200  # rows per read; a chunk that fails is read again row by row
MISSES = 1000  # rowids in a row that cannot be read before a table is given up


@dataclass
class Salvage:
    """What was copied, per table, and what could not be read."""

    rows: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        sets = self.rows.get("sets", 0)
        lost = sum(self.unreadable.values())
        return f"{sets} set{'s' if sets != 1 else ''} recovered" + (f", {lost} unreadable row(s) lost" if lost else "")


def salvage(damaged: str, conn: sqlite3.Connection) -> Salvage:
    """Copy the readable rows of the database file `damaged` (and its -wal) into `conn`'s."""
    result = Salvage()
    with tempfile.TemporaryDirectory(prefix="smartdowel-salvage-") as tmp:
        copy = os.path.join(tmp, "damaged.db")
        for suffix in ("", "-wal"):
            if os.path.exists(damaged + suffix):
                shutil.copyfile(damaged + suffix, copy + suffix)
        try:
            old = sqlite3.connect(copy, isolation_level=None)
        except sqlite3.Error:
            return result
        try:
            _copy_tables(old, conn, result)
        finally:
            old.close()
    return result


def _copy_tables(old: sqlite3.Connection, new: sqlite3.Connection, result: Salvage) -> None:
    new.execute("PRAGMA foreign_keys = OFF")  # parents may be among the rows lost
    try:
        new.execute("BEGIN IMMEDIATE")
        for table in _tables_in_order(new):
            columns = _common_columns(old, new, table)
            if columns:
                _copy_table(old, new, table, columns, result)
        new.execute("COMMIT")
    except BaseException:
        if new.in_transaction:
            new.execute("ROLLBACK")
        raise
    finally:
        new.execute("PRAGMA foreign_keys = ON")


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """The new database's tables, each after the tables its foreign keys point at."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY rootpage")]
    parents = {t: {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({t})")} for t in tables}
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = [t for t in tables if t not in ordered and parents[t] <= set(ordered) | {t}]
        ordered += ready or [t for t in tables if t not in ordered]  # a cycle: take them as they are
    return ordered


def _common_columns(old: sqlite3.Connection, new: sqlite3.Connection, table: str) -> list[str]:
    try:
        had = {r[1] for r in old.execute(f"PRAGMA table_info({table})")}
    except sqlite3.Error:
        return []
    return [r[1] for r in new.execute(f"PRAGMA table_info({table})") if r[1] in had]


def _copy_table(old: sqlite3.Connection, new: sqlite3.Connection, table: str, columns: list[str],
                result: Salvage) -> None:
    cols = ", ".join(columns)
    insert = f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({', '.join('?' * len(columns))})"
    after, copied, unreadable = -(2 ** 63), 0, 0
    while True:
        try:
            rows = old.execute(f"SELECT rowid, {cols} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT {CHUNK}",
                               (after,)).fetchall()
        except sqlite3.DatabaseError:
            some, after, lost = _one_by_one(old, table, cols, after)
            unreadable += lost
            if some is None:
                break
            rows = some
        if not rows:
            break
        new.executemany(insert, [r[1:] for r in rows])
        copied += len(rows)
        after = rows[-1][0]
    result.rows[table] = copied
    if unreadable:
        result.unreadable[table] = unreadable


def _one_by_one(old: sqlite3.Connection, table: str, cols: str,
                after: int) -> tuple[list[tuple] | None, int, int]:
    """Past a damaged stretch: rowid by rowid until one reads (None: nothing more to find)."""
    lost = 0
    start = max(after, 0)
    for rowid in range(start + 1, start + 1 + MISSES):
        try:
            row = old.execute(f"SELECT rowid, {cols} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            lost += 1
            continue
        if row is not None:
            return [tuple(row)], rowid, lost
    return None, after, lost
