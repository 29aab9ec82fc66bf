"""The coach's report in every export: report.html and each athlete's cumulative CSVs, beside the sets.

Why in the export and not only `smartdowel report`: a coach without the
package on a laptop still opens report.html from the stick in any browser,
and the per-athlete CSVs hold every set the stick has seen (this export and
the earlier ones on it), so one file per athlete keeps growing in a
spreadsheet. Built with device/export/report from the folder being written
(once its files are settled) and the stick's earlier exports, and written
with the export's own safe writer before the manifest, so the manifest
covers it. A report that cannot be made is a note in README.txt, never a
failed export: the sets are what must reach the stick.
"""
from __future__ import annotations

from datetime import datetime

from device.export.folder import Folder
from device.export.report import ReportError
from device.export.report.build import stick_report
from device.export.result import ExportResult


def add_report(folder: Folder, when: float, result: ExportResult) -> None:
    """report.html and the athletes' CSVs into the export folder (a note in `result` if not)."""
    folder.settle()
    try:
        _, files, notes = stick_report(folder.path, folder.dest, datetime.fromtimestamp(when))
    except ReportError as exc:
        result.warnings.append(f"no report.html in this export: {exc}")
        return
    result.warnings += notes
    for name, data in files.items():
        folder.write_bytes(name, data)
