"""One export folder read back: its sets with their reps and contact losses, and its plan rows.

Why the report reads the folders and not a store: the folders are what a
coach carries from several boxes to one computer. It reads by column name,
so columns added later (box_id, the plan's) are used when there and not
missed when not; any column it does not know is kept for the engineering CSV.
A folder may come from any stick (the export reads the stick's earlier ones):
its files are read only if they are regular files, not links, of a sane size.
What it cannot do without (a v1 file, a v1 column, a number that is not one)
is a ReportError naming the file, the line and the column.
"""
from __future__ import annotations

import csv
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from device.core.contacts import CONTACTS
from device.export.plan_columns import PLAN_FILE
from device.store.files import open_regular

REQUIRED = {
    "sessions.csv": ("session_id", "athlete", "started_at"),
    "sets.csv": ("set_id", "session_id", "athlete", "started_at", "duration_s", "reps", "clean_reps"),
    "reps.csv": ("set_id", "rep", "depth_deg", "duration_s", "clean"),
    "contact_losses.csv": ("set_id", "contact", "phase"),
}
NUMERIC_SET_COLUMNS = ("duration_s", "reps", "clean_reps", "trace_ready_s", "baseline_head_us",
                       "baseline_upper_back_us", "baseline_sacrum_us", "depth_target_deg")
MAX_CSV_BYTES = 512 * 1024 * 1024  # decades of sets; a bigger "CSV" on a stick is not an export's
REP_NUMBERS = ("start_s", "end_s", "depth_deg", "duration_s", "descent_s", "bottom_s", "ascent_s")  # Rep's order
Row = dict[str, str]


class ReportError(Exception):
    """Input the report cannot use; str() is one line naming the file (and line and column)."""


@dataclass
class Rep:
    start_s: float | None
    end_s: float | None
    depth_deg: float | None
    duration_s: float | None
    descent_s: float | None
    bottom_s: float | None
    ascent_s: float | None
    clean: bool


@dataclass
class Loss:
    contact: str
    phase: str  # standing, descent, bottom, ascent; "" without a tilt sensor
    start_s: float | None
    duration_s: float | None


@dataclass
class SetRec:
    """One set as exported, with the keys that tell it apart from any other box's sets."""

    folder: str
    row: Row  # every cell as written (the engineering CSV passes them on)
    athlete: str
    started: datetime
    session_started: datetime
    box_id: str
    set_id: int
    reps: list[Rep] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    new: bool = False  # from the newest export of its box: its chart goes in the page

    def num(self, column: str) -> float | None:
        return _number(self.row.get(column, ""), self.folder, "sets.csv", column)

    @property
    def athlete_key(self) -> str:
        return name_key(self.athlete)

    @property
    def clean_reps(self) -> int:
        return sum(1 for r in self.reps if r.clean)

    @property
    def stage(self) -> str:
        return self.row.get("plan_stage", "")

    @property
    def keys(self) -> tuple[tuple[object, ...], ...]:
        """What makes this set the same set in another export: its box and number (if the export
        says which box), and always its athlete and start to the second with its length."""
        instant = round(self.started.timestamp())
        content = ("content", self.athlete_key, instant, self.row.get("duration_s", ""))
        if self.box_id:
            return ("box", self.box_id, self.set_id, instant), content
        return (content,)


@dataclass
class PlanRow:
    box_id: str
    athlete: str
    at: datetime
    set_id: str
    from_stage: str
    to_stage: str
    reason: str
    by: str


@dataclass
class ExportFolder:
    path: str
    box_id: str
    sets: list[SetRec]
    plan: list[PlanRow]
    columns: list[str]  # sets.csv's header, in order


def name_key(name: str) -> str:
    """How athletes are matched across boxes: same letters, any case, any spacing.

    >>> name_key("  zoë  SMITH"), name_key("'=Bob") == name_key("=bob")
    ('zoë smith', True)
    """
    return " ".join(unicodedata.normalize("NFC", unquote(name)).casefold().split())


def unquote(name: str) -> str:
    """The export quotes a name that a spreadsheet would run as a formula ('=..): undo it."""
    return name[1:] if len(name) > 1 and name[0] == "'" and name[1] in "=+-@\t\r" else name


def _number(text: str, folder: str, file: str, column: str, line: int | None = None) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        where = f"{os.path.join(folder, file)}" + (f":{line}" if line else "")
        raise ReportError(f"{where}: column {column}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ReportError(f"{os.path.join(folder, file)}: column {column}: {text!r} is not a finite number")
    return value


def _when(text: str, path: str, line: int, column: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{path}:{line}: column {column}: {text!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise ReportError(f"{path}:{line}: column {column}: {text!r} has no UTC offset")
    return when


def _rows(folder: str, name: str, required: bool = True) -> Iterator[tuple[int, Row]]:
    """(line number, row) of one CSV; its v1 columns checked first."""
    path = os.path.join(folder, name)
    try:
        fh = os.fdopen(open_regular(path, MAX_CSV_BYTES), encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        if required:
            raise ReportError(f"{path}: missing: not a complete smartdowel export") from None
        return
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        try:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED.get(name, ()) if c not in (reader.fieldnames or ())]
            if missing:
                raise ReportError(f"{path}:1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
            for row in reader:
                yield reader.line_num, {k: (v or "") for k, v in row.items() if k is not None}
        except UnicodeDecodeError:
            raise ReportError(f"{path}: not UTF-8 text") from None
        except csv.Error as exc:
            raise ReportError(f"{path}: not a readable CSV: {exc}") from None


def _int(row: Row, column: str, path: str, line: int) -> int:
    try:
        return int(row[column])
    except ValueError:
        raise ReportError(f"{path}:{line}: column {column}: {row[column]!r} is not a whole number") from None


def read_export(folder: str) -> ExportFolder:
    """Everything the report uses from one export folder."""
    sessions: dict[str, datetime] = {}
    path = os.path.join(folder, "sessions.csv")
    box = ""
    for line, row in _rows(folder, "sessions.csv"):
        sessions[row["session_id"]] = _when(row["started_at"], path, line, "started_at")
        box = box or row.get("box_id", "")
    sets: dict[int, SetRec] = {}
    path = os.path.join(folder, "sets.csv")
    columns: list[str] = []
    for line, row in _rows(folder, "sets.csv"):
        columns = columns or list(row)
        set_id = _int(row, "set_id", path, line)
        started = _when(row["started_at"], path, line, "started_at")
        for column in NUMERIC_SET_COLUMNS:  # checked here, where the line is known; read later by num()
            _number(row.get(column, ""), folder, "sets.csv", column, line)
        sets[set_id] = SetRec(folder, row, unquote(row["athlete"]), started,
                              sessions.get(row["session_id"], started), row.get("box_id", "") or box, set_id)
    _attach(folder, sets)
    return ExportFolder(folder, box, list(sets.values()), _plan(folder), columns)


def _attach(folder: str, sets: dict[int, SetRec]) -> None:
    """reps.csv and contact_losses.csv onto their sets."""
    path = os.path.join(folder, "reps.csv")
    for line, row in _rows(folder, "reps.csv"):
        owner = sets.get(_int(row, "set_id", path, line))
        if owner is None:
            continue
        n = {k: _number(row.get(k, ""), folder, "reps.csv", k, line) for k in REP_NUMBERS}
        owner.reps.append(Rep(**n, clean=row["clean"] == "1"))
    path = os.path.join(folder, "contact_losses.csv")
    for line, row in _rows(folder, "contact_losses.csv"):
        owner = sets.get(_int(row, "set_id", path, line))
        if owner is None or row["contact"] not in CONTACTS:
            continue
        owner.losses.append(Loss(row["contact"], row.get("phase", ""),
                                 _number(row.get("start_s", ""), folder, "contact_losses.csv", "start_s", line),
                                 _number(row.get("duration_s", ""), folder, "contact_losses.csv", "duration_s",
                                         line)))


def _plan(folder: str) -> list[PlanRow]:
    path = os.path.join(folder, PLAN_FILE)
    out = []
    for line, row in _rows(folder, PLAN_FILE, required=False):
        out.append(PlanRow(row.get("box_id", ""), unquote(row.get("athlete", "")),
                           _when(row.get("at", ""), path, line, "at"), row.get("set_id", ""),
                           row.get("from_stage", ""), row.get("to_stage", ""), row.get("reason", ""),
                           row.get("by", "")))
    return out
