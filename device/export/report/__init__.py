"""The coach's report: export folders from any boxes in, report.html and per-athlete CSVs out.

    smartdowel report DIR... [-o OUT]

    OUT/report.html                  one self-contained page, a section per athlete
    OUT/<athlete>-sets.csv           every set so far, coach columns
    OUT/<athlete>-sets-engineering.csv   the same sets, every exported column

Reading (reading.py, merge.py) knows only the export's documented files and
columns (docs/export-columns.md and device/export/plan_columns.py), so it runs
on the box or on any computer with the package, on exports of any age.
"""
from device.export.report.build import ReportResult, report_files, write_report
from device.export.report.reading import ReportError

__all__ = ["ReportError", "ReportResult", "report_files", "write_report"]
