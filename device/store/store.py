"""The session store: athletes, sessions, sets, reps and contact losses in SQLite.

One file, `smartdowel.db`, in the data directory; each set's raw trace is a
gzip file beside it (`traces/`, written by device/store/recorder.py). This
module opens it; the tables are in schema.py, the connection's settings in
connection.py, and Store's methods in athletes.py, writes.py and queries.py
(the export's snapshot is in exports.py).

Why it opens this way:

- WAL journal: readers (the export, `smartdowel sessions`) never block the
  recorder's writes, and a reader sees one consistent snapshot.
- A file that is not a database, or is corrupt, is renamed aside with a
  timestamped name (its -wal and -shm with it) and a new one is started;
  nothing is deleted. Only the appliance, which owns the file, does that; the
  CLI, which may run beside it, reports the problem instead.

    >>> import tempfile
    >>> with Store.open(tempfile.mkdtemp()) as store:
    ...     [a.name for a in store.athletes()], store.version
    (['Guest'], 2)
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time

from device.store.athletes import AthleteProfiles
from device.store.connection import DB_NAME, TRACE_DIR, connect
from device.store.errors import StoreError
from device.store.queries import SetQueries
from device.store.schema import migrate, refuse_newer
from device.store.writes import SetWrites

log = logging.getLogger("smartdowel.store")
_BROKEN_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def _is_broken(exc: sqlite3.Error) -> bool:
    """Corrupt or not a database at all; not 'locked' or 'cannot open' (those are not ours to fix)."""
    if getattr(exc, "sqlite_errorname", None) in _BROKEN_CODES:
        return True
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _check(conn: sqlite3.Connection, path: str) -> None:
    """Touch the file the way every later query will: raises on a broken database.

    A file from a newer version is refused before anything (even the journal
    mode) is changed in it: it is someone's good data."""
    refuse_newer(conn.execute("PRAGMA user_version").fetchone()[0], path)
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise sqlite3.DatabaseError(f"cannot switch to WAL (journal_mode={mode})")
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed ({result})")


def _move_aside(path: str, reason: str, now: float) -> str:
    """Rename a broken database (and its -wal/-shm) to a free timestamped name; return it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    base, n = f"{path}.broken-{stamp}", 1
    target = base
    while any(os.path.lexists(target + s) for s in ("", "-wal", "-shm")):
        n += 1
        target = f"{base}-{n}"
    for suffix in ("", "-wal", "-shm"):
        if os.path.lexists(path + suffix):
            os.rename(path + suffix, target + suffix)
    _fsync_dir(os.path.dirname(path))
    log.error("smartdowel: the database %s could not be opened (%s); moved it aside to %s and "
              "started a new one. Nothing was deleted: keep that file for recovery.", path, reason, target)
    return target


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_checked(path: str) -> sqlite3.Connection:
    conn = connect(path)
    try:
        _check(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


class Store(AthleteProfiles, SetWrites, SetQueries):
    """One connection to the store. Use one Store per thread (`clone()` for another)."""

    def __init__(self, conn: sqlite3.Connection, path: str, moved_aside: str | None = None) -> None:
        super().__init__(conn, path)
        self.moved_aside = moved_aside  # where a broken database went (for the screen), or None
        self.version = conn.execute("PRAGMA user_version").fetchone()[0]

    @classmethod
    def open(cls, data_dir: str, *, create: bool = True, recover: bool = True,
             now: float | None = None) -> "Store":
        """Open (creating and upgrading as needed) the store in `data_dir`.

        recover=True (the appliance, which owns the file): a broken database is
        moved aside and a new one started. recover=False (the CLI, which may run
        beside the appliance): a broken database raises StoreError instead.
        """
        path = os.path.join(os.path.abspath(data_dir), DB_NAME)
        if not create and not os.path.exists(path):
            raise StoreError(f"{path}: no database here yet (nothing recorded, or the wrong --data)")
        try:
            os.makedirs(os.path.join(os.path.dirname(path), TRACE_DIR), exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{os.path.dirname(path)}: cannot create the data folder: "
                             f"{exc.strerror}") from None
        moved = None
        try:
            conn = _open_checked(path)
        except sqlite3.DatabaseError as exc:
            if not (recover and _is_broken(exc)):
                raise StoreError(f"{path}: cannot open the database: {exc}") from None
            moved = _move_aside(path, str(exc), time.time() if now is None else now)
            conn = _open_checked(path)
        try:
            migrate(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path}: cannot upgrade the database: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, moved)

    def clone(self) -> "Store":
        """Another connection to the same file, for another thread (already migrated)."""
        try:
            return Store(connect(self.path), self.path, self.moved_aside)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the database: {exc}") from None
