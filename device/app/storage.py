"""The appliance's storage: opened behind the cues, never raising into the main loop, always said.

Why a supervisor: cueing needs no storage, so nothing about storage may stop
the cues, and nothing about it may fail silently. A full or read-only card
used to keep the box from starting at all (the store was opened before the
sampler, and its error was a traceback and a restart loop); a card that
filled mid-set lost the reps after that with nothing said. Now:

- The set recorder (device/store/recorder.py) is started only after the
  sampler and the screen, and opens the store on its own thread; until then,
  and whenever the card refuses, it keeps what it could not write and tries
  again every couple of seconds (the set in progress included).
- Each change it reports becomes a `storage` event (StorageState) on the
  appliance's event queue, so the main loop logs it and shows it: a banner on
  every screen while sets are not being saved (device/view/storage.py words
  what is wrong and what to do), a notice for what the first opening found
  (a database salvaged, a damaged journal, traces finished).
- The main loop's own connection (athletes, preferences, History) is made
  once the recorder has opened the store; its writes go through `write()`,
  which never raises: a failure is a line on the screen, and the recorder is
  asked to look at the card so the state is said the same way.
- When the command line could not take the data folder's lock (a read-only
  card at start), the lock is taken here before the store is first opened;
  held by another process, the folder is "locked" and nothing is written.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from typing import Callable, TypeVar

from device.app.events import StorageState
from device.core.events import Event
from device.core.signal import SignalChain
from device.store.errors import StoreError
from device.store.faults import storage_fault
from device.store.health import SETS_INTERRUPTED, Health
from device.store.lock import DataLock, LockHeld
from device.store.recorder import SetRecorder
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from device.view.storage import finding_words, storage_view

log = logging.getLogger("smartdowel.app")
RECORDING, NOT_RECORDING = "recording", "not_recording"
T = TypeVar("T")


class StorageSupervisor:
    """The store and the set recorder for the appliance; `store` is the main loop's connection (or None)."""

    def __init__(self, folder: str, chain: SignalChain, post: Callable[[Event], None], now: Callable[[], float],
                 view: ViewModelBuilder, *, take_lock: bool = False, clock: Callable[[], float] = time.time) -> None:
        """`post` puts an event on the main loop's queue (from the recorder's thread); `now` is the
        events' clock; `clock` the wall clock the recorder dates sets by."""
        self.folder, self._post, self._now, self.view = folder, post, now, view
        self._take_lock = take_lock
        self.lock: DataLock | None = None
        self.recorder = SetRecorder(folder, chain, on_health=self._heard, open_store=self._open, start=False,
                                    clock=clock)
        self.store: Store | None = None
        self.recording = False
        self._reason = ""
        self._on_open: list[Callable[[Store], None]] = []

    def start(self) -> None:
        """Open the store behind the cues (call once the sampler and the screen run)."""
        self.recorder.start()

    def when_open(self, fn: Callable[[Store], None]) -> None:
        """`fn(store)` on the main loop once the store is open (at once if it is)."""
        self._on_open.append(fn)
        if self.store is not None:
            fn(self.store)

    # -- the recorder's thread ----------------------------------------------------------------------
    def _open(self) -> Store:
        """The first opening, on the recorder's thread: the lock if the command line could not take
        it, then the store (created, upgraded, salvaged if damaged)."""
        if self._take_lock and self.lock is None:
            try:
                self.lock = DataLock.acquire(self.folder, "smartdowel run")
            except LockHeld as exc:
                raise sqlite3.OperationalError(f"database is locked: {exc}") from None
        return Store.open(self.folder)

    def _heard(self, health: Health) -> None:
        """A report from the recorder: an event for the main loop (a queue put, nothing else)."""
        held = health.held_sets or None, health.held_reps or None
        self._post(StorageState(self._now(), state=RECORDING if health.recording else NOT_RECORDING,
                                reason=health.reason, detail=health.detail, held_sets=held[0], held_reps=held[1]))

    # -- the main loop --------------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """Every event the main loop takes; a `storage` one changes the banner (and the connection)."""
        if not isinstance(event, StorageState):
            return
        if event.state == NOT_RECORDING:
            self.recording, self._reason = False, event.reason
            self.view.set_storage(event.reason, event.held_reps or 0)  # the banner: what, and what to do
            return
        if event.reason:  # something the opening found: news for the coach, once
            words = finding_words(event.reason)
            if words is not None and event.reason != SETS_INTERRUPTED:
                self.view.set_notice(words)
            return
        self.recording, self._reason = True, ""
        self.view.set_storage(None)
        if self.store is None:
            self._attach()

    def _attach(self) -> None:
        try:
            self.store = Store.attach(self.folder)
        except StoreError as exc:
            log.error("smartdowel: the main loop cannot open the store: %s", exc)
            return
        for fn in self._on_open:
            self._safely("reading the store", fn, self.store)

    def write(self, what: str, fn: Callable[..., T], *args: object) -> tuple[T | None, str]:
        """`fn(*args)` with the main loop's store; (its result, "") or (None, words for the screen).

        Never raises: a card that refuses is said (and the recorder asked to look at it)."""
        if self.store is None:
            return None, self.not_saved(what)
        try:
            return fn(*args), ""
        except (sqlite3.Error, OSError, StoreError) as exc:
            fault = storage_fault(exc)
            log.error("smartdowel: %s: %s", what, exc)
            self.recorder.check_card()
            reason = fault.reason if fault is not None else self._reason
            return None, self.not_saved(what, reason)

    def not_saved(self, what: str, reason: str = "") -> str:
        """'Not saved (adding the stick's athletes): card full.' The screen's line when a write cannot be."""
        reason = reason or self._reason or "cannot_open"
        return f"Not saved ({what}): {storage_view(reason).headline.partition(': ')[2] or 'the card'}."

    def _safely(self, what: str, fn: Callable[..., object], *args: object) -> None:
        _, problem = self.write(what, fn, *args)
        if problem:
            self.view.set_notice(problem)

    def close(self) -> None:
        """The recorder closed (a set in progress saved as interrupted), connections and lock let go."""
        self.recorder.close()
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None
