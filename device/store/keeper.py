"""The recorder's sets on their way to the card: held in order, written as far as the card takes.

Why apart from the recorder (device/store/recorder.py): the recorder turns
events and samples into sets in memory, which never fails; this side owns
everything that touches the card and may fail: the store connection (opened
and recovered the first time, reconnected after a fault), the sets not yet
all written, when to write and when to try again, what the owner is told
(device/store/health.py), and the barriers a stick waits on. Both run on the
recorder's one thread.
"""
from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from device.store.faults import CANNOT_OPEN, StorageFault, diagnose, look, probe
from device.store.health import CHECK_S, Health, HealthWatch
from device.store.liveset import CardRefused, LiveSet, SetWriter
from device.store.recovery import report_recovery
from device.store.store import Store

log = logging.getLogger("smartdowel.recorder")


@dataclass
class Barrier:
    """Set once every set that ended before it was asked for is on the card, or cannot be now.

    `complete`: all of them are on the card; else `held` of them wait for a card that refuses."""

    _event: threading.Event = field(default_factory=threading.Event)
    target: int = 0
    complete: bool = False
    held: int = 0

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)

    @property
    def done(self) -> bool:
        return self._event.is_set()

    def release(self, complete: bool, held: int = 0) -> None:
        self.complete, self.held = complete, held
        self._event.set()


class CardKeeper:
    """Held sets, the store connection and the card's health, for the recorder's thread."""

    def __init__(self, folder: str, open_first: Callable[[], Store], on_health: Callable[[Health], None] | None,
                 monotonic: Callable[[], float], fail: Callable[[str, BaseException], None]) -> None:
        self.folder, self._open_first, self._mono = folder, open_first, monotonic
        self.sets: deque[LiveSet] = deque()  # not yet all on the card, oldest first
        self.live: LiveSet | None = None  # the set in progress, whose trace is drained every CHECK_S
        self.store: Store | None = None
        self._first: Store | None = None  # the first store opened: later connections are its clones
        self._findings: list[tuple[str, str]] = []  # what the first opening found, said once recording
        self.writer = SetWriter(self.db, folder, fail)
        self.writer.on_set_done = self._written
        self.health = HealthWatch(on_health, monotonic)
        self.written_sets = 0
        self._at_fault = (0, 0)  # reps and sets written when the card last refused
        self._barriers: list[Barrier] = []
        self._next_check = 0.0

    @property
    def held_reps(self) -> int:
        return sum(ls.held_reps for ls in list(self.sets))

    @property
    def held_bytes(self) -> int:
        return sum(ls.trace.held_bytes for ls in self.sets if ls.trace is not None)

    def db(self) -> Store:
        if self.store is None:
            raise RuntimeError("no store (it could not be opened)")
        return self.store

    # -- each turn of the recorder's loop ---------------------------------------------------------
    def tick(self) -> None:
        """Write what waits; every CHECK_S also ask the file system and send the live trace's newest
        bytes, so a fault shows within a second; or try the card again when it refused; then
        settle the barriers."""
        if self.health.down is not None:
            if self.health.retry_due():
                self.retry()
        else:
            now = self._mono()
            check = now >= self._next_check
            if check:
                self._next_check = now + CHECK_S
            if not check or self._look():
                self.push(drain=check)
        self._settle()

    def push(self, drain: bool = False) -> bool:
        """Every held set, oldest first, as far as the card takes it; False if it refused."""
        if self.store is None:
            return False
        try:
            for ls in list(self.sets):
                self.writer.push(ls, drain=drain and ls is self.live)
        except CardRefused as refused:
            self._down(refused.fault)
            return False
        return True

    def retry(self) -> None:
        """Open (or reopen) the store and write what waits; said once all of it went."""
        if not self._look() or not self._connect() or not self.push(drain=True):
            return
        reps, sets = self._at_fault
        self.health.recovered(self.writer.reps_written - reps, self.written_sets - sets)
        for reason, detail in self._findings:
            self.health.notice(reason, detail)
        self._findings = []

    def check(self) -> None:
        """Ask the card (a write, synced) whether it takes writes; a refusal is said as any other."""
        if self.health.down is None:
            fault = probe(self.folder)
            if fault is not None:
                self._down(fault)

    def shutdown(self) -> None:
        """One last write (or try); what is still held is logged as lost, the barriers let go."""
        if self.health.down is not None or self.store is None:
            self.retry()
        else:
            self.push()
        if self.sets:
            down = self.health.down
            log.error("smartdowel recorder: %d set(s) with %d rep(s) could not be saved before the box "
                      "stopped: the card did not take writes (%s)", len(self.sets), self.held_reps,
                      down.detail if down else "store not open")
            for ls in self.sets:
                if ls.trace is not None:
                    ls.trace.abandon()
        for b in self._barriers:
            b.release(False, len(self.sets))
        if self.store is not None:
            self.store.close()

    # -- the connection -----------------------------------------------------------------------------
    def _connect(self) -> bool:
        """The store: opened (created, upgraded, recovered) the first time, reconnected after."""
        store = None
        try:
            if self._first is None:
                store = self._open_first()
                self._findings = report_recovery(store)
                self._first = store
            else:
                store = self._first.clone()
        except Exception as exc:
            if store is not None:
                store.close()
            self._down(diagnose(exc, self.folder) or StorageFault(CANNOT_OPEN, str(exc)))
            return False
        self.store = store
        return True

    def _look(self) -> bool:
        """The file system asked whether it is full or read-only (statvfs: no write, cheap): between
        sets nothing is written, and a full card still takes a few bytes into a file's last page."""
        fault = look(self.folder)
        if fault is not None:
            self._down(fault)
        return fault is None

    def _down(self, fault: StorageFault) -> None:
        """The card refused: let go of the connection, keep everything, say so (once), retry later."""
        if self.health.down is None:
            self._at_fault = (self.writer.reps_written, self.written_sets)
        if self.store is not None:
            try:
                self.store.close()
            except Exception:
                pass
            self.store = None
        self.health.fault(fault, len(self.sets), self.held_reps)

    def _written(self, ls: LiveSet) -> None:
        if self.sets and self.sets[0] is ls:
            self.sets.popleft()
        elif ls in self.sets:
            self.sets.remove(ls)
        self.written_sets += 1
        if ls.trace is not None and ls.trace.dropped:
            log.error("smartdowel recorder: set %s: %d samples were not kept (the card refused writes for "
                      "too long)", ls.id, ls.trace.dropped)

    # -- barriers -------------------------------------------------------------------------------
    def arm(self, b: Barrier) -> None:
        """`b` waits for every set whose end is known now."""
        ended = sum(1 for ls in self.sets if ls.ended or ls.end is not None)
        b.target = self.written_sets + ended
        self._barriers.append(b)
        self._settle()

    def _settle(self) -> None:
        if not self._barriers:
            return
        down = self.health.down is not None or self.store is None
        for b in list(self._barriers):
            if self.written_sets >= b.target:
                b.release(True)
            elif down:
                b.release(False, b.target - self.written_sets)
            else:
                continue
            self._barriers.remove(b)
