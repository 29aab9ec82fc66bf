"""USB sticks as the box meets them: arrive, bring athletes, take the new sets, unmount.

The main loop polls `StickFlow.tick()` about once a second. A stick that
appears brings its `athletes.csv` into the store and gets the sets not yet
exported, written by a child process (device/export's ExportJob) so the
sampler never waits on a slow stick; when the job ends the stick is unmounted
(systemd-umount, as the stick unit mounted it) before the screen says "safe
to remove".

Before the job starts the stick waits on the recorder's barrier: every set
that ended before the stick came is on the card first (a set ends in three
writes, and on a slow card they take seconds; a stick plugged right after a
set got everything but that set). The wait is a barrier, not a delay, and
the main loop goes on meanwhile. A card that refuses writes releases it at
once: the export takes what is on the card and says how many sets are not.

One export at a time: a second stick is queued and told, and gets the sets
when the first is done. While a stick is waiting or being written, a long
press of B powers off only once it is done (device/app/poweroff.py asks
`busy`). A stick's athletes are added through the storage supervisor: a
card that refuses is a line on the screen, never a crash.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from typing import Callable

from device.app.events import (AthletesImported, ExportFinished, ExportWaiting, Notice, StickArrived,
                               StickQueued)
from device.app.storage import StorageSupervisor
from device.core.events import Event
from device.export.job import ExportJob
from device.export.layout import FOLDER_PREFIX
from device.export.result import plural
from device.export.usb import Stick, StickWatcher, find_sticks, read_athletes
from device.store.keeper import Barrier
from device.view.builder import ViewModelBuilder
from device.view.navigation import Input

POLL_S = 1.0
QUEUED_WORDS = "Second stick: it gets the sets next. Leave both in."
BARRIER_LIMIT_S = 60.0  # a barrier not released by then (a recorder stuck on a card that hangs): export anyway
OWN_MOUNTS = "/media/smartdowel/"  # where the stick unit mounts: only these are ours to unmount


class StickFlow:
    """Sticks for the appliance's main loop: one export at a time, progress to the screen."""

    def __init__(self, storage: StorageSupervisor, roots: list[str], view: ViewModelBuilder,
                 log: Callable[[Event], None], now: Callable[[], float],
                 on_athletes: Callable[[], None], mounts_file: str | None = None) -> None:
        self.storage, self.view, self.log, self.now = storage, view, log, now
        self.on_athletes = on_athletes
        self.watcher = StickWatcher(roots) if mounts_file is None else StickWatcher(roots, mounts_file)
        self.job: ExportJob | None = None
        self.queued: deque[str] = deque()  # sticks waiting for the one being written
        self._waiting: tuple[str, Barrier, float] | None = None  # a stick waiting for the recorder
        self._held = 0  # sets the card would not take before this export began
        self._next_poll = 0.0
        self._ticked = 0.0  # the main loop's clock at the last tick (fake in tests)

    @property
    def busy(self) -> bool:
        """A stick is waiting for the recorder or being written (power-off waits for it)."""
        return self._waiting is not None or (self.job is not None and not self.job.done)

    def tick(self, monotonic: float) -> None:
        """Start an export whose barrier let go; follow a running one; look for sticks once a second."""
        self._ticked = monotonic
        if self._waiting is not None:
            mountpoint, barrier, since = self._waiting
            if barrier.done or monotonic - since > BARRIER_LIMIT_S:
                self._waiting = None
                self._held = barrier.held if barrier.done and not barrier.complete else 0
                self._start_job(mountpoint)
        if self.job is not None:
            self._follow()
        if monotonic < self._next_poll:
            return
        self._next_poll = monotonic + POLL_S
        for stick in self.watcher.poll():
            self.arrived(stick)

    def arrived(self, stick: Stick) -> None:
        self.log(StickArrived(self.now(), mountpoint=stick.mountpoint, read_only=stick.read_only))
        athletes = read_athletes(stick.mountpoint)
        for warning in athletes.warnings:
            self.log(Notice(self.now(), detail=warning))
        if athletes.names:
            self._import(athletes.names)
        if stick.read_only:
            self.view.set_export("error", 0.0, "This stick is read-only: nothing was written.")
        else:
            self.start(stick.mountpoint)
        self.view.on_input(Input.STICK)

    def export_to_first(self) -> None:
        """The menu's Export: the first writable stick, or ask for one."""
        sticks = [s for s in find_sticks(self.watcher.roots, self.watcher.mounts_file) if not s.read_only]
        if sticks:
            self.start(sticks[0].mountpoint)
        else:
            self.view.set_export("waiting", 0.0, "The new sets are written as soon as one is in.")

    def _import(self, names: list[str]) -> None:
        """The stick's athletes into the store; a card that refuses (or no store yet) is said."""
        store = self.storage.store
        if store is None:
            self.view.set_notice(self.storage.not_saved("the stick's athletes"))
            return
        try:
            result, problem = self.storage.write("adding the stick's athletes", store.import_athletes, names)
        except ValueError as exc:  # read_athletes cleans the names: this is only a second guard
            result, problem = None, f"athletes.csv not used: {exc}"
        if result is None:
            self.log(Notice(self.now(), detail=problem))
            self.view.set_notice(problem)
            return
        added, _ = result
        self.on_athletes()
        self.log(AthletesImported(self.now(), added=added))
        self.view.set_notice(f"{plural(added, 'athlete')} added from the stick"
                             if added else "The stick's athletes are all here already")

    def start(self, mountpoint: str) -> None:
        """Export to `mountpoint` once every set ended so far is saved; queued behind a busy stick."""
        if self.busy:
            if mountpoint not in self.queued and mountpoint != self._current():
                self.queued.append(mountpoint)
                self.log(StickQueued(self.now(), mountpoint=mountpoint, waiting=len(self.queued)))
                self.view.set_notice(QUEUED_WORDS)
            return
        self._waiting = (mountpoint, self.storage.recorder.barrier(), self._ticked)
        self.log(ExportWaiting(self.now(), mountpoint=mountpoint))
        self.view.set_export("writing", 0.0, "Saving the last set first. Do not remove the stick.")

    def _current(self) -> str:
        if self._waiting is not None:
            return self._waiting[0]
        return self.job.dest if self.job is not None else ""

    def _start_job(self, mountpoint: str) -> None:
        self.job = ExportJob(self.storage.folder, mountpoint).start()
        self.view.set_export("writing", 0.0, "Writing sets. Do not remove the stick.")

    def _next_in_queue(self) -> None:
        """The next queued stick that is still there."""
        present = {s.mountpoint for s in find_sticks(self.watcher.roots, self.watcher.mounts_file)}
        while self.queued:
            mountpoint = self.queued.popleft()
            if mountpoint in present:
                self.start(mountpoint)
                return

    def _follow(self) -> None:
        job = self.job
        assert job is not None
        done, total = job.progress
        if not job.done:
            if total:
                self.view.set_export("writing", done / total,
                                     f"Writing set {done} of {total}. Do not remove the stick.")
            return
        self.job = None
        message = job.message
        shown = message
        if job.ok:
            ok, why = unmount(job.dest)
            message = message if ok else f"{message} ({why})"
            shown = _done_words(job.dest, total) if ok else f"Written, but {why}."
        if self._held:
            not_saved = f"{plural(self._held, 'set')} not on it: the card is not saving"
            message, shown = f"{message}; {not_saved}", f"{shown} {not_saved}."
        if job.ok and self.storage.recorder.recording:  # it ends after the export's snapshot
            shown = f"{shown} The set running now goes on the next stick."
        self.view.set_export("done" if job.ok else "error", 1.0, shown)
        self.log(ExportFinished(self.now(), ok=job.ok, message=message))
        self.view.on_input(Input.EXPORTED)
        self._next_in_queue()


def _done_words(dest: str, sets: int) -> str:
    """What the screen says after an export: how many sets, and the folder (not the whole path)."""
    try:
        folders = sorted(n for n in os.listdir(dest) if n.startswith(FOLDER_PREFIX))
    except OSError:
        folders = []
    where = f" in {folders[-1]}" if folders else ""
    return f"{plural(sets, 'set')} on the stick{where}." if sets else "Nothing new to write."


def unmount(mountpoint: str) -> tuple[bool, str]:
    """Let go of a stick after an export (systemd-umount, as the USB unit mounted it)."""
    tool = shutil.which("systemd-umount")
    if tool is None or not mountpoint.startswith(OWN_MOUNTS):
        return True, "left mounted"  # not ours to unmount (a desktop, a test folder)
    try:
        proc = subprocess.run([tool, mountpoint], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"could not unmount: {exc}"
    return proc.returncode == 0, proc.stderr.strip() or "unmounted"
