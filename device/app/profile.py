"""Who is training and how the box is set: athletes, settings and History, kept in the store.

Why its own module: the menu's commands about people and settings all do the
same three things (change the store durably, tell the recorder what the next
set is, show it), and the appliance's main loop should only dispatch them.
Runs on the main loop's thread with the main store connection.

The store may not be open yet (it opens behind the cues), or may refuse
writes (a full or read-only card): the box then runs as the guest with the
configured settings, a change is applied at once and saved when the store
opens, and a write that fails is a line on the screen, never an exception
(device/app/storage.py). History is read a page at a time off the main loop
(device/app/history.py).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from typing import Callable

from device.app.history import HistoryPages
from device.app.storage import StorageSupervisor
from device.core.settings import SETTING_KEYS, LiveSettings, cycled
from device.store.athletes import GUEST_NAME, Athlete
from device.store.history import past_set
from device.store.prefs import ATHLETE_KEY, save_pref, saved_athlete, saved_settings
from device.store.setmeta import save_series
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from device.view.model import SeriesView, SummaryView

log = logging.getLogger("smartdowel.app")
NO_STORE_GUEST = Athlete(0, GUEST_NAME, True, "guest")  # the guest until the store says its id


class Profile:
    """The chosen athlete and the live settings, as saved in the store and shown on the screen."""

    def __init__(self, storage: StorageSupervisor, view: ViewModelBuilder, defaults: LiveSettings,
                 apply: Callable[[LiveSettings, LiveSettings], None],
                 chosen: Callable[[Athlete], None] = lambda athlete: None,
                 restored: Callable[[Athlete | None, LiveSettings], None] = lambda athlete, settings: None) -> None:
        """`apply(old, new)` puts changed settings to work (and tells the recorder); `chosen(athlete)`
        hears of the athlete of the next set (the learning plan is theirs); `restored(athlete,
        settings)` of what the store kept from the last run, once it opens."""
        self.storage, self.view, self.apply, self.chosen = storage, view, apply, chosen
        self.restored = restored
        self.recorder = storage.recorder
        self.settings = defaults
        self._changed: set[str] = set()  # settings changed before the store opened: saved when it does
        self.athletes: list[Athlete] = [NO_STORE_GUEST]
        self.athlete: Athlete | None = NO_STORE_GUEST
        self.history = HistoryPages(storage.folder)
        self.reload()
        storage.when_open(self._opened)

    def _opened(self, store: Store) -> None:
        """The store is open: its saved settings and athlete (a change made meanwhile wins and is saved)."""
        saved = saved_settings(store, self.settings)
        keep = {k: getattr(self.settings, k) for k in self._changed}
        new = dataclasses.replace(saved, **keep)
        for key in self._changed:
            self.storage.write("saving a setting", save_pref, store, key, getattr(new, key))
        self._changed.clear()
        if new != self.settings:
            old, self.settings = self.settings, new
            self.apply(old, new)
            self.view.set_settings(new)
        self.reload(saved_athlete(store))
        self.restored(self.athlete, self.settings)

    # -- athletes ------------------------------------------------------------------------------
    def reload(self, chosen_id: int | None = None) -> None:
        """The picker from the store (again after a stick or the name entry brought names)."""
        store = self.storage.store
        if store is None:
            self.view.set_athletes([NO_STORE_GUEST.name], NO_STORE_GUEST.name, 0)
            self.chosen(NO_STORE_GUEST)
            return
        athletes, _ = self.storage.write("reading the athletes", store.athletes)
        if not athletes:
            return
        self.athletes = athletes
        keep = chosen_id if chosen_id is not None else (self.athlete.id if self.athlete else None)
        self.athlete = next((a for a in self.athletes if a.id == keep), None) or \
            next(a for a in self.athletes if a.is_guest)
        self.recorder.set_athlete(self.athlete.id)
        done, _ = self.storage.write("reading the sets", store.sets_done, self.athlete.id)
        self.view.set_athletes([a.name for a in self.athletes], self.athlete.name, done)
        self.chosen(self.athlete)

    def pick(self, name: str) -> bool:
        """Make `name` the athlete of the next set (the set in progress keeps its own)."""
        athlete = next((a for a in self.athletes if a.name == name), None)
        if athlete is None or self.storage.store is None:
            return False
        self.reload(athlete.id)
        self._save(ATHLETE_KEY, athlete.id)
        return True

    def add(self, name: str) -> str:
        """A name typed on the box: added (or found) and chosen; '' or why not."""
        store = self.storage.store
        if store is None:
            return self.storage.not_saved("adding an athlete")
        try:
            athlete_id, problem = self.storage.write("adding an athlete", store.add_athlete, name)
        except ValueError as exc:
            return f"{name!r}: {exc}"
        if athlete_id is None:
            return problem
        self.reload(athlete_id)
        self._save(ATHLETE_KEY, athlete_id)
        return ""

    def rename(self, old: str, new: str) -> str:
        store = self.storage.store
        if store is None:
            return self.storage.not_saved("renaming an athlete")
        try:
            athlete_id, problem = self.storage.write("renaming an athlete", store.rename_athlete, old, new)
        except ValueError as exc:
            return str(exc)
        if athlete_id is None:
            return problem
        self.reload(athlete_id)
        return ""

    # -- settings ------------------------------------------------------------------------------
    def change(self, key: str) -> LiveSettings:
        """One press on a settings row: the next value, applied (and recorded), saved, shown."""
        old, self.settings = self.settings, cycled(self.settings, key)
        self.apply(old, self.settings)
        if key in SETTING_KEYS:
            self._save(key, getattr(self.settings, key))
        self.view.set_settings(self.settings)
        return self.settings

    def _save(self, key: str, value: object) -> None:
        """A preference saved now, or (no store yet) when the store opens; a failure is shown."""
        store = self.storage.store
        if store is None:
            if key in SETTING_KEYS:
                self._changed.add(key)
            return
        _, problem = self.storage.write("saving a setting", save_pref, store, key, value)
        if problem:
            self.view.set_notice(problem)

    # -- history -------------------------------------------------------------------------------
    def load_history(self, before: int | None = None) -> None:
        """Ask for a page of the athlete's sets; it is shown when it comes (`tick`)."""
        if self.athlete is None or self.storage.store is None:
            self.view.set_history([])
            return
        self.view.history_loading()
        self.history.ask(self.athlete.id, before)

    def tick(self) -> None:
        """Each turn of the main loop: a page of History that has come is shown."""
        page = self.history.take()
        if page is not None:
            self.view.set_history(page.rows, more=page.more)

    def open_set(self, set_id: int) -> None:
        store = self.storage.store
        record = None
        if store is not None:
            record, _ = self.storage.write("reading a set", past_set, store, set_id)
        self.view.set_past(None if record is None else summary_of(record))

    def close(self) -> None:
        self.history.close()


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
