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
  timestamped name (its -wal and -shm with it), a new one is started, and
  every row still readable in the old one is copied into it (salvage.py);
  nothing is deleted. Only the appliance, which owns the file, does that; the
  CLI, which may run beside it, reports the problem instead.
- A write-ahead log with committed transactions SQLite could not read (a
  damaged `-wal`: it silently drops everything after the damage) is kept as
  a copy and reported (wal.py).
- `read_only=True` (the CLI's `sessions` and `export`) opens a card that went
  read-only or full without writing to it, so the sets can still be taken off.
- What went wrong on the way is in `notices`: lines for the log and the screen.

    >>> import tempfile
    >>> with Store.open(tempfile.mkdtemp()) as store:
    ...     [a.name for a in store.athletes()], store.version
    (['Guest'], 4)
"""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time

from device.store import wal
from device.store.athletes import AthleteProfiles
from device.store.connection import DB_NAME, TRACE_DIR, connect
from device.store.errors import StoreError
from device.store.files import fsync_dir
from device.store.queries import SetQueries
from device.store.salvage import salvage
from device.store.schema import SCHEMA_VERSION, migrate, refuse_newer
from device.store.writes import SetWrites

log = logging.getLogger("smartdowel.store")
_BROKEN_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def _is_broken(exc: sqlite3.Error) -> bool:
    """Corrupt or not a database at all; not 'locked' or 'cannot open' (those are not ours to fix)."""
    if getattr(exc, "sqlite_errorname", None) in _BROKEN_CODES:
        return True
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _check(conn: sqlite3.Connection, path: str, read_only: bool = False) -> None:
    """Touch the file the way every later query will: raises on a broken database.

    A file from a newer version is refused before anything (even the journal
    mode) is changed in it: it is someone's good data."""
    refuse_newer(conn.execute("PRAGMA user_version").fetchone()[0], path)
    mode = conn.execute("PRAGMA journal_mode" if read_only else "PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal" and not read_only:
        raise sqlite3.DatabaseError(f"cannot switch to WAL (journal_mode={mode})")
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed ({result})")


def _free_name(base: str, suffixes: tuple[str, ...]) -> str:
    """`base`, or `base-2`, `base-3`...: the first that no file (with any of the suffixes) has."""
    target, n = base, 1
    while any(os.path.lexists(target + s) for s in suffixes):
        n += 1
        target = f"{base}-{n}"
    return target


def _stamp(now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))


def _move_aside(path: str, reason: str, now: float) -> str:
    """Rename a broken database (and its -wal/-shm) to a free timestamped name; return it."""
    target = _free_name(f"{path}.broken-{_stamp(now)}", ("", "-wal", "-shm"))
    for suffix in ("", "-wal", "-shm"):
        if os.path.lexists(path + suffix):
            os.rename(path + suffix, target + suffix)
    fsync_dir(os.path.dirname(path))
    log.error("smartdowel: the database %s could not be opened (%s); moved it aside to %s and "
              "started a new one. Nothing was deleted: keep that file for recovery.", path, reason, target)
    return target


def _keep_wal(path: str, now: float) -> str:
    """A copy of the log as it is, before SQLite's next write reuses it: the evidence."""
    target = _free_name(f"{path}-wal.damaged-{_stamp(now)}", ("",))
    shutil.copyfile(path + "-wal", target)
    fsync_dir(os.path.dirname(path))
    return target


def _open_checked(path: str, read_only: bool = False) -> sqlite3.Connection:
    conn = connect(path, read_only=read_only)
    try:
        _check(conn, path, read_only)
    except BaseException:
        conn.close()
        raise
    return conn


def _lost_commits(conn: sqlite3.Connection, frames: wal.WalFrames | None) -> int:
    """Committed transactions in the log beyond the frames SQLite accepted (0: nothing lost)."""
    if frames is None or not frames.commits:
        return 0
    accepted = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    return frames.lost_commits(accepted)


class Store(AthleteProfiles, SetWrites, SetQueries):
    """One connection to the store. Use one Store per thread (`clone()` for another)."""

    def __init__(self, conn: sqlite3.Connection, path: str, moved_aside: str | None = None,
                 notices: list[str] | None = None, read_only: bool = False) -> None:
        super().__init__(conn, path)
        self.read_only = read_only
        self.moved_aside = moved_aside  # where a broken database went (for the screen), or None
        self.notices = notices or []  # what went wrong while opening, for the log and the screen
        self.version = conn.execute("PRAGMA user_version").fetchone()[0]

    @classmethod
    def open(cls, data_dir: str, *, create: bool = True, recover: bool = True, read_only: bool = False,
             now: float | None = None) -> "Store":
        """Open (creating and upgrading as needed) the store in `data_dir`.

        recover=True (the appliance, which owns the file): a broken database is
        moved aside, a new one started and the old one's readable rows copied
        in. recover=False (the CLI, which may run beside the appliance): a
        broken database raises StoreError instead. read_only=True: nothing is
        written (a read-only or full card); the file must exist and be current.
        """
        path = os.path.join(os.path.abspath(data_dir), DB_NAME)
        if (not create or read_only) and not os.path.exists(path):
            raise StoreError(f"{path}: no database here yet (nothing recorded, or the wrong --data)")
        if read_only:
            return cls._open_read_only(path)
        try:
            os.makedirs(os.path.join(os.path.dirname(path), TRACE_DIR), exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{os.path.dirname(path)}: cannot create the data folder: "
                             f"{exc.strerror}") from None
        when = time.time() if now is None else now
        frames = wal.scan(path + "-wal")
        try:
            conn = _open_checked(path)
        except sqlite3.DatabaseError as exc:
            if not (recover and _is_broken(exc)):
                raise StoreError(f"{path}: cannot open the database: {exc}") from None
            return cls._salvaged(path, str(exc), when)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        notices = cls._check_wal(conn, path, frames, when)
        cls._migrated(conn, path)
        return cls(conn, path, None, notices)

    @classmethod
    def _salvaged(cls, path: str, reason: str, when: float) -> "Store":
        """The broken file moved aside, a new one, and everything readable copied over."""
        moved = _move_aside(path, reason, when)
        conn = _open_checked(path)
        cls._migrated(conn, path)
        try:
            report = salvage(moved, conn).summary()
        except sqlite3.Error as exc:
            report = f"nothing could be copied ({exc})"
        notice = (f"the database was damaged ({reason}): kept as {os.path.basename(moved)}; {report} "
                  f"into a new one")
        log.error("smartdowel: %s", notice)
        return cls(conn, path, moved, [notice])

    @staticmethod
    def _check_wal(conn: sqlite3.Connection, path: str, frames: wal.WalFrames | None,
                   when: float) -> list[str]:
        lost = _lost_commits(conn, frames)
        if not lost:
            return []
        kept = _keep_wal(path, when)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # what was read is saved; the log starts afresh
        notice = (f"the database's journal was damaged: {lost} saved change(s) could not be read and may be "
                  f"missing (reps or sets since the last set ended); the journal is kept as "
                  f"{os.path.basename(kept)}")
        log.error("smartdowel: %s", notice)
        return [notice]

    @staticmethod
    def _migrated(conn: sqlite3.Connection, path: str) -> None:
        try:
            migrate(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path}: cannot upgrade the database: {exc}") from None
        except BaseException:
            conn.close()
            raise

    @classmethod
    def _open_read_only(cls, path: str) -> "Store":
        """For taking the sets off a card that went read-only or full: nothing is written."""
        try:
            conn = _open_checked(path, read_only=True)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
        if version != SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"{path}: the database is schema version {version} and cannot be upgraded "
                             f"without writing: start the box once with a writable card")
        return cls(conn, path, read_only=True)

    def checkpoint(self) -> None:
        """Copy the log into the database (a set ended): a damaged log can then cost at most
        the set in progress, not every set since the last automatic checkpoint (1,000 pages).

        PASSIVE: never waits for a reader (an export may be reading); the log
        starts afresh at the next write once nobody reads an older snapshot."""
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def clone(self) -> "Store":
        """Another connection to the same file, for another thread (already migrated)."""
        return Store.attach(self.data_dir, read_only=self.read_only, moved_aside=self.moved_aside)

    @classmethod
    def attach(cls, data_dir: str, *, read_only: bool = False, moved_aside: str | None = None) -> "Store":
        """Another connection to a store its owner has opened (checked, upgraded, recovered):
        nothing is checked or written, so it is quick on any thread (the app's main loop)."""
        path = os.path.join(os.path.abspath(data_dir), DB_NAME)
        try:
            return cls(connect(path, read_only), path, moved_aside, read_only=read_only)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the database: {exc}") from None
