"""Streaming one snapshot of the store into the export folder, set by set.

Why set by set: memory must stay flat for a box with years of sets. Each set
is read (its reps and losses: tens of rows), its trace copied byte for byte
and checked whole, its chart queued; its rows (sets.csv, reps.csv, the
session's JSON) are written when its chart comes back from the pool, in
order, so `chart_file` names only a chart that is in the folder. At most the
pool's window of sets waits at once.

A trace that is cut short or cannot be read is exported as it is, named in
the README, and its set is left unmarked, so the next export takes it again;
anything but a regular file (a FIFO would block the export forever, a device
would be read without end) is refused without being opened for reading.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from typing import Any, Callable

from device.export.charts import ChartPool, Drawn
from device.export.columns import CSV_FILES
from device.export.errors import ExportError
from device.export.folder import Folder
from device.export.layout import chart_file, trace_file
from device.export.plan_columns import PLAN_FILE, plan_row
from device.export.records import CsvOut, SessionJson, loss_record, rep_record, set_record
from device.export.result import ExportResult
from device.export.series import chart_job
from device.store.exports import ExportSnapshot, Row
from device.store.files import open_regular
from device.store.plans import as_event
from device.store.queries import iso
from device.view.chart import ChartRenderer

Progress = Callable[[int, int], None]  # (sets done, sets in the export)


@dataclass
class _Pending:
    """A set read and its trace copied, waiting for its chart before its rows are written."""

    row: Row
    rep_rows: list[Row]
    loss_rows: list[Row]
    trace: str
    chart: str


class SetWriter:
    """Writes the snapshot's sets into the folder: CSV rows, session JSONs, traces, charts."""

    def __init__(self, snapshot: ExportSnapshot, folder: Folder, chart: ChartRenderer | None, workers: int,
                 progress: Progress | None, box_id: str = "") -> None:
        self.snapshot, self.folder, self.progress, self.box_id = snapshot, folder, progress, box_id
        self.csv = {name: CsvOut(folder, name, cols) for name, cols, _ in CSV_FILES}
        self.draws = chart is not None
        self.charts: ChartPool[_Pending] = ChartPool(workers if self.draws else 0, chart)
        self.session: SessionJson | None = None
        self.result = ExportResult(folder=None)
        self.unmarked = self.result.unmarked
        self.done = 0

    def run(self) -> ExportResult:
        try:
            for row in self.snapshot.iter_sets():
                self._one_set(row)
            for key, png in self.charts.drain():  # the last sets' rows, then their session ends
                self._chart_done(key, png)
            self._end_session()
        finally:
            self.charts.close()
        self._plan_rows()
        for out in self.csv.values():
            self.folder.commit(out.out)
        return self.result

    def _one_set(self, row: Row) -> None:
        set_id = row["id"]
        rep_rows, loss_rows = self.snapshot.reps_and_losses(set_id)
        source = self.snapshot.trace_path(row)
        trace = self._copy_trace(set_id, source)
        pending = _Pending(row, rep_rows, loss_rows, trace, chart_file(set_id) if trace and self.draws else "")
        job = None
        if pending.chart:
            sid, athlete = row["session_id"], row["athlete"]
            job = chart_job(row, [rep_record(r, set_id, sid, athlete) for r in rep_rows],
                            [loss_record(x, sid, athlete) for x in loss_rows], source)
        for done, png in self.charts.submit(pending, job):
            self._chart_done(done, png)

    def _write_set(self, p: _Pending) -> None:
        """The set's rows, now that its chart is in the folder (or is known not to be)."""
        row = p.row
        set_id, sid, athlete = row["id"], row["session_id"], row["athlete"]
        if self.session is None or self.session.id != sid:
            self._end_session()
            self.session = SessionJson(self.folder, row, self.box_id)
            self.result.sessions += 1
        reps = [rep_record(r, set_id, sid, athlete) for r in p.rep_rows]
        losses = [loss_record(x, sid, athlete) for x in p.loss_rows]
        record = set_record(row, p.rep_rows, p.loss_rows, p.trace, p.chart, self.box_id)
        self.csv["sets.csv"].row(record)
        self.csv["reps.csv"].rows(reps)
        self.csv["contact_losses.csv"].rows(losses)
        self.session.add(record, reps, losses)
        self.result.sets += 1
        self.result.reps += len(reps)

    def _plan_rows(self) -> None:
        """plan.csv: every change of stage of the athletes in this export, oldest first."""
        rows = [plan_row(self.box_id, r["athlete_id"], iso(r["at"]), as_event(r)) for r in self.snapshot.plan_changes()]
        self.csv[PLAN_FILE].rows(rows)

    def _end_session(self) -> None:
        """The session's JSON file and its row of sessions.csv, once its last set is written."""
        if self.session is not None:
            self.csv["sessions.csv"].row(self.session.close(self.folder))
            self.session = None

    def _chart_done(self, pending: _Pending, png: Drawn) -> None:
        if isinstance(png, bytes):
            self.folder.write_bytes(pending.chart, png)
        elif png is not None:
            self.result.warnings.append(f"set {pending.row['id']}: no chart ({png})")
            pending.chart = ""
        self._write_set(pending)
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.snapshot.sets)

    def _copy_trace(self, set_id: int, source: str) -> str:
        """The stored gzip trace, byte for byte, checked whole; '' (and a note) if there is none."""
        if not source:
            self.result.warnings.append(f"set {set_id}: no trace was recorded")
            return ""
        try:
            fd = open_regular(source)
        except OSError as exc:
            self.result.warnings.append(f"set {set_id}: trace not kept ({exc.strerror}: {source})")
            self.unmarked.append(set_id)
            return ""
        rel = trace_file(set_id)
        check = zlib.decompressobj(zlib.MAX_WBITS | 16)  # gzip: ends only at its trailer
        whole = True
        with os.fdopen(fd, "rb") as src:
            out = self.folder.new_file(rel)
            while chunk := _read_chunk(src, source):
                out.write(chunk)
                whole = whole and _inflate(check, chunk)
        self.folder.commit(out)
        if not (whole and check.eof):
            self.result.warnings.append(f"set {set_id}: its trace is cut short or damaged on this box; it is "
                                        f"exported as it is, and the set stays new for the next export")
            self.unmarked.append(set_id)
        return rel


def _inflate(check: Any, chunk: bytes) -> bool:
    """Feed the gzip check (output thrown away, memory flat); False once it finds damage."""
    try:
        while chunk and not check.eof:
            check.decompress(chunk, 1 << 16)
            chunk = check.unconsumed_tail
        return True
    except zlib.error:
        return False


def _read_chunk(src: Any, source: str) -> bytes:
    """The next 64 KiB of a trace on this box (b'' at its end)."""
    try:
        data: bytes = src.read(1 << 16)
        return data
    except OSError as exc:  # this box's card, not the stick: say so
        raise ExportError(f"export failed: cannot read {source} on this box ({exc.strerror}): "
                          f"the stick is fine; check the box's storage", source, exc.errno) from None
