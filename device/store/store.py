"""The session store: athletes, sessions, sets, reps and contact losses in SQLite.

One file, `smartdowel.db`, in the data directory; each set's raw trace is a
gzip file beside it (`traces/`, written by device/recorder.py).

Why these settings:

- WAL journal: readers (the export, `smartdowel sessions`) never block the
  recorder's writes, and a reader sees one consistent snapshot.
- `synchronous=FULL`: in WAL mode NORMAL only syncs at checkpoints, so a power
  cut may roll back the last few commits. The promise is "a power cut loses at
  most the rep in progress", so every commit must be on the card when it
  returns. That is one fsync per rep, every couple of seconds: nothing.
- foreign keys on: a rep can never point at a set that is not there.
- the schema version lives in `PRAGMA user_version`; MIGRATIONS are applied in
  order from whatever version the file has, each in its own transaction, so a
  crash mid-upgrade leaves the previous version intact.

A file that is not a database, or is corrupt, is renamed aside with a
timestamped name (its -wal and -shm with it) and a new one is started; nothing
is deleted. Times are stored as Unix seconds (REAL); `iso()` formats them.

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
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

DB_NAME = "smartdowel.db"
TRACE_DIR = "traces"
GUEST_NAME = "Guest"
MAX_NAME_LEN = 40
log = logging.getLogger("smartdowel.store")

# -- schema ------------------------------------------------------------------------------------
# Each migration is a list of statements; entry i upgrades version i to i + 1.
# Never edit a released entry: add a new one (the tests build a v1 file by hand).
_V1 = (
    """CREATE TABLE athletes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        is_guest INTEGER NOT NULL DEFAULT 0)""",
    "CREATE UNIQUE INDEX athletes_name ON athletes(name COLLATE NOCASE)",
    """INSERT INTO athletes (name, created_at, is_guest)
        VALUES ('Guest', CAST(strftime('%s', 'now') AS REAL), 1)""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        athlete_id INTEGER NOT NULL REFERENCES athletes(id),
        started_at REAL NOT NULL,
        ended_at REAL)""",
    """CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        number INTEGER NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        end_reason TEXT,
        duration_s REAL,
        standing_deg REAL,
        baseline_head_us REAL,
        baseline_upper_back_us REAL,
        baseline_sacrum_us REAL,
        trace TEXT,
        trace_ready_s REAL,
        samples INTEGER NOT NULL DEFAULT 0,
        dips INTEGER NOT NULL DEFAULT 0,
        sensor_faults TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX sets_session ON sets(session_id)",
    """CREATE TABLE reps (
        set_id INTEGER NOT NULL REFERENCES sets(id),
        rep INTEGER NOT NULL,
        start_s REAL,
        end_s REAL NOT NULL,
        depth_deg REAL,
        duration_s REAL,
        descent_s REAL,
        bottom_s REAL,
        ascent_s REAL,
        faults TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (set_id, rep))""",
    """CREATE TABLE contact_losses (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id),
        contact TEXT NOT NULL CHECK (contact IN ('head', 'upper_back', 'sacrum')),
        cause TEXT NOT NULL,
        start_s REAL NOT NULL,
        duration_s REAL,
        phase TEXT,
        rep INTEGER,
        restored INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX contact_losses_set ON contact_losses(set_id)",
)
_V2 = (  # what has been taken away on a stick, and where athletes came from
    """CREATE TABLE exports (
        id INTEGER PRIMARY KEY,
        finished_at REAL NOT NULL,
        dest TEXT NOT NULL,
        folder TEXT NOT NULL,
        sets INTEGER NOT NULL)""",
    "ALTER TABLE sets ADD COLUMN export_id INTEGER REFERENCES exports(id)",
    "CREATE INDEX sets_export ON sets(export_id)",
    "ALTER TABLE athletes ADD COLUMN source TEXT NOT NULL DEFAULT 'local'",
    "UPDATE athletes SET source = 'guest' WHERE is_guest = 1",
)
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)

_BROKEN_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of how some scripts spell names


class StoreError(Exception):
    """The store cannot be used; the message says which file and what to do."""


@dataclass(frozen=True)
class Athlete:
    id: int
    name: str
    is_guest: bool
    source: str


def iso(ts: float | None) -> str:
    """Unix seconds as ISO 8601 local time with its UTC offset ('' for None).

    >>> len(iso(0.0)), iso(0.0)[10], iso(None)
    (25, 'T', '')
    """
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone().isoformat(timespec="seconds")


def clean_name(raw: str) -> str:
    """An athlete's name as stored: NFC, whitespace collapsed; ValueError if unusable.

    >>> clean_name("  Zoë   Smith ")
    'Zoë Smith'
    """
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValueError("empty name")
    if any(unicodedata.category(ch).startswith("C") and ch not in _JOINERS for ch in name):
        raise ValueError("control or invisible characters in the name")
    if len(name) > MAX_NAME_LEN:
        raise ValueError(f"longer than {MAX_NAME_LEN} characters")
    return name


# -- opening --------------------------------------------------------------------------------
def _connect(path: str) -> sqlite3.Connection:
    """A connection with the store's settings; raises sqlite3 errors as they come."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


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
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: database is schema version {version}, this software knows "
                         f"up to {SCHEMA_VERSION}: update smartdowel (the file was left as it is)")
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


def _migrate(conn: sqlite3.Connection, path: str) -> int:
    """Apply the missing migrations, one transaction each; return the final version."""
    while True:
        conn.execute("BEGIN IMMEDIATE")  # re-read inside the lock: another process may have upgraded
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{path}: database is schema version {version}, this software knows "
                                 f"up to {SCHEMA_VERSION}: update smartdowel (the file was left as it is)")
            if version == SCHEMA_VERSION:
                conn.execute("COMMIT")
                return version
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
            log.info("store %s: schema upgraded to version %d", path, version + 1)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


class Store:
    """One connection to the store. Use one Store per thread (`clone()` for another)."""

    def __init__(self, conn: sqlite3.Connection, path: str, moved_aside: str | None = None) -> None:
        self.conn = conn
        self.path = path
        self.data_dir = os.path.dirname(path)
        self.trace_dir = os.path.join(self.data_dir, TRACE_DIR)
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
            conn = cls._open_checked(path)
        except sqlite3.DatabaseError as exc:
            if not (recover and _is_broken(exc)):
                raise StoreError(f"{path}: cannot open the database: {exc}") from None
            moved = _move_aside(path, str(exc), time.time() if now is None else now)
            conn = cls._open_checked(path)
        try:
            _migrate(conn, path)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path}: cannot upgrade the database: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, moved)

    @staticmethod
    def _open_checked(path: str) -> sqlite3.Connection:
        conn = _connect(path)
        try:
            _check(conn, path)
        except BaseException:
            conn.close()
            raise
        return conn

    def clone(self) -> "Store":
        """Another connection to the same file, for another thread (already migrated)."""
        try:
            return Store(_connect(self.path), self.path, self.moved_aside)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the database: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error); nested uses join the outer one."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- athletes --------------------------------------------------------------------------
    def athletes(self) -> list[Athlete]:
        """Guest first, then by name: the athlete menu's order."""
        rows = self.conn.execute("SELECT id, name, is_guest, source FROM athletes "
                                 "ORDER BY is_guest DESC, name COLLATE NOCASE")
        return [Athlete(r["id"], r["name"], bool(r["is_guest"]), r["source"]) for r in rows]

    def athlete(self, athlete_id: int) -> Athlete | None:
        r = self.conn.execute("SELECT id, name, is_guest, source FROM athletes WHERE id = ?",
                              (athlete_id,)).fetchone()
        return None if r is None else Athlete(r["id"], r["name"], bool(r["is_guest"]), r["source"])

    def guest_id(self) -> int:
        """The guest profile's id (re-created if someone removed it by hand)."""
        row = self.conn.execute("SELECT id FROM athletes WHERE is_guest = 1 ORDER BY id").fetchone()
        if row is not None:
            return row[0]
        return self.add_athlete(GUEST_NAME, source="guest", is_guest=True)

    def add_athlete(self, name: str, source: str = "local", is_guest: bool = False) -> int:
        """Add a profile, or return the id of the one with that name (any case)."""
        name = clean_name(name)
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM athletes WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
            if row is not None:
                return row[0]
            cur = conn.execute("INSERT INTO athletes (name, created_at, is_guest, source) "
                               "VALUES (?, ?, ?, ?)", (name, time.time(), int(is_guest), source))
            return int(cur.lastrowid)

    def import_athletes(self, names: Iterable[str], source: str = "usb") -> tuple[int, int]:
        """Add every new name in one transaction; returns (added, already there).

        ValueError (naming the name) before anything is written if one is unusable."""
        cleaned = []
        for name in names:
            try:
                cleaned.append(clean_name(name))
            except ValueError as exc:
                raise ValueError(f"athlete name {name!r}: {exc}") from None
        added = existing = 0
        with self.transaction() as conn:
            for name in cleaned:
                before = conn.total_changes
                self.add_athlete(name, source=source)
                if conn.total_changes > before:
                    added += 1
                else:
                    existing += 1
        return added, existing

    # -- recording (device/recorder.py calls these, one transaction each) -------------------
    def begin_session(self, athlete_id: int, started_at: float) -> int:
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO sessions (athlete_id, started_at) VALUES (?, ?)",
                               (athlete_id, started_at))
            return int(cur.lastrowid)

    def begin_set(self, session_id: int, started_at: float, standing_deg: float | None,
                  baseline_us: dict[str, float], trace_ready_s: float) -> tuple[int, str]:
        """Insert a set in progress; returns its id and its trace file's name (relative)."""
        with self.transaction() as conn:
            number = conn.execute("SELECT COUNT(*) FROM sets WHERE session_id = ?",
                                  (session_id,)).fetchone()[0] + 1
            cur = conn.execute(
                "INSERT INTO sets (session_id, number, started_at, standing_deg, baseline_head_us, "
                "baseline_upper_back_us, baseline_sacrum_us, trace_ready_s) VALUES (?,?,?,?,?,?,?,?)",
                (session_id, number, started_at, standing_deg, baseline_us.get("head"),
                 baseline_us.get("upper_back"), baseline_us.get("sacrum"), trace_ready_s))
            set_id = int(cur.lastrowid)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started_at))
            trace = f"{TRACE_DIR}/set-{stamp}-{set_id:06d}.csv.gz"  # unique even after a new database
            conn.execute("UPDATE sets SET trace = ? WHERE id = ?", (trace, set_id))
            conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (started_at, session_id))
        return set_id, trace

    def add_rep(self, set_id: int, rep: dict) -> None:
        """One completed rep: its own transaction, so a power cut keeps every earlier rep."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO reps (set_id, rep, start_s, end_s, depth_deg, duration_s, descent_s, "
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
            return int(cur.lastrowid)

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

    # -- reading ----------------------------------------------------------------------------
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


def row_dict(row: sqlite3.Row | None, keys: Sequence[str] | None = None) -> dict:
    """A Row as a plain dict (for JSON)."""
    if row is None:
        return {}
    return {k: row[k] for k in (keys or row.keys())}
