"""Who is training and how the box is set: athletes, settings and History, kept in the store.

Why its own module: the menu's commands about people and settings all do the
same three things (change the store durably, tell the recorder what the next
set is, show it), and the appliance's main loop should only dispatch them.
Runs on the main loop's thread with the main store connection.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from typing import Callable

from device.core.settings import LiveSettings, cycled
from device.store.history import athlete_sets, past_set
from device.store.prefs import ATHLETE_KEY, save_pref, saved_athlete, saved_settings
from device.store.setmeta import save_series
from device.store.recorder import SetRecorder
from device.store.athletes import Athlete
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from device.view.model import SeriesView, SummaryView

log = logging.getLogger("smartdowel.app")


class Profile:
    """The chosen athlete and the live settings, as saved in the store and shown on the screen."""

    def __init__(self, store: Store, view: ViewModelBuilder, recorder: SetRecorder,
                 defaults: LiveSettings, apply: Callable[[LiveSettings, LiveSettings], None],
                 chosen: Callable[[Athlete], None] = lambda athlete: None) -> None:
        """`apply(old, new)` puts changed settings to work (and tells the recorder); `chosen(athlete)`
        hears of the athlete of the next set (the learning plan is theirs)."""
        self.store, self.view, self.recorder, self.apply, self.chosen = store, view, recorder, apply, chosen
        self.settings = saved_settings(store, defaults)
        self.athletes: list[Athlete] = []
        self.athlete: Athlete | None = None
        self.reload(saved_athlete(store))

    # -- athletes ------------------------------------------------------------------------------
    def reload(self, chosen_id: int | None = None) -> None:
        """The picker from the store (again after a stick or the name entry brought names)."""
        self.athletes = self.store.athletes()
        keep = chosen_id if chosen_id is not None else (self.athlete.id if self.athlete else None)
        self.athlete = next((a for a in self.athletes if a.id == keep), None) or \
            next(a for a in self.athletes if a.is_guest)
        self.recorder.set_athlete(self.athlete.id)
        self.view.set_athletes([a.name for a in self.athletes], self.athlete.name,
                               self.store.sets_done(self.athlete.id))
        self.chosen(self.athlete)

    def pick(self, name: str) -> bool:
        """Make `name` the athlete of the next set (the set in progress keeps its own)."""
        athlete = next((a for a in self.athletes if a.name == name), None)
        if athlete is None:
            return False
        self.reload(athlete.id)
        save_pref(self.store, ATHLETE_KEY, athlete.id)
        return True

    def add(self, name: str) -> str:
        """A name typed on the box: added (or found) and chosen; '' or why not."""
        try:
            athlete_id = self.store.add_athlete(name)
        except ValueError as exc:
            return f"{name!r}: {exc}"
        self.reload(athlete_id)
        save_pref(self.store, ATHLETE_KEY, athlete_id)
        return ""

    def rename(self, old: str, new: str) -> str:
        try:
            athlete_id = self.store.rename_athlete(old, new)
        except ValueError as exc:
            return str(exc)
        self.reload(athlete_id)
        return ""

    # -- settings ------------------------------------------------------------------------------
    def change(self, key: str) -> LiveSettings:
        """One press on a settings row: the next value, applied (and recorded), saved, shown."""
        old, self.settings = self.settings, cycled(self.settings, key)
        self.apply(old, self.settings)
        save_pref(self.store, key, getattr(self.settings, key))
        self.view.set_settings(self.settings)
        return self.settings

    # -- history -------------------------------------------------------------------------------
    def load_history(self) -> None:
        assert self.athlete is not None
        self.view.set_history(athlete_sets(self.store, self.athlete.id))

    def open_set(self, set_id: int) -> None:
        record = past_set(self.store, set_id)
        self.view.set_past(None if record is None else summary_of(record))


def summary_of(record: dict) -> SummaryView:
    """A past set from the store as the summary screen shows it."""
    tempo = record["tempo"]
    mean_tempo = tuple(round(sum(t[i] for t in tempo) / len(tempo), 2) for i in range(3)) if tempo else None
    depth = record["mean_depth_deg"]
    started = record["started_at"]
    return SummaryView(
        set_no=record["number"] or 0, reps=record["reps"], clean_reps=record["clean_reps"],
        losses=tuple(record["losses"].items()), mean_depth_deg=None if depth is None else round(depth, 1),
        tempo_s=mean_tempo,
        duration_s=round(record["duration_s"] or 0.0, 1), series=series_of(record["series"]),
        athlete=record["athlete"], has_imu=record["standing_deg"] is not None, dips=record["dips"],
        when=time.strftime("%a %d %b %H:%M", time.localtime(started)) if started else "")


def series_to_json(series: SeriesView) -> str:
    """The summary chart's series as the store keeps it (History opens it again)."""
    return json.dumps(dataclasses.asdict(series), separators=(",", ":"))


def series_write(series: SeriesView) -> Callable[[Store, int], None]:
    """The write that keeps a set's chart series, for the recorder's `attach` (the set's id is its)."""
    text = series_to_json(series)
    return lambda store, set_id: save_series(store, set_id, text)


def series_of(data: dict | None) -> SeriesView:
    """Back from JSON; an unreadable one is no chart rather than no summary."""
    if not data:
        return SeriesView()
    try:
        pitch = data.get("pitch")
        return SeriesView(t=tuple(data["t"]),
                          pressure=tuple((c, tuple(v)) for c, v in data["pressure"]),
                          pitch=None if pitch is None else tuple(pitch),
                          losses=tuple(tuple(x) for x in data["losses"]),
                          reps=tuple(tuple(x) for x in data["reps"]))
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("smartdowel: a set's chart series could not be read: %s", exc)
        return SeriesView()
