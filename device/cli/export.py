"""`smartdowel export DEST [--all] [--progress] [--data DIR] [--config FILE]`: the sets onto a stick.

Exit 0 with one line saying where and how many sets ("safe to remove the
stick"), or one line on stderr and exit 2. The appliance runs this command in
a child process (device/export/job.py), with --progress and --nice, and shows
its last line. This is where the export gets its chart renderer: ui's, the
one part of the program that draws.
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from device.app.config import ConfigError
from device.cli.data_options import add_data_options, data_folder, fail, open_for_reading
from device.export.errors import ExportError
from device.export.result import plural
from device.store.errors import StoreError


def add_parser(sub: Any) -> None:
    """Register `export` on the CLI's subparsers (device/cli/main.py calls this)."""
    e = sub.add_parser("export", help="write the sets to a USB stick (a new folder in DEST)")
    e.add_argument("dest", help="the stick's folder, e.g. /media/pi/STICK")
    e.add_argument("--all", action="store_true", help="every set, not only those not exported before")
    e.add_argument("--progress", action="store_true", help="print 'progress DONE/TOTAL' lines")
    e.add_argument("--nice", action="store_true", help=argparse.SUPPRESS)  # the appliance's background export
    add_data_options(e)
    e.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Export to DEST: exit 0 with where and how many sets, or one line and exit 2."""
    from device.export.run import export
    from ui.chart_png import render_png  # pygame itself loads with the first chart drawn
    if args.nice:
        try:
            os.nice(10)
        except OSError:
            pass
    try:
        folder = data_folder(args)
        if not args.nice:  # the appliance's own export: a folder gone means the stick went
            _make_dest(args.dest)
        with open_for_reading(folder) as store:
            progress = _print_progress if args.progress else None
            result = export(store, args.dest, all_sets=args.all, progress=progress, chart=render_png)
    except (ExportError, StoreError, ConfigError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{args.dest}: cannot make the folder: {exc.strerror or exc}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    if result.folder is None:
        print("nothing new to export (--all exports every set again)")
    else:
        print(f"exported {plural(result.sets, 'set')} ({plural(result.reps, 'rep')}, "
              f"{plural(result.sessions, 'session')}) to {result.folder} in {result.seconds:.1f} s: "
              f"safe to remove the stick")
    return 0


def _make_dest(dest: str) -> None:
    """A DEST not there yet is made (one level, in a folder that exists); never a mount point
    under /media or /run/media, where a missing folder means the stick is not mounted."""
    if os.path.exists(dest) or os.path.abspath(dest).startswith(("/media/", "/run/media/")):
        return
    if os.path.isdir(os.path.dirname(os.path.abspath(dest))):
        os.mkdir(dest)


def _print_progress(done: int, total: int) -> None:
    print(f"progress {done}/{total}", flush=True)
