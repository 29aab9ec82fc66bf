"""Many export folders from many boxes into one history per athlete: found, read, matched, deduplicated.

Why sets seen twice are dropped by two keys: the same set reaches the report
more than once when a stick is exported to again with --all, or when two
sticks carry the same export. With a box id, (box, set number, start) names
a set exactly (the start guards against numbers restarting after a database
was moved aside). Older exports have no box id; their sets are matched by
athlete, start to the second and length, which two real sets never share.
A set is a repeat if either key was seen. Folders are read newest first, so
the copy kept is the one with the most columns.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from device.export.report.reading import ExportFolder, PlanRow, ReportError, SetRec, name_key, read_export

EXPORT_PREFIX = "smartdowel-export-"
PARTIAL = ".partial"


@dataclass
class Athlete:
    """One athlete's sets from every box, oldest first, and their plan's history."""

    name: str
    key: str
    sets: list[SetRec] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    boxes: set[str] = field(default_factory=set)


@dataclass
class Merged:
    athletes: list[Athlete]
    folders: list[str]
    sets_read: int
    duplicates: int


def find_exports(paths: list[str]) -> list[str]:
    """Each path is an export folder, or a folder holding them (a stick's root): the export folders.

    A folder still named *.partial is an export that never finished: refused by name.
    """
    found: list[str] = []
    for path in paths:
        clean = path.rstrip("/") or path
        if clean.endswith(PARTIAL):
            raise ReportError(f"{path}: an export that did not finish ({PARTIAL}): export again, then report")
        if not os.path.isdir(path):
            raise ReportError(f"{path}: no such folder")
        if os.path.exists(os.path.join(path, "sets.csv")):
            found.append(path)
            continue
        try:
            inner = sorted(e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)
                           and e.name.startswith(EXPORT_PREFIX) and not e.name.endswith(PARTIAL))
        except OSError as exc:
            raise ReportError(f"{path}: cannot read the folder: {exc.strerror}") from None
        if not inner:
            raise ReportError(f"{path}: not a smartdowel export (no sets.csv) and holds none")
        found += inner
    return list(dict.fromkeys(os.path.abspath(p) for p in found))


def merge(folders: list[ExportFolder]) -> Merged:
    """Athletes matched by name across boxes, sets seen twice dropped, everything in time order."""
    newest_first = sorted(folders, key=_age, reverse=True)
    newest_of_box: dict[str, str] = {}
    for f in newest_first:
        newest_of_box.setdefault(f.box_id, f.path)  # exports without an id: the newest of them
    kept: dict[tuple[object, ...], SetRec] = {}
    athletes: dict[str, Athlete] = {}
    read = dupes = 0
    for f in newest_first:
        for s in f.sets:
            read += 1
            first = next((kept[k] for k in s.keys if k in kept), None)
            if first is not None:
                dupes += 1
                first.new = False  # an older export had it: not new since the last export
                continue
            kept.update((k, s) for k in s.keys)
            s.new = newest_of_box[f.box_id] == f.path
            athlete = athletes.setdefault(s.athlete_key, Athlete(s.athlete, s.athlete_key))
            athlete.sets.append(s)
            athlete.boxes.add(s.box_id)
    _add_plans(newest_first, athletes)
    for a in athletes.values():
        a.sets.sort(key=lambda s: (s.started.timestamp(), s.box_id, s.set_id))
        a.name = _usual_spelling(a.sets)
    ordered = sorted(athletes.values(), key=lambda a: a.key)
    return Merged(ordered, [f.path for f in newest_first], read, dupes)


def _age(f: ExportFolder) -> tuple[str, float]:
    """An export's name holds the time it was made; two made in the same second (on two sticks) are
    told apart by their latest set."""
    return os.path.basename(f.path.rstrip("/")), max((s.started.timestamp() for s in f.sets), default=0.0)


def _usual_spelling(sets: list[SetRec]) -> str:
    """The name as most sets spell it (the latest of equals): one box's typo does not rename an athlete."""
    counts: dict[str, int] = {}
    for s in sets:
        counts[s.athlete] = counts.get(s.athlete, 0) + 1
    return max(reversed(sets), key=lambda s: counts[s.athlete]).athlete


def _add_plans(folders: list[ExportFolder], athletes: dict[str, Athlete]) -> None:
    """plan.csv rows onto their athletes, each change once (exports overlap)."""
    seen: set[tuple[object, ...]] = set()
    for f in folders:
        for row in f.plan:
            key = (row.box_id, name_key(row.athlete), row.at.timestamp(), row.to_stage)
            athlete = athletes.get(name_key(row.athlete))
            if key in seen or athlete is None:
                continue
            seen.add(key)
            athlete.plan.append(row)
    for a in athletes.values():
        a.plan.sort(key=lambda r: r.at.timestamp())


def read_all(paths: list[str]) -> Merged:
    """find_exports + read_export + merge: what `smartdowel report DIR...` reads."""
    return merge([read_export(p) for p in find_exports(paths)])
