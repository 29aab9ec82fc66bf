"""Records sets as they happen: detector events and raw samples in; store rows and a trace out.

The app calls `post_event(e)` from its main loop and `post_sample(s)` from
wherever samples pass (the sampler's thread is fine). Both only hand the item
over: every write (SQLite, gzip, fsync) happens on the recorder's own thread,
so a slow SD card never delays a cue. Samples are handed over in batches
(device/store/inbox.py), in order with the events: the recorder wakes about
ten times a second, not once per sample.

A set begins at `ready` and ends at `dowel_removed`, `set_ended` or `close()`
("interrupted", but saved). Durability, in the order things reach the card:

- each completed rep: once the samples up to the rep's end have been written
  (the deciding sample can reach the recorder just after its event), the
  trace is flushed and fsynced, then the rep is committed (one transaction),
  so a rep in the store always has its samples;
- contact losses (and sensor faults) are committed in batches: everything
  that arrived together, at the latest with the next rep (device/store/pending.py);
  a loss withdrawn (`loss_withdrawn`: it was the dowel being taken off) is deleted again;
- at the end of the set the trace is finished (gzip trailer, fsync, renamed
  from `*.partial` to its final name) and the set row closed.

A power cut therefore loses at most the rep in progress. The next recorder to
start ends any set left open as "interrupted" and turns its `.partial` trace
into a complete gzip file (device/store/recovery.py).

The trace's `t` is 0 at `preroll_s` before `ready` (the first sample may come
a little later); the set row's `trace_ready_s` is when `ready` happened on
that clock, and every time in the store (rep start/end, loss start) is seconds
since `ready`.
"""
from __future__ import annotations

import logging
import math
import os
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from device.core.contacts import CONTACTS
from device.core.sets import worth_keeping
from device.core.settings import LiveSettings
from device.core.events import (ContactLost, ContactRestored, DowelRemoved, Event, EventHandler,
                                LossWithdrawn, Ready, RepCompleted, RepDiscarded, RepStarted, SensorFault,
                                SetEnded)
from device.core.signal import Sample, SignalChain
from device.store.gztrace import PARTIAL, TraceFile
from device.store.inbox import Inbox
from device.store.pending import PendingWrites
from device.store.recovery import recover_interrupted
from device.store.setmeta import discard_set, note_settings, tag_settings
from device.store.store import Store

log = logging.getLogger("smartdowel.recorder")

PREROLL_S = 3.0  # samples kept before `ready`: placement + 0.7 s calibration, for replay
SESSION_GAP_S = 30 * 60.0  # a set this long after the last one starts a new session
MAX_BACKLOG = 200_000  # samples handed over (about half an hour at 100 Hz) before they are dropped
BATCH_S = 0.1  # the recorder wakes once per this much sample time, or when idle this long
WAIT_FOR_SAMPLES_S = 1.0  # an end or a rep whose samples never come is written anyway after this
_STOP = object()


@dataclass
class _Set:
    id: int
    ready_t: float  # sampler clock
    started_at: float  # wall clock
    trace: TraceFile | None
    writes: PendingWrites
    last_written_t: float = -math.inf
    rep_start: dict[int, float] = field(default_factory=dict)
    dips: int = 0
    reps: int = 0
    has_imu: bool = True
    end: tuple[float, str] | None = None  # an end event waiting for its samples to arrive
    end_seen_wall: float = 0.0
    waiting: deque[RepCompleted] = field(default_factory=deque)  # completed, waiting for their samples
    waiting_since_wall: float = 0.0


class SetRecorder:
    """Feeds the store from the app's loops; all writing on its own thread.

    `post_event`, `post_sample`, `set_athlete` never block and never raise.
    `sync()` waits until everything posted so far is handled; `close()` also
    ends a set in progress ("interrupted") and stops the thread.
    """

    def __init__(self, store: Store, chain: SignalChain, athlete_id: int | None = None, *,
                 preroll_s: float = PREROLL_S, session_gap_s: float = SESSION_GAP_S,
                 clock: Callable[[], float] = time.time) -> None:
        self._source = store  # only its path is used: the thread opens its own connection
        self.chain = chain
        self.preroll_s, self.session_gap_s, self._clock = preroll_s, session_gap_s, clock
        self._athlete_id = athlete_id
        self._settings = LiveSettings()
        self._inbox = Inbox(BATCH_S, max_backlog=MAX_BACKLOG)  # MAX_BACKLOG looked up now: tests change it
        self._recent: deque[Sample] = deque(maxlen=50_000)
        self._keep_s = preroll_s + 2.0
        self._latest_t = -math.inf
        self._set: _Set | None = None
        self._session: tuple[int, int] | None = None  # (session id, athlete id)
        self._last_end_wall = -math.inf
        self._store: Store | None = None
        self.sets_recorded = self.reps_recorded = self.errors = 0
        self.last_error = ""
        self._closed = False
        self._events = _Events(self)
        self._thread = threading.Thread(target=self._run, name="smartdowel-recorder", daemon=True)
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
        """Wait until everything posted before this call is written; False on timeout."""
        done = threading.Event()
        self._inbox.put(lambda: self._sync_point(done))
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, end a set in progress as 'interrupted', stop the thread."""
        if not self._closed:
            self._closed = True
            self._inbox.put(_STOP)
        self._thread.join(timeout)

    @property
    def athlete_id(self) -> int | None:
        """Whose the next set is (None until the guest's id is known)."""
        return self._athlete_id

    @property
    def recording(self) -> bool:
        """A set is in progress (as far as the recorder has got)."""
        return self._set is not None

    # -- the recorder's thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._store = self._source.clone()
            if self._athlete_id is None:
                self._athlete_id = self._store.guest_id()
            recover_interrupted(self._store)
        except Exception as exc:  # keep draining the queue so the callers never pile up
            self._fail("cannot open the store", exc)
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
            self._guard("writing contact losses", self._flush_ops)
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
                self._guard("writing the trace", self._on_sample, sample)
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
        if self.errors <= 20 or self.errors % 1000 == 0:  # a full card must not flood the log
            log.error("smartdowel %s (data folder %s)", self.last_error, self._source.data_dir)

    def _overdue(self) -> None:
        """A rep or an end whose samples have not come for a second is written now."""
        cur = self._set
        if cur is None:
            return
        now = self._clock()
        if cur.waiting and now - cur.waiting_since_wall > WAIT_FOR_SAMPLES_S:
            self._guard("recording a rep", self._commit_reps, cur, math.inf)
        if cur.end is not None and now - cur.end_seen_wall > WAIT_FOR_SAMPLES_S:
            self._guard("ending the set", self._finish, *cur.end)

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
        if s.t > cur.last_written_t and s.t >= cur.ready_t - self.preroll_s:
            cur.last_written_t = s.t
            self._trace_write(cur, s)
        if cur.waiting and s.t >= cur.waiting[0].t:
            self._commit_reps(cur, s.t)
        if cur.end is not None and s.t >= cur.end[0]:
            self._finish(*cur.end)

    def _trace_write(self, cur: _Set, s: Sample) -> None:
        if cur.trace is None:
            return
        try:
            cur.trace.write(s)
        except (OSError, ValueError) as exc:  # card full or gone: the set goes on without its trace
            cur.trace.abandon()
            cur.trace = None
            self._fail(f"set {cur.id}: trace stopped", exc)

    # -- events (on the recorder's thread, through _Events) ----------------------------------------
    def _current(self) -> _Set | None:
        """The set events are recorded into: None between sets and once its end is known."""
        cur = self._set
        return None if cur is None or cur.end is not None else cur

    def _end(self, cur: _Set, t: float, reason: str) -> None:
        cur.end, cur.end_seen_wall = (t, reason), self._clock()
        if self._latest_t >= t:
            self._finish(t, reason)

    def _db(self) -> Store:
        if self._store is None:
            raise RuntimeError("no store (it could not be opened)")
        return self._store

    def _begin(self, e: Ready) -> None:
        """`ready`: a new set (and a new session when the athlete or the day changed)."""
        if self._set is not None:
            self._finish(*(self._set.end or (self._latest_t, "interrupted")))
        store = self._db()
        t_r = e.t
        started = self._clock() - max(0.0, self._latest_t - t_r)
        session = self._session_for(started)
        t0 = t_r - self.preroll_s  # fixed, whatever order samples and events arrive in
        pre = [s for s in self._recent if s.t >= t0]
        base = {k: float(v) for k, v in e.baseline_us.items()}
        with store.transaction():
            set_id, trace_name = store.begin_set(session, started, e.standing_deg, base,
                                                 round(t_r - t0, 4))
            tag_settings(store, set_id, self._settings)
        cur = _Set(set_id, t_r, started, None, PendingWrites(set_id, t_r, self._db),
                   has_imu=e.standing_deg is not None)
        self._set = cur
        self.sets_recorded += 1
        try:
            cur.trace = TraceFile(os.path.join(store.data_dir, trace_name), self.chain,
                                  e.standing_deg is not None, t0, any(s.roll is not None for s in pre))
        except OSError as exc:
            self._fail(f"set {set_id}: cannot start the trace", exc)
        for s in pre:
            cur.last_written_t = s.t
            self._trace_write(cur, s)

    def _session_for(self, started: float) -> int:
        athlete = self._athlete_id if self._athlete_id is not None else self._db().guest_id()
        if (self._session is None or self._session[1] != athlete
                or started - self._last_end_wall > self.session_gap_s):
            self._session = (self._db().begin_session(athlete, started), athlete)
        return self._session[0]

    def _sync_point(self, done: threading.Event) -> None:
        """Commit what waits in the batch, then wake the caller of `sync()`."""
        try:
            self._flush_ops()
        finally:
            done.set()

    def _switch_athlete(self, athlete_id: int) -> None:
        self._athlete_id = athlete_id

    def _switch_settings(self, settings: LiveSettings) -> None:
        self._settings = settings
        if (cur := self._current()) is not None:
            cur.writes.later(lambda: note_settings(self._db(), cur.id, settings))

    def _attach(self, write: Callable[[Store, int], None]) -> None:
        if (cur := self._current()) is not None:
            cur.writes.later(lambda: write(self._db(), cur.id))

    def _rep(self, cur: _Set, e: RepCompleted) -> None:
        """A completed rep: committed now if its samples are in, else when they come."""
        if not cur.waiting:
            cur.waiting_since_wall = self._clock()
        cur.waiting.append(e)
        if self._latest_t >= e.t:
            self._commit_reps(cur, self._latest_t)

    def _commit_reps(self, cur: _Set, upto: float) -> None:
        """Every waiting rep that ended by `upto`, in order."""
        while cur.waiting and cur.waiting[0].t <= upto:
            self._commit_rep(cur, cur.waiting.popleft())
        cur.waiting_since_wall = self._clock()

    def _commit_rep(self, cur: _Set, e: RepCompleted) -> None:
        """Trace to the card first, then the rep in one commit (with any losses waiting)."""
        if cur.trace is not None:
            try:
                cur.trace.checkpoint()
            except OSError as exc:
                cur.trace.abandon()
                cur.trace = None
                self._fail(f"set {cur.id}: trace stopped", exc)
        t = e.t
        start = cur.rep_start.pop(e.rep, t - e.duration_s)
        row = {"rep": e.rep, "start_s": round(start - cur.ready_t, 3),
               "end_s": round(t - cur.ready_t, 3), "depth_deg": e.depth_deg,
               "duration_s": e.duration_s, "descent_s": e.descent_s, "bottom_s": e.bottom_s,
               "ascent_s": e.ascent_s, "faults": [f for f in e.faults if f in CONTACTS]}
        store = self._db()
        with store.transaction():
            cur.writes.run()
            store.add_rep(cur.id, row)
        self.reps_recorded += 1
        cur.reps += 1

    def _flush_ops(self) -> None:
        """The set's writes that arrived together (losses, faults, settings): one transaction."""
        if self._set is not None:
            self._set.writes.flush()

    def _finish(self, end_t: float, reason: str) -> None:
        """Close the set: losses, trace (renamed to its final name), row; in that order."""
        cur = self._set
        if cur is None:
            return
        if cur.waiting:  # the samples they waited for will not come now
            self._guard("recording a rep", self._commit_reps, cur, math.inf)
        self._set = None
        try:
            cur.writes.flush()
        finally:
            samples = 0
            if cur.trace is not None:
                samples = cur.trace.samples
                try:
                    cur.trace.finish()
                except OSError as exc:
                    cur.trace.abandon()
                    self._fail(f"set {cur.id}: cannot finish the trace (kept as {PARTIAL})", exc)
            duration = max(0.0, end_t - cur.ready_t)
            if worth_keeping(cur.reps, cur.writes.losses, cur.dips, cur.has_imu, duration):
                self._db().end_set(cur.id, round(duration, 3), reason, samples, cur.dips)
                self._last_end_wall = cur.started_at + duration
            elif discard_set(self._db(), cur.id):
                self._session = None  # the empty set was the session's only one: it went too
            self._db().checkpoint()

    def _shutdown(self) -> None:
        cur = self._set
        if cur is not None:
            end_t, reason = cur.end or (max(self._latest_t, cur.ready_t), "interrupted")
            self._guard("ending the set", self._finish, end_t, reason)
        if self._store is not None:
            self._store.close()


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
