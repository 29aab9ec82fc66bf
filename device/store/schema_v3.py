"""Schema version 3: what the box remembers between power-ons, and per-athlete set numbers.

- `prefs`: the settings a coach chose in the menu and the athlete chosen
  last, one row per key (device/store/prefs.py), so a restart keeps them.
- `sets.athlete_set_number`: 1 for an athlete's first set on this box, 2 for
  the next... The screen, `sessions` and the export all number sets this way
  (the old `number` counts within a session and stays as it was). Filled in
  for the sets already there.
- `sets.schedule`, `sensitivity`, `mute`: the feedback schedule, loss
  sensitivity and mute the set ran with (NULL for sets from before: not
  known); a change during the set is appended after a '>' ("every>retention").
- `set_series`: the summary chart's decimated series of a set (JSON), so a
  past set opens from History with its chart without reading its trace.
"""
from __future__ import annotations

V3: tuple[str, ...] = (
    "CREATE TABLE prefs (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "ALTER TABLE sets ADD COLUMN athlete_set_number INTEGER",
    "ALTER TABLE sets ADD COLUMN schedule TEXT",
    "ALTER TABLE sets ADD COLUMN sensitivity TEXT",
    "ALTER TABLE sets ADD COLUMN mute TEXT",
    """CREATE TABLE set_series (
        set_id INTEGER PRIMARY KEY REFERENCES sets(id),
        series TEXT NOT NULL)""",
    "CREATE INDEX sessions_athlete ON sessions(athlete_id)",
    """UPDATE sets SET athlete_set_number = (
        SELECT COUNT(*) FROM sets s2 JOIN sessions e2 ON e2.id = s2.session_id
        WHERE e2.athlete_id = (SELECT athlete_id FROM sessions WHERE id = sets.session_id)
          AND s2.id <= sets.id)""",
)

NEXT_NUMBER_SQL = """SELECT coalesce(max(s.athlete_set_number), 0) + 1 FROM sets s
    JOIN sessions e ON e.id = s.session_id
    WHERE e.athlete_id = (SELECT athlete_id FROM sessions WHERE id = ?)"""
