"""`smartdowel sessions [--json] [--data DIR] [--config FILE]`: what is kept on this box.

A table for a person (a line per set, grouped by session), or with --json one
document for scripts. Why one session at a time: a box keeps years of sets,
so the store is read from a cursor and only the session being printed is in
memory; the JSON document is written session by session (device/core/jsonlist.py).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Iterator, TextIO

from device.app.config import ConfigError
from device.cli.data_options import add_data_options, data_folder, fail, open_for_reading
from device.core.jsonlist import JsonList
from device.store.connection import DB_NAME
from device.store.errors import StoreError
from device.store.queries import iso
from device.store.store import Store


def add_parser(sub: Any) -> None:
    """Register `sessions` on the CLI's subparsers (device/cli/main.py calls this)."""
    s = sub.add_parser("sessions", help="list the sessions and sets kept on this box")
    s.add_argument("--json", action="store_true", help="one JSON document, for scripts")
    add_data_options(s)
    s.set_defaults(func=cmd_sessions)


def cmd_sessions(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """List sessions and their sets, oldest first (a table, or JSON with --json)."""
    out = out or sys.stdout
    try:
        folder = data_folder(args)
        if not os.path.exists(os.path.join(folder, DB_NAME)):  # listing creates nothing
            if args.json:
                JsonList(out.write, {"data_dir": folder}, "sessions").close()
            else:
                out.write(f"no sessions yet (no database in {folder})\n")
            return 0
        with open_for_reading(folder) as store:
            (_sessions_json if args.json else _sessions_table)(store, out)
    except (StoreError, ConfigError) as exc:
        return fail(str(exc))
    return 0


def _set_fields(row: Any) -> dict[str, Any]:
    return {"set_id": row["id"], "number": row["number"], "started_at": iso(row["started_at"]),
            "ended_at": iso(row["ended_at"]), "duration_s": row["duration_s"],
            "end_reason": row["end_reason"] or "in_progress", "reps": row["reps"],
            "contact_losses": row["losses"], "exported": row["export_id"] is not None, "trace": row["trace"],
            "athlete_set_number": row["athlete_set_number"], "schedule": row["schedule"],
            "sensitivity": row["sensitivity"], "mute": row["mute"]}


def _sessions(store: Store) -> Iterator[dict[str, Any]]:
    """Each session with its sets, oldest first, one at a time (sessions without sets are left out)."""
    session: dict[str, Any] | None = None
    for row in store.iter_set_summaries():
        if session is None or session["session_id"] != row["session_id"]:
            if session is not None:
                yield session
            session = {"session_id": row["session_id"], "athlete_id": row["athlete_id"],
                       "athlete": row["athlete"], "sets": []}
        session["sets"].append(_set_fields(row))
    if session is not None:
        yield session


def _sessions_json(store: Store, out: TextIO) -> None:
    doc = JsonList(out.write, {"data_dir": store.data_dir}, "sessions")
    for session in _sessions(store):
        doc.add(session)
    doc.close()


def _sessions_table(store: Store, out: TextIO) -> None:
    n = 0
    for session in _sessions(store):
        out.write(f"session {session['session_id']}  {session['athlete']}\n")
        for f in session["sets"]:
            when = f["started_at"][:19].replace("T", " ")
            dur = f"{f['duration_s']:.0f} s" if f["duration_s"] is not None else "-"
            out.write(f"  set {f['set_id']:<5} #{f['athlete_set_number']:<3} {when}  {dur:>6}  {f['reps']:>3} reps  "
                      f"{f['contact_losses']:>3} losses  {f['end_reason']:<13} "
                      f"{'exported' if f['exported'] else 'new'}\n")
            n += 1
    if n == 0:
        out.write(f"no sets recorded yet ({store.path})\n")
