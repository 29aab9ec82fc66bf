"""The progress screen's view model from the store's numbers (device/store/progress.py).

Why in the app: the store and the view know nothing of each other (the
layers, docs/adr/0008); the app turns rows into what the screen draws.
"""
from __future__ import annotations

import time
from typing import Any

from device.store.athletes import Athlete
from device.store.progress import athlete_progress
from device.store.store import Store
from device.view.model import ProgressView, SessionPoint


def load_progress(store: Store, athlete: Athlete) -> ProgressView:
    """The athlete's latest sessions, contacts that break most, and stage changes, ready to draw."""
    data = athlete_progress(store, athlete.id)
    history = tuple((_day(h["at"]), h["from_stage"], h["to_stage"], h["by"]) for h in data["history"])
    return ProgressView(athlete.name, tuple(_point(r) for r in data["sessions"]), tuple(data["breaks"]), history,
                        store.sets_done(athlete.id))


def _point(r: dict[str, Any]) -> SessionPoint:
    reps = int(r["reps"] or 0)
    tempo = None
    if r["descent_s"] is not None and r["bottom_s"] is not None and r["ascent_s"] is not None:
        tempo = (round(r["descent_s"], 2), round(r["bottom_s"], 2), round(r["ascent_s"], 2))
    return SessionPoint(_day(r["started_at"]), reps,
                        round(100.0 * (r["clean_reps"] or 0) / reps, 1) if reps else None,
                        None if r["depth_deg"] is None else round(r["depth_deg"], 1),
                        r["depth_target_deg"], tempo, r["plan_stage"] or "", tuple(r["tests"]))


def _day(ts: float) -> str:
    """'3 Mar': a session's date as the chart's axis says it."""
    t = time.localtime(ts)
    return f"{t.tm_mday} {time.strftime('%b', t)}"
