"""USB sticks as the box meets them: arrive, bring athletes, take the new sets, unmount.

The main loop polls `StickFlow.tick()` about once a second. A stick that
appears brings its `athletes.csv` into the store and gets the sets not yet
exported, written by a child process (device/export's ExportJob) so the
sampler never waits on a slow stick; when the job ends the stick is unmounted
(systemd-umount, as the stick unit mounted it) before the screen says "safe
to remove".

Before the job starts, `sync` (the set recorder's) waits until every event
posted so far is written: the recorder commits on its own thread, and a set
that ended a moment before the stick came would otherwise still be open in
the store when the child reads it, and be missed by this export.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Callable

from device.app.events import AthletesImported, ExportFinished, Notice, StickArrived
from device.core.events import Event
from device.export.job import ExportJob
from device.export.layout import FOLDER_PREFIX
from device.export.result import plural
from device.export.usb import Stick, StickWatcher, find_sticks, read_athletes
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from device.view.navigation import Input

POLL_S = 1.0
SYNC_TIMEOUT_S = 5.0  # the recorder is milliseconds behind; a card this slow is a card to replace
OWN_MOUNTS = "/media/smartdowel/"  # where the stick unit mounts: only these are ours to unmount


class StickFlow:
    """Sticks for the appliance's main loop: one export at a time, progress to the screen."""

    def __init__(self, store: Store, roots: list[str], view: ViewModelBuilder,
                 log: Callable[[Event], None], now: Callable[[], float],
                 on_athletes: Callable[[], None], mounts_file: str | None = None,
                 sync: Callable[[float], bool] = lambda timeout: True) -> None:
        self.store, self.view, self.log, self.now = store, view, log, now
        self.on_athletes, self.sync = on_athletes, sync
        self.watcher = StickWatcher(roots) if mounts_file is None else StickWatcher(roots, mounts_file)
        self.job: ExportJob | None = None
        self._next_poll = 0.0

    def tick(self, monotonic: float) -> None:
        """Follow a running export; look for new sticks once a second."""
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
            added, _ = self.store.import_athletes(athletes.names)
            self.on_athletes()
            self.log(AthletesImported(self.now(), added=added))
            self.view.set_notice(f"{plural(added, 'athlete')} added from the stick"
                                 if added else "The stick's athletes are all here already")
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

    def start(self, mountpoint: str) -> None:
        if self.job is not None and not self.job.done:
            return
        if not self.sync(SYNC_TIMEOUT_S):
            self.log(Notice(self.now(), detail="the store is still being written: sets not yet saved "
                                               "go with the next export"))
        self.job = ExportJob(self.store.data_dir, mountpoint).start()
        self.view.set_export("writing", 0.0, "Writing sets. Do not remove the stick.")

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
        self.view.set_export("done" if job.ok else "error", 1.0, shown)
        self.log(ExportFinished(self.now(), ok=job.ok, message=message))
        self.view.on_input(Input.EXPORTED)


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
