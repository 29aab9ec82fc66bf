"""Stores with known content for the export and CLI tests (no tests here, only builders)."""
from __future__ import annotations

import os
import random

from device.store.gztrace import TraceFile
from device.core.signal import Sample, SignalChain
from device.store.store import Store

STARTED = 1_700_000_000.0
ATHLETE = 'Zoë "Z", Smith'  # a comma, quotes and a non-ASCII letter: the CSV must cope


def add_set(store: Store, session: int, i: int, reps: int = 4, finished: bool = True) -> int:
    """One set with a real gzip trace, reps (some with faults), losses, a sensor fault, dips."""
    started = STARTED + 100 * i
    set_id, rel = store.begin_set(session, started, 3.5 + i, {"head": 250.0 + i, "upper_back": 600.0,
                                                              "sacrum": 500.0}, 3.0)
    rng = random.Random(i)
    trace = TraceFile(os.path.join(store.data_dir, rel), SignalChain(), True, 0.0)
    duration = 2.0 + 2.5 * reps
    n = int((3.0 + duration) * 50)
    for k in range(n):
        t = k / 50
        pitch = round(3 + 60 * (k % 125) / 125, 2)
        trace.write(Sample(round(t, 4), 9000 + rng.randint(-50, 50), 12000, 11000, pitch))
    for r in range(1, reps + 1):
        store.add_rep(set_id, {"rep": r, "start_s": round(2.5 * r - 2.0, 3), "end_s": round(2.5 * r, 3),
                               "depth_deg": round(55.0 + 3.3 * r + i, 1), "duration_s": 2.0,
                               "descent_s": 0.81,
                               "bottom_s": 0.333, "ascent_s": 0.857,
                               "faults": ["head", "sacrum"] if r == 2 else []})
    loss = store.add_loss(set_id, "sacrum", "spinal_flexion", 3.125, "bottom", 2)
    store.restore_loss(loss, 0.55)
    store.add_loss(set_id, "head", "cervical_flexion", round(duration - 0.7, 3), "ascent", reps)
    if i % 2:
        store.note_sensor_fault(set_id, "upper_back:shorted")
    if finished:
        trace.finish()
        store.end_set(set_id, duration, "dowel_removed", n, dips=i % 3)
    else:
        trace.checkpoint()
        trace.abandon()
    return set_id


def build_store(folder: str, sets: int = 3, reps: int = 4, athlete: str = ATHLETE) -> Store:
    """A store with one athlete's session of `sets` finished sets."""
    store = Store.open(folder)
    athlete_id = store.add_athlete(athlete)
    session = store.begin_session(athlete_id, STARTED)
    for i in range(sets):
        add_set(store, session, i, reps)
    return store


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table: to show the store was not touched."""
    tables = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: [tuple(r) for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY rowid")] for t in tables}


def many_sets(folder: str, sets: int = 50_000, athletes: int = 2, reps: int = 4) -> int:
    """A store with `sets` finished sets (reps and losses, no traces) shared by `athletes`, quickly.

    For what must not grow with the store (History's pages): rows written in
    bulk, as years of use would leave them. Returns the first athlete's id."""
    with Store.open(folder) as store:
        ids = [store.add_athlete(f"Athlete {a + 1}") for a in range(athletes)]
        conn = store.conn
        with store.transaction():
            session = 0
            for i in range(sets):
                athlete = ids[i % athletes]
                if i % (10 * athletes) < athletes:
                    session = conn.execute("INSERT INTO sessions (athlete_id, started_at, ended_at) VALUES (?,?,?)",
                                           (athlete, STARTED + 60 * i, STARTED + 60 * i + 600)).lastrowid
                conn.execute("INSERT INTO sets (session_id, number, started_at, ended_at, end_reason, duration_s, "
                             "standing_deg, trace, samples, athlete_set_number) VALUES (?,?,?,?,?,?,?,?,?,?)",
                             (session, i // athletes + 1, STARTED + 60 * i, STARTED + 60 * i + 20, "dowel_removed",
                              20.0, 3.0, f"traces/none-{i}.csv.gz", 2000, i // athletes + 1))
                set_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
                conn.executemany("INSERT INTO reps (set_id, rep, start_s, end_s, depth_deg, duration_s, faults) "
                                 "VALUES (?,?,?,?,?,?,?)",
                                 [(set_id, r, 2.5 * r - 2.0, 2.5 * r, 55.0 + r, 2.0, "sacrum" if r == 2 else "")
                                  for r in range(1, reps + 1)])
        return ids[0]
