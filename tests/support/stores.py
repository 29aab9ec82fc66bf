"""Stores with known content for the export and CLI tests (no tests here, only builders)."""
from __future__ import annotations

import os
import random
from pathlib import Path

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


def fill_sets(store: Store, sets: int, athletes: int, rng: random.Random, reps: int = 8) -> None:
    """`sets` finished sets of `reps` reps, shared by `athletes` athletes, four a training day over a year,
    with contact losses, the plan's columns and stage changes: bulk rows for size benchmarks (no traces)."""
    per = sets // athletes
    contacts = (("sacrum", "spinal_flexion", "bottom"), ("upper_back", "squatting", "descent"),
                ("head", "cervical_flexion", "ascent"))
    stages = ("learn", "fade", "test", "mastered")
    set_id = session = 0
    with store.transaction() as conn:
        for a in range(athletes):
            athlete = store.add_athlete(f"Athlete {a + 1:03d}")
            set_rows, rep_rows, loss_rows = [], [], []
            for k in range(per):
                if k % 4 == 0:
                    session += 1
                    day = STARTED + 86_400 * (365 * k // per) + 60 * a
                    conn.execute("INSERT INTO sessions (id, athlete_id, started_at, ended_at) VALUES (?, ?, ?, ?)",
                                 (session, athlete, day, day + 1_200))
                set_id += 1
                started = day + 240 * (k % 4)
                stage = stages[min(3, 4 * k // per)]
                result = ("passed" if rng.random() < 0.7 else "failed") if stage == "test" else None
                set_rows.append((set_id, session, k % 4 + 1, started, started + 30.0, "dowel_removed", 30.0, k + 1,
                                 "retention" if stage == "test" else "every", stage, 45.0, result))
                for r in range(1, reps + 1):
                    lost = rng.random() < 0.25
                    rep_rows.append((set_id, r, 3.0 * r, 3.0 * r + 2.4, round(rng.uniform(38, 60), 1), 2.4,
                                     1.0, 0.4, 1.0, rng.choice(contacts)[0] if lost else ""))
                    if lost:
                        contact, cause, phase = rng.choice(contacts)
                        loss_rows.append((set_id, contact, cause, 3.0 * r + 1.2, 0.4, phase, r, 1))
            conn.executemany("INSERT INTO sets (id, session_id, number, started_at, ended_at, end_reason, "
                             "duration_s, athlete_set_number, schedule, plan_stage, depth_target_deg, plan_result) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", set_rows)
            conn.executemany("INSERT INTO reps (set_id, rep, start_s, end_s, depth_deg, duration_s, descent_s, "
                             "bottom_s, ascent_s, faults) VALUES (?,?,?,?,?,?,?,?,?,?)", rep_rows)
            conn.executemany("INSERT INTO contact_losses (set_id, contact, cause, start_s, duration_s, phase, rep, "
                             "restored) VALUES (?,?,?,?,?,?,?,?)", loss_rows)
            conn.executemany("INSERT INTO plan_events (athlete_id, at, set_id, from_stage, to_stage, reason, by) "
                             "VALUES (?, ?, NULL, ?, ?, 'bench', 'box')",
                             [(athlete, STARTED + 86_400 * 90 * i, a_, b_)
                              for i, (a_, b_) in enumerate(zip(stages, stages[1:]))])


def read_only_card(data: Path, sets: int) -> list[str]:
    """`data` made a data folder holding `sets` finished sets; the command prefix under which it is
    a read-only mount (support/filesystems.py). Skips the test where none can be made."""
    import pytest

    from support.filesystems import read_only_prefix
    data.mkdir()
    with build_store(str(data), sets=sets):
        pass
    prefix = read_only_prefix(data)
    if prefix is None:
        pytest.skip("no way to make a read-only folder here (root without mount namespaces)")
    return prefix
