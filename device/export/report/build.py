"""Write the report: read and merge the folders, then report.html and the CSVs, each file atomically.

Why atomic (temporary name, fsync, rename): OUT may be a USB stick pulled
out at any moment, or a folder with yesterday's report a coach is about to
open; either file is whole, old or new.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from device.export.report.merge import read_all
from device.export.report.page import PageInput, render
from device.export.report.reading import ReportError
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


def write_report(paths: list[str], out_dir: str, now: datetime | None = None,
                 max_charts: int = 12) -> ReportResult:
    """Read every export in `paths`, write the report into `out_dir`; ReportError (one line) on bad input."""
    started = time.monotonic()
    merged = read_all(paths)
    if not merged.athletes:
        raise ReportError(f"{', '.join(paths)}: the exports hold no sets")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"{out_dir}: cannot make the folder: {exc.strerror}") from None
    taken: set[str] = set()
    files: dict[str, tuple[str, str]] = {}
    result = ReportResult(html=os.path.join(out_dir, REPORT), athletes=len(merged.athletes),
                          sets=merged.sets_read - merged.duplicates, duplicates=merged.duplicates)
    for a in merged.athletes:
        stem = file_stem(a.name, taken)
        files[a.key] = (f"{stem}-sets.csv", f"{stem}-sets-engineering.csv")
        for name, data in zip(files[a.key], athlete_csvs(a)):
            _write(os.path.join(out_dir, name), data)
            result.csvs.append(os.path.join(out_dir, name))
    html = render(PageInput(merged, files, now or datetime.now(), max_charts)).encode("utf-8")
    _write(result.html, html)
    result.html_bytes = len(html)
    result.seconds = time.monotonic() - started
    return result


def _write(path: str, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ReportError(f"{path}: cannot write: {exc.strerror}") from None
