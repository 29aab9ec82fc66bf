"""`smartdowel sessions` and `smartdowel export`: the store from the terminal.

    smartdowel sessions [--json] [--data DIR] [--config FILE]
    smartdowel export DEST [--all] [--data DIR] [--config FILE]

Both only read the store (the export marks its sets at the very end), so they
are safe to run while the appliance records. A problem is one line on stderr
and exit code 2, like the other commands. `python -m device.cli.store_commands` runs the
same commands (the appliance starts exports that way, in a child process).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from device.app.config import ConfigError, data_dir, load_config
from device.export.export import ExportError, export, plural
from device.store.store import DB_NAME, Store, StoreError, iso

EXIT_BAD_INPUT = 2


def add_subcommands(sub: Any) -> None:
    """Register `sessions` and `export` on the CLI's subparsers (device/cli.py calls this)."""
    s = sub.add_parser("sessions", help="list the sessions and sets kept on this box")
    s.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    _data_args(s)
    s.set_defaults(func=cmd_sessions)
    e = sub.add_parser("export", help="write the sets to a USB stick (a new folder in DEST)")
    e.add_argument("dest", help="the stick's folder, e.g. /media/pi/STICK")
    e.add_argument("--all", action="store_true", help="every set, not only those not exported before")
    e.add_argument("--progress", action="store_true", help="print 'progress DONE/TOTAL' lines")
    e.add_argument("--nice", action="store_true", help=argparse.SUPPRESS)  # the appliance's background export
    _data_args(e)
    e.set_defaults(func=cmd_export)


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="data folder (default: config, SMARTDOWEL_DATA, "
                   "/var/lib/smartdowel for the service, ~/.local/share/smartdowel)")
    p.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")


def _data_dir(args: argparse.Namespace) -> str:
    return args.data or data_dir(load_config(args.config))


def _fail(message: str) -> int:
    sys.stdout.flush()
    print(f"smartdowel: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_sessions(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """List sessions and their sets, oldest first (a table, or JSON with --json)."""
    out = out or sys.stdout
    try:
        folder = _data_dir(args)
        if not os.path.exists(os.path.join(folder, DB_NAME)):
            if args.json:
                out.write(json.dumps({"data_dir": folder, "sessions": []}) + "\n")
            else:
                out.write(f"no sessions yet (no database in {folder})\n")
            return 0
        with Store.open(folder, create=False, recover=False) as store:
            (_sessions_json if args.json else _sessions_table)(store, out)
    except (StoreError, ConfigError) as exc:
        return _fail(str(exc))
    return 0


def _set_fields(row: Any) -> dict[str, Any]:
    return {"set_id": row["id"], "number": row["number"], "started_at": iso(row["started_at"]),
            "ended_at": iso(row["ended_at"]), "duration_s": row["duration_s"],
            "end_reason": row["end_reason"] or "in_progress", "reps": row["reps"],
            "contact_losses": row["losses"], "exported": row["export_id"] is not None, "trace": row["trace"],
            "athlete_set_number": row["athlete_set_number"], "schedule": row["schedule"],
            "sensitivity": row["sensitivity"], "mute": row["mute"]}


def _sessions_json(store: Store, out: TextIO) -> None:
    """Streamed: one session at a time in memory."""
    out.write('{"data_dir": %s, "sessions": [' % json.dumps(store.data_dir))
    current, first = None, True
    for row in store.iter_set_summaries():
        if current != row["session_id"]:
            if current is not None:
                out.write("]}")
            current = row["session_id"]
            head = {"session_id": current, "athlete_id": row["athlete_id"], "athlete": row["athlete"]}
            out.write(("" if first else ",") + "\n " + json.dumps(head)[:-1] + ', "sets": [')
            first, first_set = False, True
        out.write(("" if first_set else ", ") + json.dumps(_set_fields(row)))
        first_set = False
    out.write("]}" if current is not None else "")
    out.write("\n]}\n")


def _sessions_table(store: Store, out: TextIO) -> None:
    current = None
    n = 0
    for row in store.iter_set_summaries():
        if current != row["session_id"]:
            current = row["session_id"]
            out.write(f"session {current}  {row['athlete']}\n")
        f = _set_fields(row)
        when = f["started_at"][:19].replace("T", " ")
        dur = f"{f['duration_s']:.0f} s" if f["duration_s"] is not None else "-"
        out.write(f"  set {f['set_id']:<5} #{f['athlete_set_number']:<3} {when}  {dur:>6}  {f['reps']:>3} reps  "
                  f"{f['contact_losses']:>3} losses  {f['end_reason']:<13} "
                  f"{'exported' if f['exported'] else 'new'}\n")
        n += 1
    if n == 0:
        out.write(f"no sets recorded yet ({store.path})\n")


def cmd_export(args: argparse.Namespace) -> int:
    """Export to DEST: exit 0 with where and how many sets, or one line and exit 2."""
    if args.nice:
        try:
            os.nice(10)
        except OSError:
            pass
    try:
        folder = _data_dir(args)
        if not args.nice:  # the appliance's own export: a folder gone means the stick went
            _make_dest(args.dest)
        with Store.open(folder, create=False, recover=False) as store:
            progress = _print_progress if args.progress else None
            result = export(store, args.dest, all_sets=args.all, progress=progress)
    except (ExportError, StoreError, ConfigError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{args.dest}: cannot make the folder: {exc.strerror or exc}")
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
