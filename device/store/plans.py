"""Each athlete's learning plan in the store: its state, its changes of stage, and each set's part in it.

Why here and written in one transaction per set: the plan (device/core/plan.py)
is pure and returns a new state and its events after every set; what the box
must not do is keep the new state and lose the set's columns, or the other
way round, after a power cut. So a set's plan columns, the athlete's new
state and the set's stage changes are one commit, made on the recorder's
thread with the set's own id (device/app/coach.py hands it over). A coach's
change (a stage set by hand, a new depth target) is a commit of its own.

    >>> import tempfile
    >>> from device.store.store import Store
    >>> with Store.open(tempfile.mkdtemp()) as store:
    ...     athlete = store.add_athlete("Ana")
    ...     save_state(store, athlete, PlanState(Stage.FADE, 45.0, window=((7, 8),), since="2026-03-02"))
    ...     load_state(store, athlete)
    PlanState(stage=<Stage.FADE: 'fade'>, depth_target_deg=45.0, window=((7, 8),), passed_days=(), since='2026-03-02')
"""
from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any, Iterable

from device.core.events import Event
from device.core.plan import PlanSet, PlanStageChanged, PlanState, Stage
from device.store.connection import Connected

log = logging.getLogger("smartdowel.store")

PLAN_EVENTS_SQL = ("SELECT p.*, a.name AS athlete FROM plan_events p JOIN athletes a ON a.id = p.athlete_id")


def load_state(store: Connected, athlete_id: int) -> PlanState | None:
    """The athlete's plan as last saved; None if they have none yet (or the row is unreadable)."""
    row = store.conn.execute("SELECT * FROM plan_state WHERE athlete_id = ?", (athlete_id,)).fetchone()
    if row is None:
        return None
    try:
        window = tuple((int(g), int(n)) for g, n in json.loads(row["window"]))
        days = tuple(str(d) for d in json.loads(row["passed_days"]))
        return PlanState(Stage(row["stage"]), float(row["depth_target_deg"]), window, days, row["since"])
    except (ValueError, TypeError) as exc:  # an edited or foreign file: start the plan again, say so
        log.warning("smartdowel: athlete %d's plan could not be read (%s): it starts again", athlete_id, exc)
        return None


def save_state(store: Connected, athlete_id: int, state: PlanState) -> None:
    """Keep `state` as the athlete's plan (joins the caller's transaction if there is one)."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO plan_state (athlete_id, stage, depth_target_deg, window, passed_days, since) "
                     "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(athlete_id) DO UPDATE SET stage = excluded.stage, "
                     "depth_target_deg = excluded.depth_target_deg, window = excluded.window, "
                     "passed_days = excluded.passed_days, since = excluded.since",
                     (athlete_id, str(state.stage), state.depth_target_deg,
                      json.dumps([list(w) for w in state.window]), json.dumps(list(state.passed_days)),
                      state.since))


def add_changes(store: Connected, athlete_id: int, at: float, events: Iterable[Event],
                set_id: int | None = None) -> int:
    """The `plan_stage` events among `events` as rows of plan_events; how many there were."""
    n = 0
    with store.transaction() as conn:
        for e in events:
            if isinstance(e, PlanStageChanged):
                conn.execute("INSERT INTO plan_events (athlete_id, at, set_id, from_stage, to_stage, reason, by) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (athlete_id, at, set_id, e.from_stage, e.to_stage, e.reason, e.by))
                n += 1
    return n


def record_set(store: Connected, set_id: int, athlete_id: int, ran_in: PlanState, after: PlanState,
               events: Iterable[Event], at: float) -> None:
    """A finished set's part in the plan, in one transaction: the set's columns (the stage and
    target it ran under, a test's result), the athlete's new state, its changes of stage."""
    events = list(events)
    passed = next((e.passed for e in events if isinstance(e, PlanSet)), None)
    result = None if passed is None else ("passed" if passed else "failed")
    with store.transaction() as conn:
        conn.execute("UPDATE sets SET plan_stage = ?, depth_target_deg = ?, plan_result = ? WHERE id = ?",
                     (str(ran_in.stage), ran_in.depth_target_deg, result, set_id))
        save_state(store, athlete_id, after)
        add_changes(store, athlete_id, at, events, set_id)


def record_change(store: Connected, athlete_id: int, state: PlanState, events: Iterable[Event],
                  at: float) -> None:
    """The coach's change (a stage or a depth target set by hand): state and events, one commit."""
    with store.transaction():
        save_state(store, athlete_id, state)
        add_changes(store, athlete_id, at, events)


def plan_history(store: Connected, athlete_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The athlete's changes of stage, newest first (the screens)."""
    rows = store.conn.execute(f"{PLAN_EVENTS_SQL} WHERE p.athlete_id = ? ORDER BY p.at DESC, p.id DESC LIMIT ?",
                              (athlete_id, limit))
    return [dict(r) for r in rows]


def as_event(row: sqlite3.Row) -> PlanStageChanged:
    """A stored change of stage as the event it was (for plan.csv's `plan_row`)."""
    return PlanStageChanged(0.0, athlete=row["athlete"], from_stage=row["from_stage"], to_stage=row["to_stage"],
                            reason=row["reason"], by=row["by"], set_id=row["set_id"])
