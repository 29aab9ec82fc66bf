"""History's pages, read on a small thread of their own: the main loop never waits for the card.

Why a thread: the main loop draws the screen and kicks nothing slow; a query
on a store of years of sets, on a Pi Zero's SD card, can take far longer
than a frame (opening History on 50,000 sets held the main loop for over
half a second, several on a Zero). The page query itself is bounded
(device/store/history.py: a page, keyed on the set id), and it runs here
with its own connection; the main loop asks (`ask`) and, at each turn,
takes the page if it has come (`take`). Only the newest request counts: a
coach pressing on does not queue up pages nobody will see.
"""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from device.store.errors import StoreError
from device.store.history import HISTORY_ROWS, athlete_sets
from device.store.store import Store

log = logging.getLogger("smartdowel.app")


@dataclass(frozen=True)
class Page:
    """One page of an athlete's sets, newest first; `more`: older ones follow."""

    athlete_id: int
    before: int | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False
    error: str = ""


class HistoryPages:
    """Pages of History on a worker thread; `ask` and `take` are for the main loop and never block."""

    def __init__(self, folder: str, rows: int = HISTORY_ROWS) -> None:
        self.folder, self.rows = folder, rows
        self._asked: queue.SimpleQueue[tuple[int, int | None] | None] = queue.SimpleQueue()
        self._pages: queue.SimpleQueue[Page] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._latest: tuple[int, int | None] | None = None

    def ask(self, athlete_id: int, before: int | None = None) -> None:
        """The page of `athlete_id`'s sets older than set `before` (None: the newest)."""
        self._latest = (athlete_id, before)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="smartdowel-history", daemon=True)
            self._thread.start()
        self._asked.put(self._latest)

    def take(self) -> Page | None:
        """The page last asked for, once it has come (older answers are dropped)."""
        while True:
            try:
                page = self._pages.get_nowait()
            except queue.Empty:
                return None
            if (page.athlete_id, page.before) == self._latest:
                return page

    def close(self) -> None:
        if self._thread is not None:
            self._asked.put(None)
            self._thread.join(5.0)

    def _run(self) -> None:
        store: Store | None = None
        while True:
            asked = self._asked.get()
            while not self._asked.empty():  # only the newest request counts
                asked = self._asked.get()
            if asked is None:
                break
            athlete_id, before = asked
            try:
                store = store or Store.attach(self.folder)
                rows = athlete_sets(store, athlete_id, self.rows + 1, before)
                self._pages.put(Page(athlete_id, before, rows[:self.rows], len(rows) > self.rows))
            except (sqlite3.Error, StoreError) as exc:
                log.error("smartdowel: History could not be read: %s", exc)
                self._pages.put(Page(athlete_id, before, error=str(exc)))
                if store is not None:
                    store.close()
                store = None
        if store is not None:
            store.close()
