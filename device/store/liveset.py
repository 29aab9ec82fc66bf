"""One set as the recorder holds it, and how it reaches the card, a step at a time, in order.

Why held, and written in steps: the card may refuse writes for a while (full,
read-only, a folder without permission) while the set goes on being cued.
Everything the set has to say waits here in the order it happened (its row,
its losses, its reps, its end) and `SetWriter.push` writes as much as the
card takes. A step the card refuses stays where it was and is tried again
later (`CardRefused`); a step that fails for any other reason (a bug, a name
already taken) is logged and dropped, so one bad write never holds the rest
up for ever. The durability order of ADR 0005 holds whatever the card does:
a rep is committed only after the trace with its samples is synced, and a
set is ended only after its trace is finished.

A set begun while nothing could be written has no row yet (`id` None): its
samples wait in its trace (memory), its events here. A set that ended
empty (device/core/sets.py) and never got a row is forgotten without a write.
"""
from __future__ import annotations

import math
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from device.core.contacts import CONTACTS
from device.core.events import Ready, RepCompleted
from device.core.settings import LiveSettings
from device.core.signal import Sample, SignalChain
from device.core.sets import worth_keeping
from device.store.faults import StorageFault, diagnose
from device.store.gztrace import PARTIAL, TraceFile
from device.store.pending import PendingWrites
from device.store.setmeta import discard_set, tag_settings
from device.store.store import Store


class CardRefused(Exception):
    """The card would not take a write; what was being written stays held."""

    def __init__(self, fault: StorageFault, what: str) -> None:
        super().__init__(f"{what}: {fault.detail}")
        self.fault, self.what = fault, what


@dataclass(frozen=True)
class RepStep:
    """A completed rep whose samples are in: committed after the trace is synced."""

    rep: int
    row: dict[str, Any]


@dataclass(frozen=True)
class EndStep:
    t: float
    reason: str


@dataclass
class LiveSet:
    """A set from `ready` until everything it said is on the card (`written`)."""

    ready_t: float  # sampler clock
    started_at: float  # wall clock
    standing_deg: float | None
    baseline_us: dict[str, float]
    trace_ready_s: float
    settings: LiveSettings
    athlete_id: int | None  # None: the guest (known once the store is open)
    new_session: bool  # the athlete or the day changed: this set opens a session
    trace: TraceFile | None
    writes: PendingWrites
    id: int | None = None  # its row; None until the card took it
    steps: deque[RepStep | EndStep] = field(default_factory=deque)
    last_sample_t: float = -math.inf
    rep_start: dict[int, float] = field(default_factory=dict)
    dips: int = 0
    reps: int = 0  # completed (held or written)
    end: tuple[float, str] | None = None  # the end, waiting for its samples to arrive
    end_seen_wall: float = 0.0
    waiting: deque[RepCompleted] = field(default_factory=deque)  # completed reps waiting for their samples
    waiting_since_wall: float = 0.0
    samples: int = 0  # in the trace when it was finished
    written: bool = False

    @classmethod
    def opened(cls, e: Ready, started: float, chain: SignalChain, recent: Iterable[Sample], preroll_s: float,
               settings: LiveSettings, athlete_id: int | None, new_session: bool, writes: PendingWrites,
               max_held: int) -> LiveSet:
        """A set begins at `ready`: its trace starts `preroll_s` before it, with the samples kept since."""
        t0 = e.t - preroll_s  # fixed, whatever order samples and events arrive in
        pre = [s for s in recent if s.t >= t0]
        trace = TraceFile(None, chain, e.standing_deg is not None, t0, any(s.roll is not None for s in pre),
                          max_held=max_held)
        cur = cls(e.t, started, e.standing_deg, {k: float(v) for k, v in e.baseline_us.items()},
                  round(e.t - t0, 4), settings, athlete_id, new_session, trace, writes)
        for s in pre:
            cur.last_sample_t = s.t
            trace.write(s)
        return cur

    @property
    def has_imu(self) -> bool:
        return self.standing_deg is not None

    @property
    def ended(self) -> bool:
        return bool(self.steps) and isinstance(self.steps[-1], EndStep)

    @property
    def held_reps(self) -> int:
        return sum(isinstance(s, RepStep) for s in self.steps) + len(self.waiting)

    def add_rep(self, e: RepCompleted, wall: float) -> None:
        """A completed rep: it waits for the samples up to its end (the deciding sample can come after it)."""
        if not self.waiting:
            self.waiting_since_wall = wall
        self.waiting.append(e)

    def release_reps(self, upto: float, wall: float) -> int:
        """Every waiting rep that ended by `upto`, in order, as a step for the card; how many."""
        n = 0
        while self.waiting and self.waiting[0].t <= upto:
            e = self.waiting.popleft()
            start = self.rep_start.pop(e.rep, e.t - e.duration_s)
            row = {"rep": e.rep, "start_s": round(start - self.ready_t, 3),
                   "end_s": round(e.t - self.ready_t, 3), "depth_deg": e.depth_deg,
                   "duration_s": e.duration_s, "descent_s": e.descent_s, "bottom_s": e.bottom_s,
                   "ascent_s": e.ascent_s, "faults": [f for f in e.faults if f in CONTACTS]}
            self.steps.append(RepStep(e.rep, row))
            n += 1
        self.reps += n
        self.waiting_since_wall = wall
        return n

    def keeps(self, end_t: float) -> bool:
        """Worth keeping if it ended at `end_t` (one rule with the screen: device/core/sets.py)."""
        return worth_keeping(self.reps, self.writes.losses, self.dips, self.has_imu,
                             max(0.0, end_t - self.ready_t))


class Sessions:
    """Which session the next set joins (recorder's thread): the athlete's, until a gap or a change."""

    def __init__(self) -> None:
        self.current: tuple[int, int] | None = None  # (session id, athlete id) on the card

    def reset(self) -> None:
        self.current = None


class SetWriter:
    """Brings held sets to the card in order; raises CardRefused where the card stops taking them."""

    def __init__(self, db: Callable[[], Store], folder: str, fail: Callable[[str, BaseException], None]) -> None:
        self._db, self.folder, self._fail = db, folder, fail
        self.sessions = Sessions()
        self.reps_written = 0
        self.on_set_done: Callable[[LiveSet], None] = lambda ls: None

    def push(self, ls: LiveSet, drain: bool = False) -> None:
        """Write what waits of `ls`; `drain` also sends its trace's newest bytes (not synced)."""
        if ls.id is None:
            if ls.ended and not ls.keeps(ls.steps[-1].t):  # type: ignore[union-attr]
                self._done(ls)  # an empty set that never reached the card: nothing to undo
                return
            if not self._step("starting a set", self._begin, ls):
                self._done(ls)
                return
        if drain and ls.trace is not None:
            self._trace(ls, ls.trace.drain)
        while ls.steps:
            step = ls.steps[0]
            if isinstance(step, RepStep):
                self._step(f"set {ls.id}: recording rep {step.rep}", self._rep, ls, step,
                           on_other=ls.writes.discard)
                ls.steps.popleft()
            else:
                self._step(f"set {ls.id}: ending it", self._end, ls, step)
                ls.steps.popleft()
                self._done(ls)
                return
        if len(ls.writes):
            self._step(f"set {ls.id}: writing contact losses", ls.writes.flush, on_other=ls.writes.discard)

    def _done(self, ls: LiveSet) -> None:
        ls.written = True
        self.on_set_done(ls)

    # -- one step ------------------------------------------------------------------------------
    def _step(self, what: str, fn: Callable[..., None], *args: object,
              on_other: Callable[[], None] | None = None) -> bool:
        """`fn(*args)`: True when done; False when it failed for a reason not the card's (logged,
        dropped); CardRefused when the card refused (held)."""
        try:
            fn(*args)
            return True
        except CardRefused:
            raise
        except Exception as exc:
            fault = diagnose(exc, self.folder)
            if fault is not None:
                raise CardRefused(fault, what) from exc
            if on_other is not None:
                on_other()
            self._fail(what, exc)
            return False

    def _trace(self, ls: LiveSet, fn: Callable[[], None]) -> None:
        """A trace write; a failure not the card's stops the trace and the set goes on without it."""
        trace = ls.trace
        assert trace is not None
        try:
            fn()
        except OSError as exc:
            fault = diagnose(exc, self.folder)
            if fault is not None:
                raise CardRefused(fault, f"set {ls.id}: writing the trace") from exc
            trace.abandon()
            ls.samples, ls.trace = 0, None  # the samples column counts a finished trace's
            start = "cannot start the trace" if not trace.opened else f"trace stopped (kept as {PARTIAL})"
            self._fail(f"set {ls.id}: {start}", exc)

    # -- the steps ----------------------------------------------------------------------------
    def _begin(self, ls: LiveSet) -> None:
        """The set's row (and its session's, when it opens one), then its trace's name."""
        store = self._db()
        athlete = ls.athlete_id if ls.athlete_id is not None else store.guest_id()
        current = self.sessions.current
        with store.transaction():
            if ls.new_session or current is None or current[1] != athlete:
                current = (store.begin_session(athlete, ls.started_at), athlete)
            set_id, trace_name = store.begin_set(current[0], ls.started_at, ls.standing_deg, ls.baseline_us,
                                                 ls.trace_ready_s)
            tag_settings(store, set_id, ls.settings)
        self.sessions.current = current
        ls.id = ls.writes.set_id = set_id
        if ls.trace is not None:
            ls.trace.bind(os.path.join(store.data_dir, trace_name))

    def _rep(self, ls: LiveSet, step: RepStep) -> None:
        """Trace to the card first, then the rep in one commit (with any losses waiting)."""
        if ls.trace is not None:
            self._trace(ls, ls.trace.checkpoint)
        store = self._db()
        assert ls.id is not None
        with ls.writes.batch() as run, store.transaction():
            run()
            store.add_rep(ls.id, step.row)
        self.reps_written += 1

    def _end(self, ls: LiveSet, step: EndStep) -> None:
        """Close the set: trace finished (its final name), losses, then the row; in that order."""
        if ls.trace is not None:
            ls.samples = ls.trace.samples
            self._trace(ls, ls.trace.finish)
        ls.writes.flush()
        store = self._db()
        assert ls.id is not None
        duration = max(0.0, step.t - ls.ready_t)
        if ls.keeps(step.t):
            store.end_set(ls.id, round(duration, 3), step.reason, ls.samples, ls.dips)
        elif discard_set(store, ls.id):
            self.sessions.reset()  # the empty set was the session's only one: it went too
        store.checkpoint()
