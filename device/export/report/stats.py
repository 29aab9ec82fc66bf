"""An athlete's history in numbers: per session, per week, contacts by phase.

Why sums and not means are kept: a week's mean depth is the mean over its
reps, not the mean of its sessions' means, so every level keeps counts and
sums and divides only when shown. Pure Python: a year of sets is a few
hundred sessions and some ten thousand reps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from device.core.contacts import CONTACTS
from device.export.report.reading import SetRec

PHASES = ("standing", "descent", "bottom", "ascent", "")
PHASE_WORDS = {"standing": "standing", "descent": "going down", "bottom": "at the bottom",
               "ascent": "coming up", "": "no tilt sensor"}
TEMPO = ("duration_s", "descent_s", "bottom_s", "ascent_s")


@dataclass
class Totals:
    """Counts and sums over some sets' reps."""

    sets: int = 0
    reps: int = 0
    clean: int = 0
    losses: int = 0
    retention_sets: int = 0
    depth: list[float] = field(default_factory=lambda: [0.0, 0.0])  # sum, count
    tempo: dict[str, list[float]] = field(default_factory=lambda: {k: [0.0, 0.0] for k in TEMPO})

    def add(self, s: SetRec) -> None:
        self.sets += 1
        self.reps += len(s.reps)
        self.clean += s.clean_reps
        self.losses += len(s.losses)
        self.retention_sets += s.row.get("schedule") == "retention"
        for r in s.reps:
            if r.depth_deg is not None:
                self.depth[0] += r.depth_deg
                self.depth[1] += 1
            for key in TEMPO:
                value = getattr(r, key)
                if value is not None:
                    self.tempo[key][0] += value
                    self.tempo[key][1] += 1

    @property
    def clean_pct(self) -> float | None:
        return 100.0 * self.clean / self.reps if self.reps else None

    @property
    def mean_depth(self) -> float | None:
        total, n = self.depth
        return total / n if n else None

    def mean(self, key: str) -> float | None:
        total, n = self.tempo[key]
        return total / n if n else None


@dataclass
class Session:
    """A session: an athlete's sets at one box, begun at one time."""

    started: datetime
    box_id: str
    sets: list[SetRec] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def target(self) -> float | None:
        """The depth target of its last set that says one (newer exports)."""
        for s in reversed(self.sets):
            value = s.num("depth_target_deg")
            if value is not None:
                return value
        return None

    @property
    def stage(self) -> str:
        return self.sets[-1].stage if self.sets else ""

    @property
    def tests(self) -> list[str]:
        return [s.row.get("plan_result", "") for s in self.sets if s.row.get("plan_result")]


@dataclass
class Week:
    monday: date
    sessions: int = 0
    totals: Totals = field(default_factory=Totals)

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"{year}-W{week:02d}"


def sessions_of(sets: list[SetRec]) -> list[Session]:
    """Sets (oldest first) grouped into their sessions, oldest first."""
    by_key: dict[tuple[str, float], Session] = {}
    for s in sets:
        key = (s.box_id, s.session_started.timestamp())
        session = by_key.get(key)
        if session is None:
            session = by_key[key] = Session(s.session_started, s.box_id)
        session.sets.append(s)
        session.totals.add(s)
    return sorted(by_key.values(), key=lambda x: x.started.timestamp())


def weeks_of(sessions: list[Session]) -> list[Week]:
    """Sessions summed by ISO week (Monday first), oldest first."""
    weeks: dict[date, Week] = {}
    for session in sessions:
        day = session.started.date()
        monday = date.fromordinal(day.toordinal() - day.weekday())
        week = weeks.setdefault(monday, Week(monday))
        week.sessions += 1
        for s in session.sets:
            week.totals.add(s)
    return [weeks[k] for k in sorted(weeks)]


def losses_by_phase(sets: list[SetRec]) -> dict[str, dict[str, int]]:
    """Contact -> phase -> how many times it came off then (every contact and phase present)."""
    table = {c: {p: 0 for p in PHASES} for c in CONTACTS}
    for s in sets:
        for loss in s.losses:
            phase = loss.phase if loss.phase in PHASES else ""
            table[loss.contact][phase] += 1
    return table


def worst(table: dict[str, dict[str, int]]) -> tuple[str, str, int] | None:
    """The contact and phase that break most: (contact, phase, count), None when nothing broke."""
    best = max(((c, p, n) for c, row in table.items() for p, n in row.items()), key=lambda x: x[2])
    return best if best[2] else None
