"""Records sets as they happen: detector events and raw samples in; store rows and a trace out.

The app calls `post_event(e)` from its main loop and `post_sample(s)` from
wherever samples pass (the sampler's thread is fine). Both only hand the item
over: every write (SQLite, gzip, fsync) happens on the recorder's own thread,
so a slow SD card never delays a cue. Samples are handed over in batches
(device/store/inbox.py), in order with the events: the recorder wakes about
ten times a second, not once per sample.

A set begins at `ready` and ends at `dowel_removed`, `set_ended` or `close()`
("interrupted", but saved). Durability, in the order things reach the card
(device/store/liveset.py writes them):

- each completed rep: once the samples up to the rep's end have been written
  (the deciding sample can reach the recorder just after its event), the
  trace is flushed and fsynced, then the rep is committed (one transaction),
  so a rep in the store always has its samples;
- contact losses (and sensor faults) are committed in batches: everything
  that arrived together, at the latest with the next rep (device/store/pending.py);
  a loss withdrawn (`loss_withdrawn`: it was the dowel being taken off) is deleted again;
- at the end of the set the trace is finished (gzip trailer, fsync, renamed
  from `*.partial` to its final name) and the set row closed.

A power cut therefore loses at most the rep in progress. The first open of
the store ends any set left open as "interrupted", turns its `.partial`
trace into a complete gzip file and finishes traces stranded by an earlier
run (device/store/recovery.py).

When the card refuses (full, read-only, no permission, failing; or the store
will not open at all) nothing stops: the recorder keeps what it could not
write, in order, in memory (a set's samples as its compressed trace, up to
HELD_BUDGET bytes), says so once through `on_health` (device/store/health.py),
tries again every couple of seconds, and writes it all when the card takes
writes again, the set in progress included. What is still held when the box
stops is logged as lost.

The trace's `t` is 0 at `preroll_s` before `ready` (the first sample may come
a little later); the set row's `trace_ready_s` is when `ready` happened on
that clock, and every time in the store (rep start/end, loss start) is seconds
since `ready`.
"""
from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections import deque
from typing import Callable

from device.core.events import (ContactLost, ContactRestored, DowelRemoved, Event, EventHandler,
                                LossWithdrawn, Ready, RepCompleted, RepDiscarded, RepStarted, SensorFault,
                                SetEnded)
from device.core.settings import LiveSettings
from device.core.signal import Sample, SignalChain
from device.store.health import Health
from device.store.inbox import Inbox
from device.store.keeper import Barrier, CardKeeper
from device.store.liveset import EndStep, LiveSet
from device.store.pending import PendingWrites
from device.store.setmeta import note_settings
from device.store.store import Store

log = logging.getLogger("smartdowel.recorder")

PREROLL_S = 3.0  # samples kept before `ready`: placement + 0.7 s calibration, for replay
SESSION_GAP_S = 30 * 60.0  # a set this long after the last one starts a new session
MAX_BACKLOG = 200_000  # samples handed over (about half an hour at 100 Hz) before they are dropped
BATCH_S = 0.1  # the recorder wakes once per this much sample time, or when idle this long
WAIT_FOR_SAMPLES_S = 1.0  # an end or a rep whose samples never come is written anyway after this
HELD_BUDGET = 16 * 2 ** 20  # compressed traces held for a card that refuses, all sets together
_STOP = object()


class SetRecorder:
    """Feeds the store from the app's loops; all writing on its own thread.

    `source` is the store (its connection is cloned on the recorder's thread)
    or a data folder (opened, created and recovered there). `post_event`,
    `post_sample`, `set_athlete` never block and never raise. `sync()` waits
    until everything posted so far is handled; `close()` also ends a set in
    progress ("interrupted") and stops the thread. `on_health` hears, on the
    recorder's thread, each change between recording and not (and why).
    """

    def __init__(self, source: Store | str, chain: SignalChain, athlete_id: int | None = None, *,
                 preroll_s: float = PREROLL_S, session_gap_s: float = SESSION_GAP_S,
                 clock: Callable[[], float] = time.time, on_health: Callable[[Health], None] | None = None,
                 open_store: Callable[[], Store] | None = None,
                 monotonic: Callable[[], float] = time.monotonic, start: bool = True) -> None:
        if isinstance(source, Store):
            self.folder = source.data_dir
            self._open_first = open_store or source.clone
        else:
            self.folder = source
            self._open_first = open_store or (lambda: Store.open(source))
        self.chain = chain
        self.preroll_s, self.session_gap_s, self._clock = preroll_s, session_gap_s, clock
        self._athlete_id = athlete_id
        self._settings = LiveSettings()
        self._inbox = Inbox(BATCH_S, max_backlog=MAX_BACKLOG)  # MAX_BACKLOG looked up now: tests change it
        self._recent: deque[Sample] = deque(maxlen=50_000)
        self._keep_s = preroll_s + 2.0
        self._latest_t = -math.inf
        self._set: LiveSet | None = None  # in progress (its end not known yet)
        self._session_athlete: int | None = None
        self._last_end_wall = -math.inf
        self._card = CardKeeper(self.folder, self._open_first, on_health, monotonic, self._fail)
        self.sets_recorded = self.reps_recorded = self.errors = 0
        self.last_error = ""
        self._closed = False
        self._events = _Events(self)
        self._thread = threading.Thread(target=self._run, name="smartdowel-recorder", daemon=True)
        if start:
            self._thread.start()

    def start(self) -> None:
        """Start the recorder's thread (when made with start=False): the store is opened there.

        What was posted before waits for it (samples up to MAX_BACKLOG)."""
        if not self._thread.is_alive() and not self._closed:
            self._thread.start()

    # -- the caller's side: an append or a queue put, nothing else --------------------------
    def post_event(self, event: Event) -> None:
        """A detector event (the app's own log events are ignored)."""
        self._inbox.put(event)

    def post_sample(self, sample: Sample) -> None:
        """A raw sample, taken in batches; dropped (and counted) only if the writer is half an hour behind."""
        self._inbox.put_sample(sample)

    @property
    def dropped_samples(self) -> int:
        return self._inbox.dropped

    @property
    def backlog(self) -> int:
        """Samples handed over and not yet taken by the recorder's thread."""
        return self._inbox.backlog

    def set_athlete(self, athlete_id: int) -> None:
        """Who the next set belongs to (the set in progress keeps its athlete)."""
        self._inbox.put(lambda: self._switch_athlete(athlete_id))

    def set_settings(self, settings: LiveSettings) -> None:
        """The settings from now on: the next set records them, a set in progress notes a change."""
        self._inbox.put(lambda: self._switch_settings(settings))

    def attach(self, write: Callable[[Store, int], None]) -> None:
        """`write(store, set_id)` for the set in progress, in its next commit (post it before its end event)."""
        self._inbox.put(lambda: self._attach(write))

    def sync(self, timeout: float = 10.0) -> bool:
        """Wait until everything posted before this call is handled: written, or held for a card
        that refuses (`healthy` tells which); False on timeout."""
        done = threading.Event()
        self._inbox.put(lambda: self._sync_point(done))
        return done.wait(timeout)

    def check_card(self) -> None:
        """Someone else's write failed (the app's main loop): the recorder asks the card itself
        and says what it finds, as for its own writes."""
        self._inbox.put(self._card.check)

    def barrier(self) -> Barrier:
        """A Barrier set once every set ended before this call is on the card (never blocks)."""
        b = Barrier()
        self._inbox.put(lambda: self._card.arm(b))
        return b

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, end a set in progress as 'interrupted', stop the thread."""
        if not self._closed:
            self._closed = True
            self._inbox.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def athlete_id(self) -> int | None:
        """Whose the next set is (None: the guest, until the store says who that is)."""
        return self._athlete_id

    @property
    def recording(self) -> bool:
        """A set is in progress (as far as the recorder has got)."""
        return self._set is not None

    @property
    def healthy(self) -> bool:
        """The store is open and the card took the last writes."""
        return self._card.health.opened and self._card.health.down is None

    @property
    def held_sets(self) -> int:
        """Sets not yet all on the card (the one in progress included)."""
        return len(self._card.sets)

    @property
    def held_reps(self) -> int:
        return self._card.held_reps

    # -- the recorder's thread ----------------------------------------------------------------
    def _run(self) -> None:
        self._card.retry()
        inbox = self._inbox
        while True:
            stop = self._handle(inbox.get(timeout=BATCH_S))
            for _ in range(5000):  # the rest of what arrived together: one commit for it
                if stop:
                    break
                try:
                    stop = self._handle(inbox.get(timeout=0))
                except queue.Empty:
                    break
            self._overdue()
            self._card.tick()
            if stop:
                break
        self._shutdown()

    def _handle(self, item: object) -> bool:
        """One item (a list: a batch of samples; None: nothing came); True for the stop marker.

        Errors are logged, never raised."""
        if item is _STOP:
            return True
        if isinstance(item, list):
            for sample in item:
                self._guard("taking a sample", self._on_sample, sample)
        elif isinstance(item, Event):
            self._guard(f"recording {item.TYPE}", item.accept, self._events)
        elif callable(item):
            self._guard("running a command", item)
        return False

    def _guard(self, what: str, fn: Callable[..., None], *args: object) -> None:
        try:
            fn(*args)
        except Exception as exc:
            self._fail(what, exc)

    def _fail(self, what: str, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"recorder: {what}: {exc}"
        if self.errors <= 20 or self.errors % 1000 == 0:  # a bug repeated must not flood the log
            log.error("smartdowel %s (data folder %s)", self.last_error, self.folder)

    def _overdue(self) -> None:
        """A rep or an end whose samples have not come for a second is written now."""
        cur = self._set
        if cur is None:
            return
        now = self._clock()
        if cur.waiting and now - cur.waiting_since_wall > WAIT_FOR_SAMPLES_S:
            self._release_reps(cur, math.inf)
        if cur.end is not None and now - cur.end_seen_wall > WAIT_FOR_SAMPLES_S:
            self._close_set(*cur.end)

    # -- samples ------------------------------------------------------------------------------
    def _on_sample(self, s: Sample) -> None:
        recent = self._recent
        recent.append(s)
        if s.t > self._latest_t:
            self._latest_t = s.t
        horizon = s.t - self._keep_s
        while recent[0].t < horizon:
            recent.popleft()
        cur = self._set
        if cur is None:
            return
        if s.t > cur.last_sample_t and s.t >= cur.ready_t - self.preroll_s:
            cur.last_sample_t = s.t
            if cur.trace is not None:
                cur.trace.write(s)
        if cur.waiting and s.t >= cur.waiting[0].t:
            self._release_reps(cur, s.t)
        if cur.end is not None and s.t >= cur.end[0]:
            self._close_set(*cur.end)

    # -- events (on the recorder's thread, through _Events) ----------------------------------------
    def _current(self) -> LiveSet | None:
        """The set events are recorded into: None between sets and once its end is known."""
        cur = self._set
        return None if cur is None or cur.end is not None else cur

    def _begin(self, e: Ready) -> None:
        """`ready`: a new set (and a new session when the athlete or the day changed)."""
        if self._set is not None:
            self._close_set(*(self._set.end or (self._latest_t, "interrupted")))
        t_r = e.t
        started = self._clock() - max(0.0, self._latest_t - t_r)
        athlete = self._athlete_id
        new_session = athlete != self._session_athlete or started - self._last_end_wall > self.session_gap_s
        self._session_athlete = athlete
        cur = LiveSet.opened(e, started, self.chain, self._recent, self.preroll_s, self._settings, athlete,
                             new_session, PendingWrites(t_r, self._card.db),
                             max_held=max(0, HELD_BUDGET - self._card.held_bytes))
        self._card.sets.append(cur)
        self._set = self._card.live = cur
        self.sets_recorded += 1

    def _end(self, cur: LiveSet, t: float, reason: str) -> None:
        cur.end, cur.end_seen_wall = (t, reason), self._clock()
        if self._latest_t >= t:
            self._close_set(t, reason)

    def _close_set(self, end_t: float, reason: str) -> None:
        """The set in progress is over: its end joins what waits for the card."""
        cur = self._set
        if cur is None:
            return
        self._release_reps(cur, math.inf)  # the samples they waited for will not come now
        self._set = self._card.live = None
        cur.steps.append(EndStep(end_t, reason))
        if cur.keeps(end_t):
            self._last_end_wall = cur.started_at + max(0.0, end_t - cur.ready_t)

    def _sync_point(self, done: threading.Event) -> None:
        """Write what waits (if the card takes it), then wake the caller of `sync()`."""
        try:
            if self._card.health.down is None:
                self._card.push()
        finally:
            done.set()

    def _switch_athlete(self, athlete_id: int) -> None:
        self._athlete_id = athlete_id

    def _switch_settings(self, settings: LiveSettings) -> None:
        self._settings = settings
        if (cur := self._current()) is not None:
            cur.writes.later(lambda: note_settings(self._card.db(), cur.id or 0, settings))

    def _attach(self, write: Callable[[Store, int], None]) -> None:
        if (cur := self._current()) is not None:
            cur.writes.later(lambda: write(self._card.db(), cur.id or 0))

    def _rep(self, cur: LiveSet, e: RepCompleted) -> None:
        """A completed rep: released to the card now if its samples are in, else when they come."""
        cur.add_rep(e, self._clock())
        if self._latest_t >= e.t:
            self._release_reps(cur, self._latest_t)

    def _release_reps(self, cur: LiveSet, upto: float) -> None:
        self.reps_recorded += cur.release_reps(upto, self._clock())

    def _shutdown(self) -> None:
        cur = self._set
        if cur is not None:
            self._close_set(*(cur.end or (max(self._latest_t, cur.ready_t), "interrupted")))
        self._card.shutdown()


class _Events(EventHandler[None]):
    """What each detector event means to the recorder (runs on the recorder's thread)."""

    def __init__(self, rec: SetRecorder) -> None:
        self.rec = rec

    def on_ready(self, e: Ready) -> None:
        self.rec._begin(e)

    def on_rep_started(self, e: RepStarted) -> None:
        if (cur := self.rec._current()) is not None:
            cur.rep_start[e.rep] = e.t

    def on_rep_completed(self, e: RepCompleted) -> None:
        if (cur := self.rec._current()) is not None:
            self.rec._rep(cur, e)

    def on_rep_discarded(self, e: RepDiscarded) -> None:
        if (cur := self.rec._current()) is not None:
            cur.dips += 1

    def on_contact_lost(self, e: ContactLost) -> None:
        if (cur := self.rec._current()) is not None:
            cur.writes.lost(e)

    def on_contact_restored(self, e: ContactRestored) -> None:
        if (cur := self.rec._current()) is not None:
            cur.writes.restored(e)

    def on_sensor_fault(self, e: SensorFault) -> None:
        if (cur := self.rec._current()) is not None:
            cur.writes.sensor_fault(e)

    def on_loss_withdrawn(self, e: LossWithdrawn) -> None:
        if (cur := self.rec._current()) is not None:
            cur.writes.withdrawn(e)

    def on_dowel_removed(self, e: DowelRemoved) -> None:
        if (cur := self.rec._current()) is not None:
            self.rec._end(cur, e.t, "dowel_removed")

    def on_set_ended(self, e: SetEnded) -> None:
        if (cur := self.rec._current()) is not None:
            self.rec._end(cur, e.t, e.reason or "ended")
