"""Athlete profiles: the guest, names added on the box, and names imported from a stick.

Why names are cleaned before they are stored: the same person typed twice
("Zoë" composed or decomposed, extra spaces, another case) must be one
profile, and a name must never carry control or invisible characters into a
screen, a CSV cell or a file name.
"""
from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from device.store.connection import Connected

GUEST_NAME = "Guest"
MAX_NAME_LEN = 40
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiner: part of how some scripts spell names


@dataclass(frozen=True)
class Athlete:
    id: int
    name: str
    is_guest: bool
    source: str


def clean_name(raw: str) -> str:
    """An athlete's name as stored: NFC, whitespace collapsed; ValueError if unusable.

    >>> clean_name("  Zoë   Smith ")
    'Zoë Smith'
    """
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise ValueError("empty name")
    if any(unicodedata.category(ch).startswith("C") and ch not in _JOINERS for ch in name):
        raise ValueError("control or invisible characters in the name")
    if len(name) > MAX_NAME_LEN:
        raise ValueError(f"longer than {MAX_NAME_LEN} characters")
    return name


class AthleteProfiles(Connected):
    """The athletes table, as the menu and the stick import use it (part of Store)."""

    def athletes(self) -> list[Athlete]:
        """Guest first, then by name: the athlete menu's order."""
        rows = self.conn.execute("SELECT id, name, is_guest, source FROM athletes "
                                 "ORDER BY is_guest DESC, name COLLATE NOCASE")
        return [Athlete(r["id"], r["name"], bool(r["is_guest"]), r["source"]) for r in rows]

    def athlete(self, athlete_id: int) -> Athlete | None:
        r = self.conn.execute("SELECT id, name, is_guest, source FROM athletes WHERE id = ?",
                              (athlete_id,)).fetchone()
        return None if r is None else Athlete(r["id"], r["name"], bool(r["is_guest"]), r["source"])

    def guest_id(self) -> int:
        """The guest profile's id (re-created if someone removed it by hand)."""
        row = self.conn.execute("SELECT id FROM athletes WHERE is_guest = 1 ORDER BY id").fetchone()
        if row is not None:
            return row[0]
        return self.add_athlete(GUEST_NAME, source="guest", is_guest=True)

    def add_athlete(self, name: str, source: str = "local", is_guest: bool = False) -> int:
        """Add a profile, or return the id of the one with that name (any case)."""
        name = clean_name(name)
        with self.transaction() as conn:
            row = conn.execute("SELECT id FROM athletes WHERE name = ? COLLATE NOCASE", (name,)).fetchone()
            if row is not None:
                return row[0]
            cur = conn.execute("INSERT INTO athletes (name, created_at, is_guest, source) "
                               "VALUES (?, ?, ?, ?)", (name, time.time(), int(is_guest), source))
            assert cur.lastrowid is not None  # an INSERT made one
            return cur.lastrowid

    def import_athletes(self, names: Iterable[str], source: str = "usb") -> tuple[int, int]:
        """Add every new name in one transaction; returns (added, already there).

        ValueError (naming the name) before anything is written if one is unusable."""
        cleaned = []
        for name in names:
            try:
                cleaned.append(clean_name(name))
            except ValueError as exc:
                raise ValueError(f"athlete name {name!r}: {exc}") from None
        added = existing = 0
        with self.transaction() as conn:
            for name in cleaned:
                before = conn.total_changes
                self.add_athlete(name, source=source)
                if conn.total_changes > before:
                    added += 1
                else:
                    existing += 1
        return added, existing

    def rename_athlete(self, old: str, new: str) -> int:
        """Rename `old` (not the guest) to `new`, keeping the id, so their sets, numbers and
        history stay theirs; the id. ValueError saying why if it cannot be."""
        name = clean_name(new)
        with self.transaction() as conn:
            row = conn.execute("SELECT id, is_guest FROM athletes WHERE name = ? COLLATE NOCASE",
                               (old,)).fetchone()
            if row is None:
                raise ValueError(f"no athlete called {old!r}")
            if row["is_guest"]:
                raise ValueError("the guest keeps its name")
            clash = conn.execute("SELECT id FROM athletes WHERE name = ? COLLATE NOCASE AND id != ?",
                                 (name, row["id"])).fetchone()
            if clash is not None:
                raise ValueError(f"{name!r} is already an athlete on this box")
            conn.execute("UPDATE athletes SET name = ? WHERE id = ?", (name, row["id"]))
            return int(row["id"])

    def sets_done(self, athlete_id: int) -> int:
        """The athlete's highest set number so far (0 before their first set)."""
        row = self.conn.execute(
            "SELECT coalesce(max(s.athlete_set_number), 0) FROM sets s JOIN sessions e ON e.id = s.session_id "
            "WHERE e.athlete_id = ?", (athlete_id,)).fetchone()
        return int(row[0])
