"""Records sets as they happen: detector events and raw samples in; store rows and a trace out.

The app calls `post_event(e)` from its main loop and `post_sample(s)` from
wherever samples pass (the sampler's thread is fine). Both only put the item on
a queue: every write (SQLite, gzip, fsync) happens on the recorder's own thread,
so a slow SD card never delays a cue.

A set begins at `ready` and ends at `dowel_removed`, `set_ended` or `close()`
("interrupted", but saved). Durability, in the order things reach the card:

- each completed rep: the trace is flushed and fsynced, then the rep is
  committed (one transaction), so a rep in the store always has its samples;
- contact losses (and sensor faults) are committed in batches: everything
  that arrived together, at the latest with the next rep;
- at the end of the set the trace is finished (gzip trailer, fsync, renamed
  from `*.partial` to its final name) and the set row closed.

A power cut therefore loses at most the rep in progress. The next recorder to
start ends any set left open as "interrupted" and turns its `.partial` trace
into a complete gzip file.

Trace files are trace v1 text, gzip-compressed, with `preroll_s` seconds before
`ready` (placement and calibration) so that `smartdowel replay` finds the same
set. Their `t` is 0 at `preroll_s` before `ready` (the first sample may come a
little later); the set row's `trace_ready_s` is when `ready` happened on that
clock, and every time in the store (rep start/end, loss start) is seconds
since `ready`.

Reading a trace back: `open_trace(path)` gives text for `TraceReader`, complete
or cut short. A gzip stream cut short (power cut mid-set) has no trailer:
`gzip.open(...).read()` raises EOFError at the cut and `zcat` prints everything
then warns "unexpected end of file". Because the writer makes a zlib sync flush
at every rep, all data up to the last rep is whole deflate blocks; open_trace
decompresses with a raw `zlib.decompressobj` and stops quietly at the cut,
dropping a last line that was cut in half. `gunzip -c set.csv.gz > set.csv`
then `smartdowel replay set.csv` replays a finished one.
"""
from __future__ import annotations

import gzip
import io
import logging
import math
import os
import queue
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import IO, BinaryIO, Callable

from device.core.signal import CAUSES, CONTACTS, Sample, SignalChain
from device.store.store import Store
from device.store.trace import TraceError, TraceReader, TraceWriter

log = logging.getLogger("smartdowel.recorder")

PREROLL_S = 3.0  # samples kept before `ready`: placement + 0.7 s calibration, for replay
SESSION_GAP_S = 30 * 60.0  # a set this long after the last one starts a new session
MAX_BACKLOG = 200_000  # queued items (about half an hour at 100 Hz) before samples are dropped
PARTIAL = ".partial"
_STOP = object()


# -- trace files ------------------------------------------------------------------------------
class TraceFile:
    """A set's trace, gzip-compressed, written as samples come, durable at each checkpoint."""

    def __init__(self, path: str, chain: SignalChain, has_pitch: bool, t0: float) -> None:
        self.path, self.t0 = path, t0
        self.partial = path + PARTIAL
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        self._raw = os.fdopen(os.open(self.partial, flags, 0o644), "wb")
        try:
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
        except BaseException:
            self._raw.close()
            raise
        self._text = io.TextIOWrapper(self._gz, encoding="utf-8", newline="")
        self._writer = TraceWriter(self._text, chain, has_pitch)
        self.samples = 0
        self.last_t: float | None = None

    def write(self, s: Sample) -> None:
        self._writer.write(Sample(s.t - self.t0, s.head, s.upper_back, s.sacrum, s.pitch))
        self.samples += 1
        self.last_t = s.t

    def checkpoint(self) -> None:
        """Everything so far on the card as whole deflate blocks (readable if cut after this)."""
        self._text.flush()
        self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()
        os.fsync(self._raw.fileno())

    def finish(self) -> None:
        """Trailer, fsync, rename to the final name (never over an existing file), fsync the folder."""
        self._text.flush()
        self._gz.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        if os.path.lexists(self.path):
            raise FileExistsError(17, "a trace with this name is already there", self.path)
        os.rename(self.partial, self.path)
        _fsync_dir(os.path.dirname(self.path))

    def abandon(self) -> None:
        """Close without finishing: the .partial stays for recovery."""
        for closer in (self._text.flush, self._raw.close):
            try:
                closer()
            except (OSError, ValueError):
                pass


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class TolerantGunzip(io.RawIOBase):
    """Decompresses a gzip file; where it was cut short (or garbled) it ends quietly.

    `truncated` tells afterwards whether the end was a cut rather than a trailer.
    Only whole lines are given out from a cut stream.
    """

    CHUNK = 4096  # compressed bytes per step: a garbled stretch costs at most this much

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out = memoryview(b"")
        self._held = b""
        self._done = False
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def, override]
        while not len(self._out) and not self._done:
            self._fill()
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _fill(self) -> None:
        chunk = self._fh.read(self.CHUNK)
        try:
            data = self._z.decompress(chunk) if chunk else b""
        except zlib.error:
            data, chunk = b"", b""
        if self._z.eof:  # trailer reached and CRC checked: all of it is good
            self._out, self._held, self._done = memoryview(self._held + data), b"", True
            return
        if not chunk:  # cut short: keep whole lines only
            self._out, self._held, self._done, self.truncated = memoryview(b""), b"", True, True
            return
        data = self._held + data
        cut = data.rfind(b"\n") + 1
        self._out, self._held = memoryview(data[:cut]), data[cut:]

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_trace(path: str) -> IO[str]:
    """A recorded trace (finished or cut short) as text for `TraceReader(open_trace(p), name=p)`."""
    fh = open(path, "rb")
    return io.TextIOWrapper(io.BufferedReader(TolerantGunzip(fh)), encoding="utf-8", newline="")


def finalize_partial(partial: str, final: str) -> tuple[int, float | None]:
    """Turn a cut-short `.partial` trace into a complete gzip file; (samples, last t) kept.

    The readable samples are re-written through TraceWriter (temp name, fsync,
    rename), then the partial is removed: its data is all in the new file."""
    if os.path.lexists(final):  # crashed after the rename, before the removal
        os.unlink(partial)
        return count_samples(final)
    tmp = final + ".recover"
    if os.path.lexists(tmp):
        os.unlink(tmp)  # our own leftover from a recovery that was itself cut short
    samples, last_t = 0, None
    with open_trace(partial) as text:
        try:
            reader = TraceReader(text, name=partial)
        except TraceError:
            reader = None  # not even a header: keep the partial, nothing to make
        if reader is None:
            return 0, None
        raw = os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644), "wb")
        with raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            out = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            writer = TraceWriter(out, reader.chain, reader.has_pitch)
            try:
                for s in reader:
                    writer.write(s)
                    samples, last_t = samples + 1, s.t
            except TraceError:
                pass  # stop at the first unreadable line: everything before it is kept
            out.flush()
            out.detach()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.rename(tmp, final)
    os.unlink(partial)
    _fsync_dir(os.path.dirname(final))
    return samples, last_t


def count_samples(path: str) -> tuple[int, float | None]:
    """Samples in a trace and the last one's t (None if it holds none)."""
    n, last = 0, None
    try:
        with open_trace(path) as text:
            for s in TraceReader(text, name=path):
                n, last = n + 1, s.t
    except TraceError:
        pass
    return n, last


# -- the recorder ---------------------------------------------------------------------------
@dataclass
class _Set:
    id: int
    ready_t: float  # sampler clock
    started_at: float  # wall clock
    trace: TraceFile | None
    last_written_t: float = -math.inf
    rep_start: dict[int, float] = field(default_factory=dict)
    open_losses: dict[str, tuple[int, float]] = field(default_factory=dict)  # contact -> (row id, t)
    pending_ids: dict[str, float] = field(default_factory=dict)  # contact -> t, insert not yet run
    dips: int = 0
    end: tuple[float, str] | None = None  # an end event waiting for its samples to arrive
    end_seen_wall: float = 0.0


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
        self._q: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        self._recent: deque[Sample] = deque(maxlen=50_000)
        self._keep_s = preroll_s + 2.0
        self._latest_t = -math.inf
        self._set: _Set | None = None
        self._session: tuple[int, int] | None = None  # (session id, athlete id)
        self._last_end_wall = -math.inf
        self._ops: list[Callable[[], None]] = []
        self._store: Store | None = None
        self.sets_recorded = self.reps_recorded = self.errors = self.dropped_samples = 0
        self.last_error = ""
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="smartdowel-recorder", daemon=True)
        self._thread.start()

    # -- the caller's side: a queue put, nothing else ----------------------------------------
    def post_event(self, event: dict) -> None:
        """A detector event (the dicts of DESIGN.md's event lines)."""
        self._q.put(event)

    def post_sample(self, sample: Sample) -> None:
        """A raw sample; dropped (and counted) only if the writer is half an hour behind."""
        if self._q.qsize() < MAX_BACKLOG:
            self._q.put(sample)
        else:
            self.dropped_samples += 1

    def set_athlete(self, athlete_id: int) -> None:
        """Who the next set belongs to (the set in progress keeps its athlete)."""
        self._q.put(lambda: self._switch_athlete(athlete_id))

    def sync(self, timeout: float = 10.0) -> bool:
        """Wait until everything posted before this call is written; False on timeout."""
        done = threading.Event()
        self._q.put(lambda: self._sync_point(done))
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, end a set in progress as 'interrupted', stop the thread."""
        if not self._closed:
            self._closed = True
            self._q.put(_STOP)
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
        while True:
            try:
                item = self._q.get(timeout=0.5)
            except queue.Empty:
                self._idle()
                continue
            stop = self._handle(item)
            for _ in range(5000):  # the rest of what arrived together: one commit for it
                if stop:
                    break
                try:
                    stop = self._handle(self._q.get_nowait())
                except queue.Empty:
                    break
            self._guard("writing contact losses", self._flush_ops)
            if stop:
                break
        self._shutdown()

    def _handle(self, item: object) -> bool:
        """One queued item; True for the stop marker. Errors are logged, never raised."""
        if item is _STOP:
            return True
        if isinstance(item, tuple):
            self._guard("writing the trace", self._on_sample, item)  # type: ignore[arg-type]
        elif isinstance(item, dict):
            self._guard(f"recording {item.get('type')}", self._on_event, item)
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

    def _idle(self) -> None:
        """Nothing queued for a while: an end event whose samples never came ends now."""
        cur = self._set
        if cur is not None and cur.end is not None and self._clock() - cur.end_seen_wall > 1.0:
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

    # -- events -------------------------------------------------------------------------------
    def _on_event(self, e: dict) -> None:
        kind = e.get("type")
        if kind == "ready":
            self._begin(e)
            return
        cur = self._set
        if cur is None or cur.end is not None:
            return  # between sets (or after the end): nothing to record
        t = float(e.get("t", self._latest_t))
        if kind == "rep_started":
            cur.rep_start[int(e["rep"])] = t
        elif kind == "rep_completed":
            self._rep(cur, e, t)
        elif kind == "rep_discarded":
            cur.dips += 1
        elif kind == "contact_lost":
            self._lost(cur, e, t)
        elif kind == "contact_restored":
            self._restored(cur, e, t)
        elif kind == "sensor_fault":
            fault = f"{e.get('contact')}:{e.get('reason')}"
            self._ops.append(lambda: self._db().note_sensor_fault(cur.id, fault))
        elif kind in ("dowel_removed", "set_ended"):
            reason = "dowel_removed" if kind == "dowel_removed" else str(e.get("reason") or "ended")
            cur.end, cur.end_seen_wall = (t, reason), self._clock()
            if self._latest_t >= t:
                self._finish(t, reason)

    def _db(self) -> Store:
        if self._store is None:
            raise RuntimeError("no store (it could not be opened)")
        return self._store

    def _begin(self, e: dict) -> None:
        """`ready`: a new set (and a new session when the athlete or the day changed)."""
        if self._set is not None:
            self._finish(*(self._set.end or (self._latest_t, "interrupted")))
        self._flush_ops()
        store = self._db()
        t_r = float(e["t"])
        started = self._clock() - max(0.0, self._latest_t - t_r)
        session = self._session_for(started)
        t0 = t_r - self.preroll_s  # fixed, whatever order samples and events arrive in
        pre = [s for s in self._recent if s.t >= t0]
        base = {k: float(v) for k, v in (e.get("baseline_us") or {}).items()}
        set_id, trace_name = store.begin_set(session, started, e.get("standing_deg"), base,
                                             round(t_r - t0, 4))
        cur = _Set(set_id, t_r, started, None)
        self._set = cur
        self.sets_recorded += 1
        try:
            cur.trace = TraceFile(os.path.join(store.data_dir, trace_name), self.chain,
                                  "standing_deg" in e, t0)
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

    def _rep(self, cur: _Set, e: dict, t: float) -> None:
        """Trace to the card first, then the rep in one commit (with any losses waiting)."""
        if cur.trace is not None:
            try:
                cur.trace.checkpoint()
            except OSError as exc:
                cur.trace.abandon()
                cur.trace = None
                self._fail(f"set {cur.id}: trace stopped", exc)
        rep = int(e["rep"])
        duration = e.get("duration_s")
        start = cur.rep_start.pop(rep, t - duration if duration is not None else None)
        row = {"rep": rep, "start_s": None if start is None else round(start - cur.ready_t, 3),
               "end_s": round(t - cur.ready_t, 3), "depth_deg": e.get("depth_deg"),
               "duration_s": duration, "descent_s": e.get("descent_s"), "bottom_s": e.get("bottom_s"),
               "ascent_s": e.get("ascent_s"), "faults": [f for f in e.get("faults", ()) if f in CONTACTS]}
        store = self._db()
        with store.transaction():
            self._run_ops()
            store.add_rep(cur.id, row)
        self.reps_recorded += 1

    def _lost(self, cur: _Set, e: dict, t: float) -> None:
        contact = e.get("contact")
        if contact not in CONTACTS or contact in cur.open_losses or contact in cur.pending_ids:
            return
        cause = e.get("cause") or CAUSES[contact]
        start = round(t - cur.ready_t, 3)
        cur.pending_ids[contact] = t

        def insert() -> None:
            loss_id = self._db().add_loss(cur.id, contact, cause, start, e.get("phase"), e.get("rep"))
            cur.pending_ids.pop(contact, None)
            cur.open_losses[contact] = (loss_id, t)
        self._ops.append(insert)

    def _restored(self, cur: _Set, e: dict, t: float) -> None:
        contact = e.get("contact")

        def update() -> None:
            opened = cur.open_losses.pop(contact, None)  # type: ignore[arg-type]
            if opened is not None:
                self._db().restore_loss(opened[0], round(max(0.0, t - opened[1]), 3))
        self._ops.append(update)

    def _run_ops(self) -> None:
        ops, self._ops = self._ops, []
        for op in ops:
            op()

    def _flush_ops(self) -> None:
        """The batch of losses/faults that arrived together: one transaction."""
        if self._ops:
            try:
                with self._db().transaction():
                    self._run_ops()
            except Exception:
                self._ops = []
                if self._set is not None:
                    self._set.pending_ids.clear()
                raise

    def _finish(self, end_t: float, reason: str) -> None:
        """Close the set: losses, trace (renamed to its final name), row; in that order."""
        cur, self._set = self._set, None
        if cur is None:
            return
        try:
            self._flush_ops()
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
            self._db().end_set(cur.id, round(duration, 3), reason, samples, cur.dips)
            self._last_end_wall = cur.started_at + duration

    def _shutdown(self) -> None:
        cur = self._set
        if cur is not None:
            end_t, reason = cur.end or (max(self._latest_t, cur.ready_t), "interrupted")
            self._guard("ending the set", self._finish, end_t, reason)
        if self._store is not None:
            self._store.close()


def recover_interrupted(store: Store) -> int:
    """End the sets a crash left open ('interrupted'), their traces made whole; how many."""
    n = 0
    for row in store.open_sets():
        samples, last_t = 0, None
        if row["trace"]:
            final = os.path.join(store.data_dir, row["trace"])
            try:
                if os.path.lexists(final + PARTIAL):
                    samples, last_t = finalize_partial(final + PARTIAL, final)
                elif os.path.lexists(final):
                    samples, last_t = count_samples(final)
            except OSError as exc:
                log.error("smartdowel recorder: set %s: cannot recover its trace %s: %s",
                          row["id"], final, exc)
        ready = row["trace_ready_s"] or 0.0
        duration = max(store.last_times(row["id"]), (last_t - ready) if last_t is not None else 0.0)
        store.end_set(row["id"], round(duration, 3), "interrupted", samples, row["dips"])
        log.warning("smartdowel recorder: set %s was interrupted (power cut or crash); kept %d "
                    "samples", row["id"], samples)
        n += 1
    return n
