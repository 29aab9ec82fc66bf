"""`export()`: the sets not exported before (or all) into a new folder on a USB stick.

The steps, and why in this order:

1. A snapshot of the store (device/store/exports.py): the sets are fixed,
   counted and their traces sized before the stick is touched.
2. The stick is checked (a real, writable folder) and refused if the export
   surely will not fit, before anything is written.
3. A new `*.partial` folder; the sets are streamed into it
   (device/export/writer.py), with this box's id; the coach's report over it
   and the stick's earlier exports (device/export/stick_report.py);
   README.txt; the manifest last; the rename that makes it real; the stick
   synced. Only now is it "safe to remove".
4. Only then are the sets marked as exported. A failed export leaves the
   store as it was, and a retry exports the same sets; a failure to mark
   costs a duplicate next time, never a lost set.

Every failure of the medium becomes an ExportError with one line: what
happened, where, and what to do. Charts are drawn only if a renderer is
given (`chart=`, e.g. ui.chart.render_png): device/ draws nothing itself.
"""
from __future__ import annotations

import logging
import os
import time

from device.export.charts import auto_workers
from device.export.columns import readme_text
from device.export.errors import ExportError, MediaFailure, explain
from device.export.folder import Folder
from device.export.layout import CHARTS_DIR, README, SESSIONS_DIR, TRACES_DIR
from device.export.media import Media, mb, open_dest, require_space
from device.export.result import ExportResult
from device.export.stick_report import add_report
from device.export.writer import Progress, SetWriter
from device.store.box import box_id_or_why
from device.store.errors import StoreError
from device.store.exports import ExportSnapshot
from device.store.store import Store
from device.view.chart import ChartRenderer

log = logging.getLogger("smartdowel.export")


def export(store: Store, dest_dir: str, all_sets: bool = False, progress: Progress | None = None, *,
           chart: ChartRenderer | None = None, workers: int | None = None, media: Media | None = None,
           now: float | None = None) -> ExportResult:
    """Export the sets not exported before (all with all_sets) into a new folder in dest_dir.

    Returns when the stick is synced and may be removed. Raises ExportError
    (one line) for anything the medium does; the store is then untouched.
    `chart` draws each set's PNG (none without it); `workers` chart processes
    (None: as many as suit the export and the machine)."""
    media = media or Media()
    started = time.monotonic()
    when = time.time() if now is None else now
    snapshot = _take(store, all_sets)
    with snapshot:
        if snapshot.sets == 0:
            os.close(open_dest(media, dest_dir))  # still say so if the stick is not usable
            return ExportResult(folder=None, seconds=time.monotonic() - started)
        try:
            result = _write(snapshot, media, dest_dir, all_sets, progress, chart, workers, when)
        except StoreError as exc:
            raise ExportError(f"export failed: {exc}", snapshot.path) from None
        _mark(snapshot, result, dest_dir)
    result.seconds = time.monotonic() - started
    log.info("export: %d sets, %d files, %s to %s in %.1f s", result.sets, result.files,
             mb(result.bytes), result.folder, result.seconds)
    return result


def _take(store: Store, all_sets: bool) -> ExportSnapshot:
    try:
        return ExportSnapshot(store, all_sets)
    except StoreError as exc:
        raise ExportError(f"export failed: {exc}", store.path) from None


def bytes_needed(snapshot: ExportSnapshot) -> int:
    """A low estimate (PNG and JSON vary): refuse only an export that surely will not fit."""
    return snapshot.trace_bytes + snapshot.sets * 8_000 + snapshot.reps * 150 + 64_000


def _write(snapshot: ExportSnapshot, media: Media, dest: str, all_sets: bool, progress: Progress | None,
           chart: ChartRenderer | None, workers: int | None, when: float) -> ExportResult:
    """Everything that touches the stick; OSErrors become ExportErrors here."""
    dest_fd = open_dest(media, dest)
    folder: Folder | None = None
    try:
        require_space(media, dest_fd, dest, bytes_needed(snapshot))
        subdirs = (SESSIONS_DIR, CHARTS_DIR, TRACES_DIR) if chart else (SESSIONS_DIR, TRACES_DIR)
        folder = Folder.create(media, dest, dest_fd, when, subdirs)
        n = auto_workers(snapshot.sets) if workers is None else workers
        box, problem = box_id_or_why(snapshot.data_dir)
        result = SetWriter(snapshot, folder, chart, n, progress, box).run()
        result.warnings += [f"box_id is empty: {problem}"] if problem else []
        add_report(folder, when, result)
        folder.write_bytes(README, readme_text(result, when, all_sets, charts=chart is not None).encode("utf-8"))
        result.folder = folder.finish()
        result.files, result.bytes = folder.files + 1, folder.bytes  # + the manifest
        return result
    except BaseException as exc:
        if folder is not None:
            folder.abort()
        if isinstance(exc, MediaFailure):
            raise explain(exc.error, dest, exc.where) from None
        if isinstance(exc, OSError):
            raise explain(exc, dest, getattr(exc, "filename", None) or "") from None
        raise
    finally:
        os.close(dest_fd)


def _mark(snapshot: ExportSnapshot, result: ExportResult, dest: str) -> None:
    """After the manifest is on the stick: mark the snapshot's sets. A failure here costs a
    duplicate next time, never a lost set, so it is a warning, not an error."""
    try:
        snapshot.mark_exported(dest, os.path.basename(result.folder or ""), keep_new=result.unmarked)
    except StoreError as exc:
        result.warnings.append(f"the sets could not be marked as exported ({exc}): the next export "
                               f"will include them again")
        log.error("export: %s", result.warnings[-1])
