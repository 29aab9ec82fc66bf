"""Build the report's files from export folders, and write them (each atomically) into a folder.

Two steps, so that the export can put a report into the folder it is writing
with its own safe writer (`report_files`), while `smartdowel report` writes
them anywhere (`write_report`). Why atomic there (temporary name, fsync,
rename): OUT may be a stick pulled out at any moment, or a folder with
yesterday's report a coach is about to open; each file is whole, old or new.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from device.export.report.merge import Merged, find_exports, merge, read_all
from device.export.report.page import PageInput, render
from device.export.report.reading import ReportError, read_export
from device.export.report.tables import athlete_csvs, file_stem
from device.store.files import atomic_write_bytes

REPORT = "report.html"


@dataclass
class ReportResult:
    html: str
    csvs: list[str] = field(default_factory=list)
    athletes: int = 0
    sets: int = 0
    duplicates: int = 0
    html_bytes: int = 0
    seconds: float = 0.0


def report_files(paths: list[str], now: datetime | None = None,
                 max_charts: int = 12) -> tuple[ReportResult, dict[str, bytes]]:
    """Read and merge the exports in `paths`: file name -> content (report.html last), and the counts."""
    merged = read_all(paths)
    if not merged.athletes:
        raise ReportError(f"{', '.join(paths)}: the exports hold no sets")
    return render_files(merged, now, max_charts)


def stick_report(new_folder: str, stick: str, now: datetime | None = None,
                 max_charts: int = 12) -> tuple[ReportResult, dict[str, bytes], list[str]]:
    """The report an export carries: its own folder (read though still being written) and the earlier
    exports on its stick, so the athletes' CSVs hold all the stick has seen. An earlier export that
    cannot be read is left out, with a line saying so; ReportError if the new one cannot be."""
    folders, notes = [read_export(new_folder)], []
    try:
        earlier = find_exports([stick])
    except ReportError:
        earlier = []  # the new export is the stick's first
    for path in earlier:
        try:
            folders.append(read_export(path))
        except ReportError as exc:
            notes.append(f"report: an earlier export was left out: {exc}")
    merged = merge(folders)
    if not merged.athletes:
        raise ReportError(f"{new_folder}: the export holds no sets")
    for athlete in merged.athletes:  # charts from this export's own traces only, never a stick's others
        for s in athlete.sets:
            s.new = s.new and s.folder == new_folder
    result, files = render_files(merged, now, max_charts)
    return result, files, notes


def render_files(merged: Merged, now: datetime | None = None,
                 max_charts: int = 12) -> tuple[ReportResult, dict[str, bytes]]:
    """The report's files from merged exports: file name -> content (report.html last), and the counts."""
    taken: set[str] = set()
    names: dict[str, tuple[str, str]] = {}
    files: dict[str, bytes] = {}
    for a in merged.athletes:
        stem = file_stem(a.name, taken)
        names[a.key] = (f"{stem}-sets.csv", f"{stem}-sets-engineering.csv")
        files.update(zip(names[a.key], athlete_csvs(a)))
    files[REPORT] = render(PageInput(merged, names, now or datetime.now(), max_charts)).encode("utf-8")
    result = ReportResult(html=REPORT, csvs=[n for n in files if n != REPORT], athletes=len(merged.athletes),
                          sets=merged.sets_read - merged.duplicates, duplicates=merged.duplicates,
                          html_bytes=len(files[REPORT]))
    return result, files


def write_report(paths: list[str], out_dir: str, now: datetime | None = None,
                 max_charts: int = 12) -> ReportResult:
    """Read every export in `paths`, write the report into `out_dir`; ReportError (one line) on bad input."""
    started = time.monotonic()
    result, files = report_files(paths, now, max_charts)
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out_dir}: cannot make the folder: {exc.strerror}") from None
    for name, data in files.items():
        path = os.path.join(out_dir, name)
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise ReportError(f"{path}: cannot write: {exc.strerror}") from None
    result.html = os.path.join(out_dir, REPORT)
    result.csvs = [os.path.join(out_dir, n) for n in result.csvs]
    result.seconds = time.monotonic() - started
    return result
