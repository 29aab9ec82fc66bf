"""The export's rows: a set, a rep and a contact loss as the CSVs and the session JSON have them.

Why the records are plain dicts keyed by column name: the same record is a
row of sets.csv (in the documented column order, device/export/columns.py)
and an item of the session's JSON, so the two can never disagree. Names are
quoted only in the CSVs, where a spreadsheet would run `=...` as a formula;
the JSON keeps them as typed.
"""
from __future__ import annotations

import csv
import operator
from typing import Any, Sequence

from device.core.jsonlist import JsonList
from device.core.contacts import CONTACTS
from device.export.folder import Folder, OutFile
from device.export.layout import FORMAT, session_file
from device.export.plan_columns import set_values
from device.store.exports import Row
from device.store.queries import iso

Record = dict[str, Any]


def _text(value: str | None) -> str:
    """A name for a spreadsheet cell: a leading = + - @ would run as a formula, so it is quoted.

    >>> _text("=HYPERLINK(1)"), _text("Anna"), _text(None)
    ("'=HYPERLINK(1)", 'Anna', '')
    """
    if not value:
        return ""
    return "'" + value if value[0] in "=+-@\t\r" else value


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def set_record(row: Row, reps: list[Row], losses: list[Row], trace_file: str, chart_file: str,
               box_id: str = "") -> Record:
    """The set's numbers as sets.csv and the session JSON have them (and the box and plan's columns)."""
    depths = [r["depth_deg"] for r in reps if r["depth_deg"] is not None]
    durations = [r["duration_s"] for r in reps if r["duration_s"] is not None]
    per_contact = {c: sum(1 for x in losses if x["contact"] == c) for c in CONTACTS}
    return {
        "set_id": row["id"], "session_id": row["session_id"], "athlete_id": row["athlete_id"],
        "athlete": row["athlete"], "set_number": row["number"], "started_at": iso(row["started_at"]),
        "ended_at": iso(row["ended_at"]), "duration_s": row["duration_s"], "end_reason": row["end_reason"],
        "reps": len(reps), "clean_reps": sum(1 for r in reps if not r["faults"]), "dips": row["dips"],
        "contact_losses": len(losses), "head_losses": per_contact["head"],
        "upper_back_losses": per_contact["upper_back"], "sacrum_losses": per_contact["sacrum"],
        "mean_depth_deg": _mean(depths), "max_depth_deg": max(depths) if depths else None,
        "mean_rep_s": _mean(durations), "standing_deg": row["standing_deg"],
        "baseline_head_us": row["baseline_head_us"], "baseline_upper_back_us": row["baseline_upper_back_us"],
        "baseline_sacrum_us": row["baseline_sacrum_us"],
        "sensor_faults": row["sensor_faults"].replace(",", ";"), "samples": row["samples"],
        "trace_file": trace_file, "trace_ready_s": row["trace_ready_s"] if trace_file else None,
        "chart_file": chart_file, "athlete_set_number": row["athlete_set_number"],
        "schedule": row["schedule"], "sensitivity": row["sensitivity"], "mute": row["mute"],
        **set_values(box_id, row["plan_stage"], row["depth_target_deg"], row["plan_result"]),
    }


def rep_record(row: Row, set_id: int, session_id: int, athlete: str) -> Record:
    """A row of reps.csv: the stored rep, with its faults spelled out per contact."""
    faults = [f for f in row["faults"].split(",") if f]
    rec = {"set_id": set_id, "session_id": session_id, "athlete": athlete, "rep": row["rep"]}
    for key in ("start_s", "end_s", "depth_deg", "duration_s", "descent_s", "bottom_s", "ascent_s"):
        rec[key] = row[key]
    rec["clean"] = 0 if faults else 1
    for c in CONTACTS:
        rec[f"{c}_lost"] = int(c in faults)
    rec["faults"] = ";".join(faults)
    return rec


def loss_record(row: Row, session_id: int, athlete: str) -> Record:
    """A row of contact_losses.csv."""
    return {"set_id": row["set_id"], "session_id": session_id, "athlete": athlete, "rep": row["rep"],
            "contact": row["contact"], "cause": row["cause"], "phase": row["phase"],
            "start_s": row["start_s"], "duration_s": row["duration_s"], "restored": row["restored"]}


class _Utf8:
    """str -> UTF-8 into an OutFile (what csv.writer wants)."""

    def __init__(self, out: OutFile) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(text.encode("utf-8"))
        return len(text)


class CsvOut:
    """One CSV in the export: UTF-8 with a BOM (so Excel reads names right), one header row."""

    def __init__(self, folder: Folder, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.out = folder.new_file(name)
        self.out.write(b"\xef\xbb\xbf")
        self.keys = [c for c, _ in columns]
        self.get = operator.itemgetter(*self.keys)
        self.athlete = self.keys.index("athlete") if "athlete" in self.keys else -1
        self.writer = csv.writer(_Utf8(self.out))  # writes None as an empty cell
        self.writer.writerow(self.keys)

    def rows(self, records: Sequence[Record]) -> None:
        """Write records (dicts with every column); a name that would run as a formula is quoted."""
        values = [self.get(r) for r in records]
        i = self.athlete
        if i >= 0:
            values = [v if _text(v[i]) == v[i] else (*v[:i], _text(v[i]), *v[i + 1:]) for v in values]
        self.writer.writerows(values)

    def row(self, record: Record) -> None:
        self.rows((record,))


class SessionJson:
    """One session's JSON, written set by set as the sets stream by (device/core/jsonlist.py):
    the export holds one set of a session, never the session whole."""

    def __init__(self, folder: Folder, row: Row, box_id: str = "") -> None:
        self.id, self.athlete_id, self.athlete = row["session_id"], row["athlete_id"], row["athlete"]
        self.started_at, self.ended_at = iso(row["session_started"]), iso(row["session_ended"])
        self.box_id = box_id
        self.out = folder.new_file(session_file(self.id))
        head = {"format": FORMAT, "session_id": self.id, "athlete": {"id": self.athlete_id, "name": self.athlete},
                "started_at": self.started_at, "ended_at": self.ended_at, "box_id": box_id}
        self.doc = JsonList(_Utf8(self.out).write, head, "sets", ensure_ascii=False)
        self.totals = {"sets": 0, "reps": 0, "clean_reps": 0, "contact_losses": 0}

    def add(self, record: Record, reps: list[Record], losses: list[Record]) -> None:
        self.doc.add({**record, "rep_list": reps, "contact_loss_list": losses})
        for key in ("reps", "clean_reps", "contact_losses"):
            self.totals[key] += record[key]
        self.totals["sets"] += 1

    def close(self, folder: Folder) -> Record:
        """Totals last; the file is committed. Returns the session's row of sessions.csv."""
        self.doc.close({"totals": self.totals})
        folder.commit(self.out)
        return {"session_id": self.id, "athlete_id": self.athlete_id, "athlete": self.athlete,
                "started_at": self.started_at, "ended_at": self.ended_at, **self.totals, "box_id": self.box_id}
