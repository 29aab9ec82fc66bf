"""Export to a USB stick: CSV + JSON + a PNG chart and the raw trace per set, and a manifest.

    smartdowel-export-2025-01-31T14-05-09/     (named *.partial until complete)
      README.txt               every file and column explained
      sessions.csv sets.csv reps.csv contact_losses.csv
      sessions/session-000012.json
      charts/set-000123.png    pressures (× standing) and tilt over time, losses shaded, reps marked
      traces/set-000123.csv.gz the set's raw trace v1, gzip
      MANIFEST.sha256          SHA-256 of every file above (`sha256sum -c MANIFEST.sha256`)

Why it is built this way:

- Nothing is trusted that was on the stick before: a new folder is made with
  mkdir (fails if anything has that name, symlink or not), every file in it is
  created with O_CREAT|O_EXCL|O_NOFOLLOW relative to the folder's descriptor,
  so no symlink is followed and nothing is overwritten.
- Every file: temporary name, fsync, rename. The folder is called `*.partial`
  until all files and then the manifest are on the stick; only then is it
  renamed, the stick synced (`os.sync()`) and "safe to remove" reported. A
  folder still named `.partial` is an export that did not finish: never trust it.
- The store is only read (one snapshot, so a set finishing meanwhile is either
  in or out, never half) until the very end, when the exported sets are marked
  in one transaction: a failed export leaves the store as it was, and a retry
  exports the same sets.
- Memory stays flat: sets are streamed from a cursor, one set's reps and losses
  at a time; manifest lines go to the stick as files are done; charts are
  drawn by worker processes with a bounded number in flight; fsyncs happen on
  an I/O thread with a bounded queue.
- Every failure of the medium becomes an ExportError with one line: what
  happened, where, and what to do.
"""
from __future__ import annotations

import csv
import errno
import functools
import hashlib
import json
import logging
import operator
import os
import queue
import sqlite3
import stat
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from device.store.gztrace import open_trace
from device.core.contacts import CONTACTS
from device.core.signal import SignalChain
from device.store.store import Store, iso
from device.store.trace import TraceError, TraceReader

log = logging.getLogger("smartdowel.export")

CHART_SIZE = (600, 250)
CHART_POINTS = 240  # samples drawn per chart: one per ~2 pixels of the plot; the Python drawing is per point
FOLDER_PREFIX = "smartdowel-export-"
PARTIAL = ".partial"
MANIFEST = "MANIFEST.sha256"
FORMAT = "smartdowel-export v1"
_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

# -- columns: one list, used for the CSV headers, README.txt and docs/export-columns.md -----------
SESSIONS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("session_id", "number of the session on this box"),
    ("athlete_id", "number of the athlete on this box"),
    ("athlete", "athlete's name"),
    ("started_at", "when the session's first set began (ISO 8601, the box's local time and UTC offset)"),
    ("ended_at", "when its last set ended (ISO 8601)"),
    ("sets", "sets of this session in this export"),
    ("reps", "counted reps in those sets"),
    ("clean_reps", "reps without any contact lost"),
    ("contact_losses", "contact losses in those sets"),
)
SETS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "number of the set on this box (charts/set-<set_id>.png, traces/set-<set_id>.csv.gz)"),
    ("session_id", "its session (sessions.csv)"),
    ("athlete_id", "number of the athlete"),
    ("athlete", "athlete's name"),
    ("set_number", "1 for the session's first set, 2 for the next, ..."),
    ("started_at", "when the set began: all three contacts on and calibrated (ISO 8601)"),
    ("ended_at", "when it ended (ISO 8601)"),
    ("duration_s", "seconds from start to end"),
    ("end_reason", "dowel_removed, button (ended with button A), or interrupted (power cut, crash, shutdown)"),
    ("reps", "counted reps"),
    ("clean_reps", "reps without any contact lost"),
    ("dips", "shallow dips that did not count as reps"),
    ("contact_losses", "times a contact came off the dowel"),
    ("head_losses", "of those, at the head (neck bending forward)"),
    ("upper_back_losses", "of those, at the upper back (squatting: too much knee bend)"),
    ("sacrum_losses", "of those, at the sacrum (rounding the spine)"),
    ("mean_depth_deg", "mean depth of the counted reps, degrees of dowel tilt from standing"),
    ("max_depth_deg", "deepest rep, degrees"),
    ("mean_rep_s", "mean rep duration, seconds"),
    ("standing_deg", "tilt of the dowel when standing at the start, degrees (empty without a tilt sensor)"),
    ("baseline_head_us", "standing pressure at the head, as sensor conductance in microsiemens (∝ force)"),
    ("baseline_upper_back_us", "standing pressure at the upper back, microsiemens"),
    ("baseline_sacrum_us", "standing pressure at the sacrum, microsiemens"),
    ("sensor_faults", "sensor problems during the set, contact:reason separated by ';' (e.g. head:shorted)"),
    ("samples", "raw samples in the trace"),
    ("trace_file", "the raw trace in this export (empty if it could not be kept)"),
    ("trace_ready_s", "when the set began on the trace's clock (its t column), seconds"),
    ("chart_file", "the chart in this export (empty if it could not be drawn)"),
    ("athlete_set_number", "1 for the athlete's first set on this box, 2 for the next, ... (as the "
                           "screen and History number it)"),
    ("schedule", "feedback schedule the set ran with: every, faded, bandwidth or retention (no cue "
                 "on screen or buzzer); 'a>b' if changed during the set; empty for sets from before "
                 "it was recorded"),
    ("sensitivity", "contact-loss sensitivity the set ran with: low, normal or high ('a>b' if changed)"),
    ("mute", "1 if the buzzer was muted, 0 if not ('0>1' if changed during the set)"),
)
REPS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "the set (sets.csv)"),
    ("session_id", "the session (sessions.csv)"),
    ("athlete", "athlete's name"),
    ("rep", "1 for the set's first counted rep, 2 for the next, ..."),
    ("start_s", "when the rep began, seconds from the start of the set"),
    ("end_s", "when it ended (back standing), seconds from the start of the set"),
    ("depth_deg", "deepest tilt of the dowel in this rep, degrees from standing"),
    ("duration_s", "seconds from start to end"),
    ("descent_s", "seconds going down"),
    ("bottom_s", "seconds at the bottom"),
    ("ascent_s", "seconds coming up"),
    ("clean", "1 if no contact came off during the rep, else 0"),
    ("head_lost", "1 if the head came off during the rep"),
    ("upper_back_lost", "1 if the upper back came off"),
    ("sacrum_lost", "1 if the sacrum came off"),
    ("faults", "contacts that came off, separated by ';'"),
)
LOSSES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "the set (sets.csv)"),
    ("session_id", "the session (sessions.csv)"),
    ("athlete", "athlete's name"),
    ("rep", "the rep it happened in (empty: between reps)"),
    ("contact", "head, upper_back or sacrum"),
    ("cause", "what it means: cervical_flexion (head: neck bending), squatting (upper back: "
              "too much knee bend), spinal_flexion (sacrum: rounding the spine)"),
    ("phase", "part of the rep: standing, descent, bottom or ascent (empty without a tilt sensor)"),
    ("start_s", "when the contact came off, seconds from the start of the set"),
    ("duration_s", "how long it stayed off, seconds"),
    ("restored", "1 if it came back during the set, 0 if it was still off when the set ended"),
)
CSV_FILES: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    ("sessions.csv", SESSIONS_COLUMNS, "one row per session (an athlete's sets at the box)"),
    ("sets.csv", SETS_COLUMNS, "one row per set"),
    ("reps.csv", REPS_COLUMNS, "one row per counted rep"),
    ("contact_losses.csv", LOSSES_COLUMNS, "one row per contact loss"),
)


class ExportError(Exception):
    """An export that did not happen; str() is one line: what, where, what to do."""

    def __init__(self, message: str, path: str = "", err: int | None = None) -> None:
        super().__init__(message)
        self.path, self.errno = path, err


@dataclass
class ExportResult:
    folder: str | None  # None: nothing to export
    sets: int = 0
    reps: int = 0
    sessions: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


# -- the file-writing seam: every touch of the destination goes through here -------------------
class Media:
    """Operations on the destination. Tests subclass it to inject the errors of bad media."""

    def open_dir(self, path: str, dir_fd: int | None = None) -> int:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)

    def mkdir(self, name: str, dir_fd: int) -> None:
        os.mkdir(name, 0o755, dir_fd=dir_fd)

    def create(self, name: str, dir_fd: int) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        return os.open(name, flags, 0o644, dir_fd=dir_fd)

    def write(self, fd: int, data: memoryview) -> None:
        while data:
            n = os.write(fd, data)
            data = data[n:]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def rename(self, src: str, dst: str, src_dir_fd: int, dst_dir_fd: int) -> None:
        if self.exists(dst, dst_dir_fd):  # rename() would replace it: never overwrite
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
        os.rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def exists(self, name: str, dir_fd: int) -> bool:
        try:
            os.lstat(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        return True

    def statvfs(self, fd: int) -> os.statvfs_result:
        return os.statvfs(fd)

    def sync(self) -> None:
        os.sync()


class _OutFile:
    """A new file in the export: buffered, hashed as written, committed by temp name + rename."""

    BUFFER = 1 << 16

    def __init__(self, folder: "_Folder", rel: str, dir_fd: int) -> None:
        self.folder, self.rel, self.dir_fd = folder, rel, dir_fd
        self.where = f"{folder.partial}/{rel}"  # for messages: where on the stick
        self.name = rel.rsplit("/", 1)[-1]
        self.tmp = f".{self.name}.tmp"
        try:
            self.fd = folder.media.create(self.tmp, dir_fd)
        except OSError as exc:
            raise _Failed(exc, self.where) from None
        folder.open_files.add(self)
        self.sha = hashlib.sha256()
        self.size = 0
        self._buf = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sha.update(data)
        self.size += len(data)
        self._buf += data
        if len(self._buf) >= self.BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            try:
                self.folder.media.write(self.fd, memoryview(self._buf))
            except OSError as exc:
                raise _Failed(exc, self.where) from None
            self._buf = bytearray()


class _TextOut:
    """str -> UTF-8 into an _OutFile (what csv.writer and json want)."""

    def __init__(self, out: _OutFile) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(text.encode("utf-8"))
        return len(text)


class _Closer(threading.Thread):
    """fsync, close, rename off the main thread (fsync waits on the medium, not the CPU)."""

    def __init__(self, media: Media) -> None:
        super().__init__(name="smartdowel-export-io", daemon=True)
        self.media = media
        self.jobs: "queue.Queue[_OutFile | None]" = queue.Queue(maxsize=64)
        self.error: BaseException | None = None
        self.failed_on = ""

    def run(self) -> None:
        while True:
            out = self.jobs.get()
            if out is None:
                return
            try:
                if self.error is None:
                    self.media.fsync(out.fd)
                os.close(out.fd)
                out.fd = -1
                if self.error is None:
                    self.media.rename(out.tmp, out.name, out.dir_fd, out.dir_fd)
            except BaseException as exc:
                if self.error is None:
                    self.error, self.failed_on = exc, out.where
                _close_quietly(out)


def _close_quietly(out: Any) -> None:
    """Close an output's descriptor once, whatever the stick says: we are already failing."""
    if out.fd >= 0:
        try:
            os.close(out.fd)
        except OSError:
            pass
        out.fd = -1


def fat_safe(name: str) -> bool:
    """A name every stick takes: ASCII letters, digits, '.', '_', '-'; no leading/trailing dot; short.

    >>> fat_safe("smartdowel-export-2025-01-31T14-05-09"), fat_safe("a:b"), fat_safe("x.")
    (True, False, False)
    """
    return (0 < len(name) <= 64 and set(name) <= _SAFE_CHARS and not name.startswith(".")
            and not name.endswith((".", " ")))


class _Folder:
    """The export folder being built on the stick."""

    SUBDIRS = ("sessions", "charts", "traces")

    def __init__(self, media: Media, dest: str, dest_fd: int, name: str) -> None:
        self.media, self.dest, self.dest_fd, self.name = media, dest, dest_fd, name
        self.partial = name + PARTIAL
        self.fd = -1
        self.sub: dict[str, int] = {}
        self.files = self.bytes = 0
        self.closer = _Closer(media)
        self.manifest: _OutFile | None = None
        self.open_files: set[_OutFile] = set()  # created, not yet handed to the I/O thread

    @classmethod
    def create(cls, media: Media, dest: str, dest_fd: int, when: float) -> "_Folder":
        """mkdir a fresh `<name>.partial`; a name taken in any form (file, folder, symlink) is skipped."""
        stamp = time.strftime("%Y-%m-%dT%H-%M-%S", time.localtime(when))
        for n in range(1, 1000):
            name = f"{FOLDER_PREFIX}{stamp}" + (f"-{n}" if n > 1 else "")
            if media.exists(name, dest_fd) or media.exists(name + PARTIAL, dest_fd):
                continue
            try:
                media.mkdir(name + PARTIAL, dest_fd)
            except FileExistsError:
                continue
            folder = cls(media, dest, dest_fd, name)
            try:
                folder._open()
            except BaseException:
                folder.abort()
                raise
            return folder
        raise ExportError(f"export failed: {dest} already holds 999 exports named {FOLDER_PREFIX}{stamp}: "
                          f"move some away and export again", dest)

    def _open(self) -> None:
        self.fd = self.media.open_dir(self.partial, self.dest_fd)
        for sub in self.SUBDIRS:
            self.media.mkdir(sub, self.fd)
            self.sub[sub] = self.media.open_dir(sub, self.fd)
        self.closer.start()
        self.manifest = _OutFile(self, MANIFEST, self.fd)

    def new_file(self, rel: str) -> _OutFile:
        self.check()
        head, _, tail = rel.rpartition("/")
        assert fat_safe(tail), rel
        return _OutFile(self, rel, self.sub[head] if head else self.fd)

    def commit(self, out: _OutFile) -> None:
        """Hand the file to the I/O thread (fsync, rename); its line goes into the manifest."""
        out.flush()
        assert self.manifest is not None
        self.manifest.write(f"{out.sha.hexdigest()}  {out.rel}\n".encode())
        self.files += 1
        self.bytes += out.size
        self.open_files.discard(out)
        self.closer.jobs.put(out)
        self.check()

    def write_bytes(self, rel: str, data: bytes) -> None:
        out = self.new_file(rel)
        out.write(data)
        self.commit(out)

    def check(self) -> None:
        """Raise the I/O thread's first error on the main thread."""
        if self.closer.error is not None:
            raise _Failed(self.closer.error, self.closer.failed_on)

    def finish(self) -> str:
        """Files durable, manifest last, then the rename that makes the export real; sync."""
        self._drain()
        self.check()
        for fd in (*self.sub.values(), self.fd):
            self.media.fsync(fd)
        manifest, self.manifest = self.manifest, None
        assert manifest is not None
        manifest.flush()
        self.open_files.discard(manifest)
        self.media.fsync(manifest.fd)
        os.close(manifest.fd)
        manifest.fd = -1
        self.media.rename(manifest.tmp, MANIFEST, self.fd, self.fd)
        self.media.fsync(self.fd)
        self.media.rename(self.partial, self.name, self.dest_fd, self.dest_fd)
        self.media.fsync(self.dest_fd)
        self.media.sync()
        self._close_dirs()
        return os.path.join(self.dest, self.name)

    def _drain(self) -> None:
        if self.closer.is_alive():
            self.closer.jobs.put(None)
            self.closer.join()

    def _close_dirs(self) -> None:
        for fd in [*self.sub.values(), self.fd]:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.sub, self.fd = {}, -1

    def abort(self) -> None:
        """Best effort: remove what we made (only our own new folder). A stick that is gone keeps
        a `*.partial` folder, which says plainly that it is incomplete."""
        self._drain()
        for out in self.open_files:
            _close_quietly(out)
        self.open_files.clear()
        try:
            if self.fd < 0:
                self.fd = self.media.open_dir(self.partial, self.dest_fd)
            for sub in self.SUBDIRS:
                if sub not in self.sub and self.media.exists(sub, self.fd):
                    os.rmdir(sub, dir_fd=self.fd)  # made, but never opened: empty
            for sub, fd in list(self.sub.items()):
                _remove_files(fd)
                os.rmdir(sub, dir_fd=self.fd)
            if self.fd >= 0:
                _remove_files(self.fd)
            self._close_dirs()
            os.rmdir(self.partial, dir_fd=self.dest_fd)
        except OSError:
            self._close_dirs()


def _remove_files(dir_fd: int) -> None:
    """Unlink the regular files in a folder we created (unlink never follows a symlink)."""
    for entry in os.scandir(dir_fd):
        if entry.is_file(follow_symlinks=False):
            os.unlink(entry.name, dir_fd=dir_fd)


class _Failed(Exception):
    """An OSError on the stick (in this thread or the I/O thread), with the file it was about."""

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


# -- errors in words -------------------------------------------------------------------------
_GONE = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESTALE, errno.EBADF, errno.ENOTCONN}


def explain(exc: BaseException, dest: str, where: str = "") -> ExportError:
    """One line for an OSError during the export: what happened, where, what to do."""
    if isinstance(exc, ExportError):
        return exc
    at = f" ({where})" if where else ""
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        msg = f"the USB stick at {dest} is full{at}: free some space or use another stick, then export again"
    elif code == errno.EROFS:
        msg = (f"the USB stick at {dest} is read-only{at}: slide its write-protect switch off (or use "
               f"another stick), then export again")
    elif code in (errno.EACCES, errno.EPERM):
        msg = f"no permission to write in {dest}{at}: use a stick this box may write to, then export again"
    elif code in _GONE:
        msg = (f"the USB stick at {dest} was removed or stopped working during the export{at}: "
               f"plug it in again and export again (a folder ending in {PARTIAL} is incomplete: delete it)")
    elif code == errno.ELOOP:
        msg = f"{dest}{at} is a symbolic link, which the export never follows: choose a real folder"
    elif code in (errno.EINVAL, errno.ENAMETOOLONG, errno.EILSEQ):
        msg = f"the filesystem at {dest} refused a file name{at} ({reason}): format the stick as FAT32 or exFAT"
    elif code == errno.EEXIST:
        msg = f"{dest}{at} already exists and is never overwritten: export again (a new name is chosen)"
    else:
        msg = f"cannot write to {dest}{at}: {reason}; check the stick and export again"
    return ExportError("export failed: " + msg, dest, code)


def _open_dest(media: Media, dest: str) -> int:
    """The destination folder's descriptor: a real folder, not a symlink, on a writable filesystem."""
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        raise ExportError(f"export failed: no folder {dest}: is the USB stick plugged in and mounted?",
                          dest, errno.ENOENT) from None
    except OSError as exc:
        raise explain(exc, dest) from None
    if stat.S_ISLNK(st.st_mode):
        raise ExportError(f"export failed: {dest} is a symbolic link, which the export never follows: "
                          f"give the stick's real folder", dest, errno.ELOOP)
    if not stat.S_ISDIR(st.st_mode):
        raise ExportError(f"export failed: {dest} is not a folder (not a filesystem the export can write "
                          f"to): give the stick's folder, e.g. /media/<user>/<stick>", dest, errno.ENOTDIR)
    try:
        fd = media.open_dir(dest)
    except OSError as exc:
        raise explain(exc, dest) from None
    try:
        vfs = media.statvfs(fd)
    except OSError as exc:
        os.close(fd)
        raise explain(exc, dest) from None
    if vfs.f_flag & os.ST_RDONLY:
        os.close(fd)
        raise explain(OSError(errno.EROFS, os.strerror(errno.EROFS)), dest)
    if vfs.f_blocks == 0:  # proc, sysfs, cgroup...: a kernel view, not storage
        os.close(fd)
        raise ExportError(f"export failed: {dest} is not on a filesystem that stores files (no storage "
                          f"blocks): give the stick's folder, e.g. /media/<user>/<stick>", dest, errno.EINVAL)
    return fd


# -- what is exported: one snapshot of the store ----------------------------------------------
@dataclass
class _Plan:
    sets: int
    reps: int
    trace_bytes: int

    def bytes_needed(self) -> int:
        """A low estimate (PNG and JSON vary): refuse only an export that surely will not fit."""
        return self.trace_bytes + self.sets * 8_000 + self.reps * 150 + 64_000


def _snapshot(db: Store, all_sets: bool) -> _Plan:
    """Begin the read transaction and note the sets to export in a temp table (not a list)."""
    conn = db.conn
    conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS export_sets (set_id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.export_sets")
    only_new = "" if all_sets else " AND export_id IS NULL"
    conn.execute(f"INSERT INTO temp.export_sets SELECT id FROM sets WHERE ended_at IS NOT NULL{only_new}")
    sets = conn.execute("SELECT COUNT(*) FROM temp.export_sets").fetchone()[0]
    reps = conn.execute("SELECT COUNT(*) FROM reps WHERE set_id IN (SELECT set_id FROM temp.export_sets)"
                        ).fetchone()[0]
    trace_bytes = 0
    for (trace,) in conn.execute("SELECT st.trace FROM temp.export_sets x JOIN sets st ON st.id = x.set_id"):
        try:
            trace_bytes += os.stat(os.path.join(db.data_dir, trace)).st_size if trace else 0
        except OSError:
            pass
    return _Plan(sets, reps, trace_bytes)


def _check_space(media: Media, fd: int, dest: str, plan: _Plan) -> None:
    vfs = media.statvfs(fd)
    free = vfs.f_bavail * vfs.f_frsize
    need = plan.bytes_needed()
    if need > free:
        raise ExportError(f"export failed: the USB stick at {dest} is full: this export needs about "
                          f"{_mb(need)}, {_mb(free)} free: free some space or use another stick, then "
                          f"export again", dest, errno.ENOSPC)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# -- charts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartJob:
    """Everything a worker process needs to draw one set's chart (picklable)."""

    trace: str
    baseline_us: tuple[float | None, float | None, float | None]
    ready_s: float
    losses: tuple[tuple[str, float, float], ...]
    reps: tuple[tuple[float, float], ...]
    title: str
    size: tuple[int, int] = CHART_SIZE
    points: int = CHART_POINTS


class ChartError(Exception):
    """A chart that could not be drawn (its trace missing or unreadable)."""


@functools.lru_cache(maxsize=4)
def _conductance_table(chain: SignalChain) -> tuple[list[float], int]:
    return chain.table()  # 65,536 entries for an ADS1115: built once per chain, not per set


def _read_series(job: ChartJob) -> tuple[list[float], list[list[float]], list[float] | None]:
    """Every k-th sample of the trace (k so that about job.points are kept), in set time.

    The set's text is read whole (one set: a minute is ~200 KB; never all sets)
    and sliced in C; only the kept lines are parsed."""
    try:
        text = open_trace(job.trace)
    except OSError as exc:
        raise ChartError(f"{job.trace}: {exc.strerror}") from None
    with text:
        try:
            reader = TraceReader(text, name=job.trace)
            rows = text.read().splitlines()
        except (TraceError, UnicodeDecodeError, OSError) as exc:
            raise ChartError(f"{job.trace}: {exc}") from None
    cols = reader.columns
    it, *ic = (cols.index(c) for c in ("t",) + CONTACTS)
    ip = cols.index("pitch") if reader.has_pitch else -1
    table, off = _conductance_table(reader.chain)
    lo, hi = reader.chain.count_range
    kept = [line.split(",") for line in rows[::max(1, len(rows) // max(1, job.points))]
            if line and line[0] != "#"]
    if len(kept) < 2:
        raise ChartError(f"{job.trace}: fewer than two samples")
    try:
        columns = list(zip(*kept, strict=True))
        ready = job.ready_s
        ts = [float(x) - ready for x in columns[it]]
        counts = [[int(x) for x in columns[j]] for j in ic]
        pitch = [float(x) if x.strip() else 0.0 for x in columns[ip]] if ip >= 0 else None
    except (ValueError, IndexError):
        raise ChartError(f"{job.trace}: unreadable samples (not numbers, or missing values)") from None
    if any(min(c) < lo or max(c) > hi for c in counts):
        raise ChartError(f"{job.trace}: counts outside the {reader.chain.adc} range {lo}..{hi}")
    gs = [[table[c + off] for c in col] for col in counts]
    return ts, gs, pitch


def _fractions(gs: list[float], baseline_us: float | None) -> list[float]:
    """Conductance as a fraction of the standing baseline (the median if none was recorded)."""
    base = (baseline_us or 0.0) * 1e-6
    if base <= 0:
        finite = sorted(g for g in gs if g != float("inf"))
        base = finite[len(finite) // 2] if finite and finite[len(finite) // 2] > 0 else 1.0
    return [g / base for g in gs]


def render_chart(job: ChartJob) -> bytes:
    """The set's chart as PNG bytes (device/chart.py's drawing, a fast PNG encoder)."""
    from ui.chart import SetSeries, draw_set_chart
    ts, gs, pitch = _read_series(job)
    data = SetSeries(t=ts, pressure={c: _fractions(g, b) for c, g, b in zip(CONTACTS, gs, job.baseline_us)},
                     pitch=pitch, losses=list(job.losses), reps=list(job.reps))
    surface = _surface(job.size)
    draw_set_chart(surface, surface.get_rect(), data, job.title)
    return png_bytes(surface)


@functools.lru_cache(maxsize=2)
def _surface(size: tuple[int, int]) -> Any:
    """One surface per size, reused chart after chart (draw_set_chart fills it first)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    return pygame.Surface(size)


@functools.lru_cache(maxsize=2)
def _png_rows(w: int, h: int) -> Any:
    """The filtered scanlines' buffer, reused: a 600x250 chart is 450 KB each time otherwise."""
    import numpy as np
    rows = np.empty((h, w * 3 + 1), np.uint8)
    rows[:, 0] = 2  # filter type Up: each row minus the one above; charts are mostly flat columns
    return rows


def png_bytes(surface: Any) -> bytes:
    """RGB PNG, 'Up' filter, zlib level 1: about 1.2 ms for 600x250, where pygame's own save
    (libpng's default level) takes about 7 ms; the file is a few KB larger (~15 KB)."""
    import numpy as np
    import pygame
    w, h = surface.get_size()
    rows = _png_rows(w, h)
    tobytes = getattr(pygame.image, "tobytes", None) or pygame.image.tostring
    rgb = np.frombuffer(tobytes(surface, "RGB"), np.uint8).reshape(h, w * 3)
    rows[0, 1:] = rgb[0]
    np.subtract(rgb[1:], rgb[:-1], out=rows[1:, 1:])  # uint8 wraps around, as PNG wants

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
            + chunk(b"IEND", b""))


def _render_or_error(job: ChartJob) -> bytes | str:
    """For the worker processes: a failure comes back as text, not an exception to unpickle."""
    try:
        return render_chart(job)
    except ChartError as exc:
        return str(exc)
    except Exception as exc:  # a chart must never sink the export
        return f"{job.trace}: {type(exc).__name__}: {exc}"


def _worker_init() -> None:
    """Chart workers yield to the live appliance (sampler, buzzer) if it runs beside them."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        os.nice(10)
    except OSError:
        pass


def _render_many(jobs: Sequence[ChartJob]) -> list[bytes | str]:
    """A worker's task: a few charts at once, so the pool's per-task cost is shared."""
    return [_render_or_error(job) for job in jobs]


class _Charts:
    """Charts in order, drawn inline or by a process pool with a bounded number in flight.

    Charts go to the pool in batches of BATCH; at most `workers * 3` batches are
    in flight. If the pool breaks (a worker killed, no way to start one), what
    was in flight and everything after is drawn inline: slower, never lost."""

    BATCH = 8

    def __init__(self, workers: int) -> None:
        self.pool: Any = None
        self.window = max(1, workers * 3)
        self.batch: list[tuple[Any, ChartJob | None]] = []
        self.inflight: deque[tuple[list[tuple[Any, ChartJob | None]], Any]] = deque()
        if workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init)

    def submit(self, key: Any, job: ChartJob | None) -> Iterator[tuple[Any, bytes | str | None]]:
        """Queue a chart (None: none to draw); yields finished (key, PNG or error) in order."""
        self.batch.append((key, job))
        if self.pool is None or len(self.batch) >= self.BATCH:
            self._send()
        while len(self.inflight) > (self.window if self.pool is not None else 0):
            yield from self._pop()

    def drain(self) -> Iterator[tuple[Any, bytes | str | None]]:
        self._send()
        while self.inflight:
            yield from self._pop()

    def _send(self) -> None:
        items, self.batch = self.batch, []
        if not items:
            return
        jobs = [j for _, j in items if j is not None]
        pending: Any = []
        if jobs and self.pool is not None:
            try:
                pending = self.pool.submit(_render_many, jobs)
            except Exception as exc:  # BrokenProcessPool, or a worker could not be started
                self._broken(exc)
                pending = _render_many(jobs)
        elif jobs:
            pending = _render_many(jobs)
        self.inflight.append((items, pending))

    def _pop(self) -> Iterator[tuple[Any, bytes | str | None]]:
        items, pending = self.inflight.popleft()
        if not isinstance(pending, list):
            try:
                pending = pending.result()
            except Exception as exc:
                self._broken(exc)
                pending = _render_many([j for _, j in items if j is not None])
        results = iter(pending)
        for key, job in items:
            yield key, (None if job is None else next(results))

    def _broken(self, exc: BaseException) -> None:
        if self.pool is not None:
            log.warning("export: chart workers failed (%s); drawing the charts here instead", exc)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _auto_workers(sets: int) -> int:
    """Worker processes: none for a small export (starting one costs ~0.3 s), else one per CPU
    up to 4, and no more than free memory allows (~80 MB each: a Pi Zero 2 W has 512 MB)."""
    cpus = os.cpu_count() or 1
    if sets < 48 or cpus < 2:
        return 0
    return min(cpus, 4, _available_mb() // 80)


def _available_mb(meminfo: str = "/proc/meminfo") -> int:
    try:
        with open(meminfo) as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1024


# -- rows -----------------------------------------------------------------------------------
def _text(value: str | None) -> str:
    """A name for a spreadsheet cell: a leading = + - @ would run as a formula, so it is quoted."""
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _set_record(row: sqlite3.Row, reps: list[sqlite3.Row], losses: list[sqlite3.Row],
                trace_file: str, chart_file: str) -> dict[str, Any]:
    """The set's numbers as sets.csv and the session JSON have them."""
    depths = [r["depth_deg"] for r in reps if r["depth_deg"] is not None]
    durations = [r["duration_s"] for r in reps if r["duration_s"] is not None]
    per_contact = {c: sum(1 for x in losses if x["contact"] == c) for c in CONTACTS}
    return {
        "set_id": row["id"], "session_id": row["session_id"], "athlete_id": row["athlete_id"],
        "athlete": row["athlete"], "set_number": row["number"], "started_at": iso(row["started_at"]),
        "ended_at": iso(row["ended_at"]), "duration_s": row["duration_s"], "end_reason": row["end_reason"],
        "reps": len(reps), "clean_reps": sum(1 for r in reps if not r["faults"]), "dips": row["dips"],
        "contact_losses": len(losses), "head_losses": per_contact["head"],
        "upper_back_losses": per_contact["upper_back"], "sacrum_losses": per_contact["sacrum"],
        "mean_depth_deg": _mean(depths), "max_depth_deg": max(depths) if depths else None,
        "mean_rep_s": _mean(durations), "standing_deg": row["standing_deg"],
        "baseline_head_us": row["baseline_head_us"], "baseline_upper_back_us": row["baseline_upper_back_us"],
        "baseline_sacrum_us": row["baseline_sacrum_us"],
        "sensor_faults": row["sensor_faults"].replace(",", ";"), "samples": row["samples"],
        "trace_file": trace_file, "trace_ready_s": row["trace_ready_s"] if trace_file else None,
        "chart_file": chart_file, "athlete_set_number": row["athlete_set_number"],
        "schedule": row["schedule"], "sensitivity": row["sensitivity"], "mute": row["mute"],
    }


def _rep_record(row: sqlite3.Row, set_id: int, session_id: int, athlete: str) -> dict[str, Any]:
    faults = [f for f in row["faults"].split(",") if f]
    rec = {"set_id": set_id, "session_id": session_id, "athlete": athlete, "rep": row["rep"]}
    for key in ("start_s", "end_s", "depth_deg", "duration_s", "descent_s", "bottom_s", "ascent_s"):
        rec[key] = row[key]
    rec["clean"] = 0 if faults else 1
    for c in CONTACTS:
        rec[f"{c}_lost"] = int(c in faults)
    rec["faults"] = ";".join(faults)
    return rec


def _loss_record(row: sqlite3.Row, session_id: int, athlete: str) -> dict[str, Any]:
    return {"set_id": row["set_id"], "session_id": session_id, "athlete": athlete, "rep": row["rep"],
            "contact": row["contact"], "cause": row["cause"], "phase": row["phase"],
            "start_s": row["start_s"], "duration_s": row["duration_s"], "restored": row["restored"]}


class _CsvOut:
    """One CSV in the export: UTF-8 with a BOM (so Excel reads names right), one header row."""

    def __init__(self, folder: _Folder, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.out = folder.new_file(name)
        self.out.write(b"\xef\xbb\xbf")
        self.keys = [c for c, _ in columns]
        self.get = operator.itemgetter(*self.keys)
        self.athlete = self.keys.index("athlete") if "athlete" in self.keys else -1
        self.writer = csv.writer(_TextOut(self.out))  # writes None as an empty cell
        self.writer.writerow(self.keys)

    def rows(self, records: Sequence[dict[str, Any]]) -> None:
        """Write records (dicts with every column); a name that would run as a formula is quoted."""
        values = [self.get(r) for r in records]
        i = self.athlete
        if i >= 0:
            values = [v if _text(v[i]) == v[i] else (*v[:i], _text(v[i]), *v[i + 1:]) for v in values]
        self.writer.writerows(values)

    def row(self, record: dict[str, Any]) -> None:
        self.rows((record,))


class _SessionJson:
    """One session's JSON, streamed set by set (a session is never held whole in memory)."""

    def __init__(self, folder: _Folder, row: sqlite3.Row) -> None:
        self.id, self.athlete = row["session_id"], row["athlete"]
        self.started, self.ended = row["session_started"], row["session_ended"]
        self.athlete_id = row["athlete_id"]
        self.out = folder.new_file(f"sessions/session-{self.id:06d}.json")
        self.text = _TextOut(self.out)
        head = {"format": FORMAT, "session_id": self.id,
                "athlete": {"id": self.athlete_id, "name": self.athlete},
                "started_at": iso(self.started), "ended_at": iso(self.ended)}
        self.text.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "sets": [\n')
        self.sets = self.reps = self.clean = self.losses = 0

    def add(self, record: dict[str, Any], reps: list[dict], losses: list[dict]) -> None:
        item = {**record, "rep_list": reps, "contact_loss_list": losses}
        self.text.write((",\n" if self.sets else "") + json.dumps(item, ensure_ascii=False))
        self.sets += 1
        self.reps += record["reps"]
        self.clean += record["clean_reps"]
        self.losses += record["contact_losses"]

    def close(self, folder: _Folder, sessions_csv: _CsvOut) -> None:
        totals = {"sets": self.sets, "reps": self.reps, "clean_reps": self.clean,
                  "contact_losses": self.losses}
        self.text.write(f'\n ],\n "totals": {json.dumps(totals)}\n}}\n')
        folder.commit(self.out)
        sessions_csv.row({"session_id": self.id, "athlete_id": self.athlete_id, "athlete": self.athlete,
                          "started_at": iso(self.started), "ended_at": iso(self.ended), **totals})


def _iter_sets(db: Store) -> Iterator[sqlite3.Row]:
    """The snapshot's sets, by session then set, from a cursor."""
    yield from db.conn.execute(
        "SELECT st.*, se.athlete_id, se.started_at AS session_started, se.ended_at AS session_ended, "
        "a.name AS athlete FROM temp.export_sets x JOIN sets st ON st.id = x.set_id "
        "JOIN sessions se ON se.id = st.session_id JOIN athletes a ON a.id = se.athlete_id "
        "ORDER BY st.session_id, st.id")


class _Writer:
    """Streams the snapshot into the folder: CSV rows, session JSONs, traces, charts."""

    def __init__(self, db: Store, folder: _Folder, plan: _Plan, workers: int,
                 progress: Callable[[int, int], None] | None) -> None:
        self.db, self.folder, self.plan, self.progress = db, folder, plan, progress
        self.csv = {name: _CsvOut(folder, name, cols) for name, cols, _ in CSV_FILES}
        self.charts = _Charts(workers)
        self.session: _SessionJson | None = None
        self.result = ExportResult(folder=None)
        self.done = 0

    def run(self) -> None:
        try:
            for row in _iter_sets(self.db):
                self._one_set(row)
            if self.session is not None:
                self.session.close(self.folder, self.csv["sessions.csv"])
            for key, png in self.charts.drain():
                self._chart_done(key, png)
        finally:
            self.charts.close()
        for out in self.csv.values():
            self.folder.commit(out.out)

    def _one_set(self, row: sqlite3.Row) -> None:
        set_id, sid, athlete = row["id"], row["session_id"], row["athlete"]
        if self.session is None or self.session.id != sid:
            if self.session is not None:
                self.session.close(self.folder, self.csv["sessions.csv"])
            self.session = _SessionJson(self.folder, row)
            self.result.sessions += 1
        rep_rows, loss_rows = self.db.reps_of(set_id), self.db.losses_of(set_id)
        reps = [_rep_record(r, set_id, sid, athlete) for r in rep_rows]
        losses = [_loss_record(x, sid, athlete) for x in loss_rows]
        source = os.path.join(self.db.data_dir, row["trace"]) if row["trace"] else ""
        trace_file = self._copy_trace(set_id, source)
        chart_file = f"charts/set-{set_id:06d}.png" if trace_file else ""
        record = _set_record(row, rep_rows, loss_rows, trace_file, chart_file)
        self.csv["sets.csv"].row(record)
        self.csv["reps.csv"].rows(reps)
        self.csv["contact_losses.csv"].rows(losses)
        self.session.add(record, reps, losses)
        self.result.sets += 1
        self.result.reps += len(reps)
        job = self._chart_job(row, reps, losses, source) if trace_file else None
        for key, png in self.charts.submit((set_id, chart_file), job):
            self._chart_done(key, png)

    def _chart_job(self, row: sqlite3.Row, reps: list[dict], losses: list[dict], source: str) -> ChartJob:
        spans = tuple((x["contact"], x["start_s"], x["start_s"] + (x["duration_s"] or 0.0)) for x in losses)
        marks = tuple((r["start_s"] if r["start_s"] is not None else r["end_s"] - (r["duration_s"] or 0),
                       r["end_s"]) for r in reps)
        title = f"{row['athlete']}  set {row['number']}  {iso(row['started_at'])[:16].replace('T', ' ')}  " \
                f"{len(reps)} reps"
        return ChartJob(source, (row["baseline_head_us"], row["baseline_upper_back_us"],
                        row["baseline_sacrum_us"]), row["trace_ready_s"] or 0.0, spans, marks, title)

    def _chart_done(self, key: tuple[int, str], png: bytes | str | None) -> None:
        set_id, chart_file = key
        if isinstance(png, bytes):
            self.folder.write_bytes(chart_file, png)
        elif png is not None:
            self.result.warnings.append(f"set {set_id}: no chart ({png})")
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.plan.sets)

    def _copy_trace(self, set_id: int, source: str) -> str:
        """The stored gzip trace, byte for byte; '' (and a warning) if it is missing."""
        rel = f"traces/set-{set_id:06d}.csv.gz"
        try:
            src = open(source, "rb") if source else None
        except OSError as exc:
            src = None
            self.result.warnings.append(f"set {set_id}: trace not kept ({exc.strerror}: {source})")
        if src is None:
            if not source:
                self.result.warnings.append(f"set {set_id}: no trace was recorded")
            return ""
        with src:
            out = self.folder.new_file(rel)
            while True:
                try:
                    chunk = src.read(1 << 16)
                except OSError as exc:  # this box's card, not the stick: say so
                    raise ExportError(f"export failed: cannot read {source} on this box ({exc.strerror}): "
                                      f"the stick is fine; check the box's storage", source, exc.errno) from None
                if not chunk:
                    break
                out.write(chunk)
        self.folder.commit(out)
        return rel


# -- README ---------------------------------------------------------------------------------
def readme_text(result: ExportResult, when: float, all_sets: bool) -> str:
    """README.txt: what each file is, every column, and how to check and read the files."""
    lines = [
        "smartdowel export",
        "=================",
        "",
        f"Made {iso(when)} by a smartdowel hip-hinge trainer: {plural(result.sets, 'set')}, "
        f"{plural(result.reps, 'rep')}, {plural(result.sessions, 'session')}",
        f"({'every set on the box' if all_sets else 'the sets not exported before'}).",
        "Times are the box's clock (local time with its UTC offset, ISO 8601). Numbers use '.' as the",
        "decimal point. An empty cell means 'not measured' (e.g. tilt without a tilt sensor).",
        "",
        "Files",
        "-----",
        "sessions.csv, sets.csv, reps.csv, contact_losses.csv",
        "    tables for a spreadsheet: UTF-8 with a byte-order mark, comma-separated, one header row.",
        "    They join on set_id and session_id.",
        "sessions/session-<session_id>.json",
        "    one session: the athlete and its sets of this export, each with the fields of sets.csv",
        "    plus rep_list and contact_loss_list (the rows of reps.csv and contact_losses.csv).",
        "charts/set-<set_id>.png",
        "    the set in one picture: the three pressures as a fraction of standing pressure (1x = as",
        "    when standing), the dowel's tilt below, shaded bands where a contact was off, bars over the",
        "    counted reps. Time axis: seconds from the start of the set (negative: before it).",
        "traces/set-<set_id>.csv.gz",
        "    the raw recording (gzip; open with any unzip tool, or `gunzip -c`): smartdowel trace v1,",
        "    t in seconds, the three contacts as raw ADC counts, pitch in degrees. Its t starts at 0 a",
        "    few seconds before the set began (placement); `smartdowel replay` reads the unzipped file.",
        f"{MANIFEST}",
        "    SHA-256 of every other file, written last. Check with `sha256sum -c MANIFEST.sha256`",
        "    (macOS: `shasum -a 256 -c MANIFEST.sha256`). A folder without it, or still named",
        f"    '*{PARTIAL}', is an export that did not finish: do not use it.",
        "",
        "Contacts: head (lost: neck bending forward), upper_back (lost: squatting, too much knee bend),",
        "sacrum (lost: rounding the spine).",
    ]
    for name, columns, what in CSV_FILES:
        lines += ["", f"{name}: {what}", "-" * (len(name) + len(what) + 2)]
        width = max(len(c) for c, _ in columns)
        lines += [f"{c.ljust(width)}  {d}" for c, d in columns]
    if result.warnings:
        lines += ["", "Notes", "-----", *result.warnings]
    return "\n".join(lines) + "\n"


def plural(n: int, word: str) -> str:
    """'1 set', '3 sets'.

    >>> plural(1, "set"), plural(0, "rep")
    ('1 set', '0 reps')
    """
    return f"{n} {word}{'' if n == 1 else 's'}"


def columns_markdown() -> str:
    """docs/export-columns.md, from the same column lists as the CSV headers."""
    parts = ["# Export columns", "", "Generated from `device/export.py` (`python -m device.export.export --columns`).",
             "The README.txt in every export holds the same text."]
    for name, columns, what in CSV_FILES:
        parts += ["", f"## {name}", "", what[0].upper() + what[1:] + ".", "", "| column | meaning |",
                  "|---|---|"]
        parts += [f"| `{c}` | {d} |" for c, d in columns]
    return "\n".join(parts) + "\n"


# -- the export ------------------------------------------------------------------------------
def export(store: Store, dest_dir: str, all_sets: bool = False,
           progress: Callable[[int, int], None] | None = None, *, workers: int | None = None,
           media: Media | None = None, now: float | None = None) -> ExportResult:
    """Export the sets not exported before (all with all_sets) into a new folder in dest_dir.

    Returns when the stick is synced and may be removed. Raises ExportError
    (one line) for anything the medium does; the store is then untouched."""
    media = media or Media()
    started = time.monotonic()
    when = time.time() if now is None else now
    db = store.clone()
    try:
        try:
            plan = _snapshot(db, all_sets)
        except sqlite3.Error as exc:
            raise ExportError(f"export failed: cannot read the store {db.path}: {exc}", db.path) from None
        if plan.sets == 0:
            os.close(_open_dest(media, dest_dir))  # still say so if the stick is not usable
            return ExportResult(folder=None, seconds=time.monotonic() - started)
        try:
            result = _write_export(db, media, dest_dir, plan, all_sets, progress, workers, when)
        except sqlite3.Error as exc:
            raise ExportError(f"export failed: cannot read the store {db.path}: {exc}", db.path) from None
        db.conn.execute("COMMIT")  # the snapshot is no longer needed
        _mark_exported(db, result, dest_dir)
        result.seconds = time.monotonic() - started
        log.info("export: %d sets, %d files, %s to %s in %.1f s", result.sets, result.files,
                 _mb(result.bytes), result.folder, result.seconds)
        return result
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        db.close()


def _write_export(db: Store, media: Media, dest: str, plan: _Plan, all_sets: bool,
                  progress: Callable[[int, int], None] | None, workers: int | None,
                  when: float) -> ExportResult:
    """Everything that touches the stick; OSErrors become ExportErrors here."""
    dest_fd = _open_dest(media, dest)
    folder: _Folder | None = None
    try:
        _check_space(media, dest_fd, dest, plan)
        folder = _Folder.create(media, dest, dest_fd, when)
        writer = _Writer(db, folder, plan, _auto_workers(plan.sets) if workers is None else workers, progress)
        writer.run()
        result = writer.result
        folder.write_bytes("README.txt", readme_text(result, when, all_sets).encode("utf-8"))
        result.folder = folder.finish()
        result.files, result.bytes = folder.files + 1, folder.bytes  # + the manifest
        return result
    except _Failed as exc:
        if folder is not None:
            folder.abort()
        raise explain(exc.error, dest, exc.where) from None
    except OSError as exc:
        if folder is not None:
            folder.abort()
        raise explain(exc, dest, getattr(exc, "filename", None) or "") from None
    except BaseException:
        if folder is not None:
            folder.abort()
        raise
    finally:
        os.close(dest_fd)


def _mark_exported(db: Store, result: ExportResult, dest: str) -> None:
    """After the manifest is on the stick: mark the snapshot's sets. A failure here costs a
    duplicate next time, never a lost set, so it is a warning, not an error."""
    try:
        with db.transaction() as conn:
            cur = conn.execute("INSERT INTO exports (finished_at, dest, folder, sets) VALUES (?, ?, ?, ?)",
                               (time.time(), dest, os.path.basename(result.folder or ""), result.sets))
            conn.execute("UPDATE sets SET export_id = ? WHERE id IN (SELECT set_id FROM temp.export_sets)",
                         (cur.lastrowid,))
    except sqlite3.Error as exc:
        result.warnings.append(f"the sets could not be marked as exported ({exc}): the next export "
                               f"will include them again")
        log.error("export: %s", result.warnings[-1])


# -- for the live app: the export in a child process ------------------------------------------
class ExportJob:
    """`smartdowel export` in a child process, for the appliance's main loop.

    A child has its own interpreter lock and memory, and runs at lower
    priority, so the sampler and the buzzer never wait for the export. Poll
    `done`; then `ok` and `message` (one line for the screen and the log).
    """

    def __init__(self, data_dir: str, dest: str, all_sets: bool = False) -> None:
        self.dest = dest
        self.argv = [sys.executable, "-m", "device.cli", "export", dest, "--data", data_dir,
                     "--progress", "--nice"]
        if all_sets:
            self.argv.append("--all")
        self.progress = (0, 0)
        self.ok = False
        self.message = ""
        self._proc: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    def start(self) -> "ExportJob":
        self._proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._thread = threading.Thread(target=self._watch, name="smartdowel-export-job", daemon=True)
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _watch(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        last = ""
        for line in proc.stdout:  # stdout and stderr together: the last line says how it went
            if line.startswith("progress "):
                done, _, total = line[9:].strip().partition("/")
                self.progress = (int(done), int(total))
            elif line.strip():
                last = line.strip()
        code = proc.wait()
        self.ok = code == 0
        self.message = last or f"export ended with exit code {code}"
        self._done.set()


if __name__ == "__main__":
    if sys.argv[1:] == ["--columns"]:
        sys.stdout.write(columns_markdown())
