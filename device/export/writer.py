"""Streaming one snapshot of the store into the export folder, set by set.

Why set by set: memory must stay flat for a box with years of sets. Each set
is read (its reps and losses: tens of rows), written as CSV rows, its trace
copied byte for byte, its chart queued; only the current session's JSON is
held until the session ends. Charts come back in order from the pool, so the
manifest and the progress count follow the sets.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

from device.export.charts import ChartPool, Drawn
from device.export.columns import CSV_FILES
from device.export.errors import ExportError
from device.export.folder import Folder
from device.export.layout import chart_file, trace_file
from device.export.records import CsvOut, SessionJson, loss_record, rep_record, set_record
from device.export.result import ExportResult
from device.export.series import chart_job
from device.store.exports import ExportSnapshot, Row
from device.view.chart import ChartRenderer

Progress = Callable[[int, int], None]  # (sets done, sets in the export)


class SetWriter:
    """Writes the snapshot's sets into the folder: CSV rows, session JSONs, traces, charts."""

    def __init__(self, snapshot: ExportSnapshot, folder: Folder, chart: ChartRenderer | None, workers: int,
                 progress: Progress | None) -> None:
        self.snapshot, self.folder, self.progress = snapshot, folder, progress
        self.csv = {name: CsvOut(folder, name, cols) for name, cols, _ in CSV_FILES}
        self.draws = chart is not None
        self.charts: ChartPool[tuple[int, str]] = ChartPool(workers if self.draws else 0, chart)
        self.session: SessionJson | None = None
        self.result = ExportResult(folder=None)
        self.done = 0

    def run(self) -> ExportResult:
        try:
            for row in self.snapshot.iter_sets():
                self._one_set(row)
            self._end_session()
            for key, png in self.charts.drain():
                self._chart_done(key, png)
        finally:
            self.charts.close()
        for out in self.csv.values():
            self.folder.commit(out.out)
        return self.result

    def _one_set(self, row: Row) -> None:
        set_id, sid, athlete = row["id"], row["session_id"], row["athlete"]
        if self.session is None or self.session.id != sid:
            self._end_session()
            self.session = SessionJson(self.folder, row)
            self.result.sessions += 1
        rep_rows, loss_rows = self.snapshot.reps_and_losses(set_id)
        reps = [rep_record(r, set_id, sid, athlete) for r in rep_rows]
        losses = [loss_record(x, sid, athlete) for x in loss_rows]
        source = self.snapshot.trace_path(row)
        trace = self._copy_trace(set_id, source)
        chart = chart_file(set_id) if trace and self.draws else ""
        record = set_record(row, rep_rows, loss_rows, trace, chart)
        self.csv["sets.csv"].row(record)
        self.csv["reps.csv"].rows(reps)
        self.csv["contact_losses.csv"].rows(losses)
        self.session.add(record, reps, losses)
        self.result.sets += 1
        self.result.reps += len(reps)
        job = chart_job(row, reps, losses, source) if chart else None
        for key, png in self.charts.submit((set_id, chart), job):
            self._chart_done(key, png)

    def _end_session(self) -> None:
        """The session's JSON file and its row of sessions.csv, once its last set is written."""
        if self.session is not None:
            self.csv["sessions.csv"].row(self.session.close(self.folder))
            self.session = None

    def _chart_done(self, key: tuple[int, str], png: Drawn) -> None:
        set_id, chart = key
        if isinstance(png, bytes):
            self.folder.write_bytes(chart, png)
        elif png is not None:
            self.result.warnings.append(f"set {set_id}: no chart ({png})")
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.snapshot.sets)

    def _copy_trace(self, set_id: int, source: str) -> str:
        """The stored gzip trace, byte for byte; '' (and a warning) if it is missing."""
        if not source:
            self.result.warnings.append(f"set {set_id}: no trace was recorded")
            return ""
        try:
            src = open(source, "rb")
        except OSError as exc:
            self.result.warnings.append(f"set {set_id}: trace not kept ({exc.strerror}: {source})")
            return ""
        rel = trace_file(set_id)
        with src:
            out = self.folder.new_file(rel)
            while chunk := _read_chunk(src, source):
                out.write(chunk)
        self.folder.commit(out)
        return rel


def _read_chunk(src: BinaryIO, source: str) -> bytes:
    """The next 64 KiB of a trace on this box (b'' at its end)."""
    try:
        return src.read(1 << 16)
    except OSError as exc:  # this box's card, not the stick: say so
        raise ExportError(f"export failed: cannot read {source} on this box ({exc.strerror}): "
                          f"the stick is fine; check the box's storage", source, exc.errno) from None
