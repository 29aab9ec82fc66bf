"""The store: schema and migrations, broken files moved aside, athletes, crash safety of a rep."""
from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from device.store.athletes import clean_name
from device.store.connection import DB_NAME
from device.store.errors import StoreError
from device.store.queries import iso
from device.store.schema import MIGRATIONS, SCHEMA_VERSION
from device.store.store import Store
from support.repo import REPO

ROOT = str(REPO)

# The first release's schema, written out here on purpose: if someone edits MIGRATIONS[0]
# the upgrade of a real v1 file is still what is tested.
V1_SQL = """
CREATE TABLE athletes (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at REAL NOT NULL,
    is_guest INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX athletes_name ON athletes(name COLLATE NOCASE);
INSERT INTO athletes (name, created_at, is_guest) VALUES ('Guest', 1700000000, 1), ('Anna', 1700000001, 0);
CREATE TABLE sessions (id INTEGER PRIMARY KEY, athlete_id INTEGER NOT NULL REFERENCES athletes(id),
    started_at REAL NOT NULL, ended_at REAL);
CREATE TABLE sets (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    number INTEGER NOT NULL, started_at REAL NOT NULL, ended_at REAL, end_reason TEXT, duration_s REAL,
    standing_deg REAL, baseline_head_us REAL, baseline_upper_back_us REAL, baseline_sacrum_us REAL,
    trace TEXT, trace_ready_s REAL, samples INTEGER NOT NULL DEFAULT 0, dips INTEGER NOT NULL DEFAULT 0,
    sensor_faults TEXT NOT NULL DEFAULT '');
CREATE INDEX sets_session ON sets(session_id);
CREATE TABLE reps (set_id INTEGER NOT NULL REFERENCES sets(id), rep INTEGER NOT NULL, start_s REAL,
    end_s REAL NOT NULL, depth_deg REAL, duration_s REAL, descent_s REAL, bottom_s REAL, ascent_s REAL,
    faults TEXT NOT NULL DEFAULT '', PRIMARY KEY (set_id, rep));
CREATE TABLE contact_losses (id INTEGER PRIMARY KEY, set_id INTEGER NOT NULL REFERENCES sets(id),
    contact TEXT NOT NULL CHECK (contact IN ('head', 'upper_back', 'sacrum')), cause TEXT NOT NULL,
    start_s REAL NOT NULL, duration_s REAL, phase TEXT, rep INTEGER, restored INTEGER NOT NULL DEFAULT 0);
CREATE INDEX contact_losses_set ON contact_losses(set_id);
INSERT INTO sessions VALUES (1, 2, 1700000100, 1700000200);
INSERT INTO sets VALUES (1, 1, 1, 1700000100, 1700000160, 'dowel_removed', 60.0, 4.2, 250, 600, 500,
    'traces/set-1.csv.gz', 3.0, 6000, 1, '');
INSERT INTO reps VALUES (1, 1, 2.0, 4.5, 71.5, 2.5, 1.1, 0.3, 1.1, 'sacrum');
INSERT INTO contact_losses VALUES (1, 1, 'sacrum', 'spinal_flexion', 3.1, 0.55, 'bottom', 1, 1);
PRAGMA user_version = 1;
"""


def make_v1(folder) -> str:
    path = os.path.join(folder, DB_NAME)
    conn = sqlite3.connect(path)
    conn.executescript(V1_SQL)
    conn.close()
    return path


def columns(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    return {t: [tuple(c)[1:] for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def test_new_store_settings_schema_and_guest(tmp_path):
    with Store.open(str(tmp_path / "data")) as store:
        conn = store.conn
        assert store.version == SCHEMA_VERSION == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert {"athletes", "sessions", "sets", "reps", "contact_losses", "exports"} <= set(columns(conn))
        guest = store.athletes()[0]
        assert (guest.name, guest.is_guest, guest.source) == ("Guest", True, "guest")
        assert store.guest_id() == guest.id
        with pytest.raises(sqlite3.IntegrityError):  # foreign keys really are on
            store.begin_session(999, 1.0)
        assert os.path.isdir(store.trace_dir)


def test_v1_file_is_upgraded_keeping_its_data(tmp_path):
    make_v1(str(tmp_path))
    with Store.open(str(tmp_path)) as store:
        assert store.version == SCHEMA_VERSION
        rows = list(store.iter_set_summaries())
        assert [(r["athlete"], r["reps"], r["losses"], r["export_id"]) for r in rows] == [("Anna", 1, 1, None)]
        rep = store.reps_of(1)[0]
        assert (rep["depth_deg"], rep["faults"]) == (71.5, "sacrum")
        assert {a.name: a.source for a in store.athletes()} == {"Guest": "guest", "Anna": "local"}
        assert store.integrity() == "ok"
        upgraded = columns(store.conn)
    with Store.open(str(tmp_path / "fresh")) as fresh:
        assert columns(fresh.conn) == upgraded  # upgrading v1 gives exactly a new store's schema


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    make_v1(str(tmp_path))
    broken = (MIGRATIONS[0], MIGRATIONS[1] + ("CREATE TABLE reps (x)",))  # fails after earlier statements
    monkeypatch.setattr("device.store.schema.MIGRATIONS", broken)
    with pytest.raises(StoreError, match="cannot upgrade"):
        Store.open(str(tmp_path))
    conn = sqlite3.connect(os.path.join(str(tmp_path), DB_NAME))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "exports" not in columns(conn)  # the half-done step was rolled back


def test_newer_database_is_refused_and_left_alone(tmp_path):
    path = make_v1(str(tmp_path))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = open(path, "rb").read()
    with pytest.raises(StoreError, match="version 99.*update smartdowel"):
        Store.open(str(tmp_path))
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == [DB_NAME, "traces"]  # not moved aside, no WAL made


def test_not_a_database_is_moved_aside_and_a_new_one_started(tmp_path, caplog):
    path = tmp_path / DB_NAME
    junk = b"this is not sqlite " * 300
    path.write_bytes(junk)
    (tmp_path / (DB_NAME + "-wal")).write_bytes(b"wal bytes")
    with caplog.at_level(logging.ERROR, logger="smartdowel.store"):
        store = Store.open(str(tmp_path), now=1_700_000_000.0)
    with store:
        assert store.moved_aside == str(path) + ".broken-20231114T221320Z"
        assert open(store.moved_aside, "rb").read() == junk  # nothing deleted
        assert open(store.moved_aside + "-wal", "rb").read() == b"wal bytes"
        assert [a.name for a in store.athletes()] == ["Guest"]
        assert store.integrity() == "ok"
    messages = [r.getMessage() for r in caplog.records]
    assert any(str(path) in m and store.moved_aside in m and "Nothing was deleted" in m for m in messages)
    assert store.notices and "kept as smartdowel.db.broken-20231114T221320Z" in store.notices[0]


def test_corrupt_database_is_moved_aside_twice_without_clobbering(tmp_path):
    for round_ in range(2):
        with Store.open(str(tmp_path)) as store:
            store.add_athlete(f"Anna {round_}")
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = tmp_path / DB_NAME
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xa5" * (4096 - 100)  # page 1 (the schema) garbled past the header
        path.write_bytes(bytes(data))
        with Store.open(str(tmp_path), now=1_700_000_000.0) as store:
            assert store.moved_aside is not None
            assert [a.name for a in store.athletes()] == ["Guest"]
    aside = sorted(n for n in os.listdir(tmp_path) if ".broken-" in n and not n.endswith(("-wal", "-shm")))
    assert aside == [f"{DB_NAME}.broken-20231114T221320Z", f"{DB_NAME}.broken-20231114T221320Z-2"]


def test_cli_mode_refuses_a_broken_database_without_moving_it(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"garbage" * 1000)
    with pytest.raises(StoreError, match=f"{DB_NAME}: cannot open the database"):
        Store.open(str(tmp_path), recover=False)
    assert sorted(os.listdir(tmp_path)) == [DB_NAME, "traces"]
    with pytest.raises(StoreError, match="no database here yet"):
        Store.open(str(tmp_path / "nowhere"), create=False)


def test_athletes_names_and_import(tmp_path):
    with Store.open(str(tmp_path)) as store:
        anna = store.add_athlete("  Anna   Berg ")
        assert store.add_athlete("anna berg") == anna  # one profile per name, any case
        assert store.import_athletes(["Ben", "ANNA BERG", "Zoë"]) == (2, 1)
        assert [a.name for a in store.athletes()] == ["Guest", "Anna Berg", "Ben", "Zoë"]
        assert store.athlete(anna).source == "local"
        with pytest.raises(ValueError, match="'Bad\\\\x00'"):
            store.import_athletes(["Carl", "Bad\x00"])
        assert "Carl" not in [a.name for a in store.athletes()]  # all or nothing
    for bad in ("", "   ", "x" * 41, "bell\x07", "rtl\u202eoverride"):
        with pytest.raises(ValueError):
            clean_name(bad)
    assert iso(1_700_000_000.0)[:4] == "2023" and iso(None) == ""


KILL_CHILD = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {root!r})
    from device.store.store import Store
    kill_at = int(sys.argv[2])
    store = Store.open(sys.argv[1])
    session = store.begin_session(store.guest_id(), 1.7e9)
    set_id, _ = store.begin_set(session, 1.7e9, 3.0, {{}}, 3.0)
    count = [0]
    def trace(statement):
        count[0] += 1
        if count[0] == kill_at:
            os._exit(9)  # the process dies here: no commit, no rollback, no close
    store.conn.set_trace_callback(trace)
    for rep in range(1, 5):
        store.add_rep(set_id, {{"rep": rep, "start_s": rep * 3.0, "end_s": rep * 3.0 + 2.5,
                               "depth_deg": 60.0 + rep, "duration_s": 2.5, "faults": []}})
    print(count[0])
""")


def test_a_kill_at_every_statement_of_the_rep_writes_keeps_every_earlier_rep(tmp_path):
    """Die before each statement of four reps' writes (BEGIN, INSERT, COMMIT...): every
    earlier rep is there, whole, and the file is sound."""
    child = KILL_CHILD.format(root=ROOT)
    total = int(subprocess.run([sys.executable, "-c", child, str(tmp_path / "full"), "0"], check=True,
                               capture_output=True, text=True).stdout)
    assert total == 12  # BEGIN IMMEDIATE, INSERT, COMMIT per rep
    kept_before = 0
    for kill_at in range(1, total + 1):
        folder = tmp_path / f"kill{kill_at}"
        proc = subprocess.run([sys.executable, "-c", child, str(folder), str(kill_at)], capture_output=True)
        assert proc.returncode == 9, proc.stderr
        with Store.open(str(folder)) as store:
            assert store.integrity() == "ok"
            reps = store.reps_of(1)
            kept = len(reps)
            assert [r["rep"] for r in reps] == list(range(1, kept + 1))
            for r in reps:
                assert (r["depth_deg"], r["end_s"]) == (60.0 + r["rep"], r["rep"] * 3.0 + 2.5)
        assert kept == (kill_at - 1) // 3  # a rep is there exactly when its COMMIT ran
        assert kept >= kept_before
        kept_before = kept
