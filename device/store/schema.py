"""The store's tables, as numbered migrations, and how a file is brought up to date.

Why migrations and not one CREATE script: a box in the field keeps its
database across software updates. The version lives in `PRAGMA user_version`;
MIGRATIONS are applied in order from whatever version the file has, each in
its own transaction, so a crash mid-upgrade leaves the previous version intact.
A file from a newer version is refused: it is someone's good data.
"""
from __future__ import annotations

import logging
import sqlite3

from device.store.errors import StoreError

log = logging.getLogger("smartdowel.store")

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
# Schema version 3: what the box remembers between power-ons, and per-athlete set numbers.
#
# - `prefs`: the settings a coach chose in the menu and the athlete chosen
#   last, one row per key (device/store/prefs.py), so a restart keeps them.
# - `sets.athlete_set_number`: 1 for an athlete's first set on this box, 2 for
#   the next... The screen, `sessions` and the export all number sets this way
#   (the old `number` counts within a session and stays as it was). Filled in
#   for the sets already there.
# - `sets.schedule`, `sensitivity`, `mute`: the feedback schedule, loss
#   sensitivity and mute the set ran with (NULL for sets from before: not
#   known); a change during the set is appended after a '>' ("every>retention").
# - `set_series`: the summary chart's decimated series of a set (JSON), so a
#   past set opens from History with its chart without reading its trace.
_V3: tuple[str, ...] = (
    "CREATE TABLE prefs (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "ALTER TABLE sets ADD COLUMN athlete_set_number INTEGER",
    "ALTER TABLE sets ADD COLUMN schedule TEXT",
    "ALTER TABLE sets ADD COLUMN sensitivity TEXT",
    "ALTER TABLE sets ADD COLUMN mute TEXT",
    """CREATE TABLE set_series (
        set_id INTEGER PRIMARY KEY REFERENCES sets(id),
        series TEXT NOT NULL)""",
    "CREATE INDEX sessions_athlete ON sessions(athlete_id)",
    """UPDATE sets SET athlete_set_number = (
        SELECT COUNT(*) FROM sets s2 JOIN sessions e2 ON e2.id = s2.session_id
        WHERE e2.athlete_id = (SELECT athlete_id FROM sessions WHERE id = sets.session_id)
          AND s2.id <= sets.id)""",
)
# Schema version 4: the learning plan (device/core/plan.py, docs/adr/0013) kept per athlete.
#
# - `plan_state`: each athlete's place in the plan, one row (device/store/plans.py);
#   `window` and `passed_days` are JSON lists.
# - `plan_events`: every change of stage, by the box after a set (`set_id`) or by
#   the coach (`set_id` NULL); the export's plan.csv is made from it.
# - `sets.plan_stage`, `depth_target_deg`, `plan_result`: the stage the set ran in,
#   the athlete's depth target then, and for a retention test 'passed' or 'failed'
#   (NULL for sets from before, and for the guest, who has no plan). The schedule
#   the set ran with is v3's `sets.schedule`.
# - an index for "this athlete's latest sessions" (the progress screen).
_V4: tuple[str, ...] = (
    "ALTER TABLE sets ADD COLUMN plan_stage TEXT",
    "ALTER TABLE sets ADD COLUMN depth_target_deg REAL",
    "ALTER TABLE sets ADD COLUMN plan_result TEXT",
    """CREATE TABLE plan_state (
        athlete_id INTEGER PRIMARY KEY REFERENCES athletes(id),
        stage TEXT NOT NULL,
        depth_target_deg REAL NOT NULL,
        window TEXT NOT NULL DEFAULT '[]',
        passed_days TEXT NOT NULL DEFAULT '[]',
        since TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE plan_events (
        id INTEGER PRIMARY KEY,
        athlete_id INTEGER NOT NULL REFERENCES athletes(id),
        at REAL NOT NULL,
        set_id INTEGER REFERENCES sets(id),
        from_stage TEXT NOT NULL,
        to_stage TEXT NOT NULL,
        reason TEXT NOT NULL,
        by TEXT NOT NULL)""",
    "CREATE INDEX plan_events_athlete ON plan_events(athlete_id, at)",
    "CREATE INDEX sessions_athlete_started ON sessions(athlete_id, started_at)",
)
MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4)
SCHEMA_VERSION = len(MIGRATIONS)


def refuse_newer(version: int, path: str) -> None:
    """StoreError for a file written by a newer smartdowel: never touch it, say what to do."""
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: database is schema version {version}, this software knows "
                         f"up to {SCHEMA_VERSION}: update smartdowel (the file was left as it is)")


def migrate(conn: sqlite3.Connection, path: str) -> int:
    """Apply the missing migrations, one transaction each; return the final version."""
    while True:
        conn.execute("BEGIN IMMEDIATE")  # re-read inside the lock: another process may have upgraded
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            refuse_newer(version, path)
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
