"""`smartdowel report DIR... [-o OUT]`: exports from any boxes into one report.html and per-athlete CSVs."""
from __future__ import annotations

import argparse
from typing import Any

from device.cli.errors import UsageError


def add_parser(sub: Any) -> None:
    r = sub.add_parser("report", help="merge export folders (from any boxes) into report.html and "
                       "per-athlete CSVs")
    r.add_argument("dirs", nargs="+", metavar="DIR",
                   help="an export folder, or a folder holding them (e.g. a USB stick)")
    r.add_argument("-o", "--out", default="smartdowel-report", help="where the report goes (default "
                   "./smartdowel-report)")
    r.add_argument("--charts", type=int, default=12, help="set charts drawn per athlete (newest first)")
    r.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Read, merge, write; one line and exit 2 for anything it cannot read."""
    from device.export.report import ReportError, write_report
    if args.charts < 0:
        raise UsageError(f"--charts: 0 or more, not {args.charts}")
    try:
        result = write_report(args.dirs, args.out, max_charts=args.charts)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    print(f"report for {result.athletes} athlete{'s' if result.athletes != 1 else ''}, {result.sets} sets "
          f"({result.duplicates} seen twice, counted once): {result.html} "
          f"({result.html_bytes / 1e6:.2f} MB) and {len(result.csvs)} CSV files, in {result.seconds:.1f} s")
    return 0
