"""What the recorder adds to a set beyond its reps and losses (its own thread, its connection).

- the settings it ran with (feedback schedule, sensitivity, mute), so a
  coach can tell a retention set from a cued one in the export;
- the summary chart's series, for History;
- and the decision to drop a set with nothing in it (device/core/sets.py):
  it is deleted with its trace, so the screen, `sessions` and the export
  never show it and never give it a number.
"""
from __future__ import annotations

import os

from device.core.settings import LiveSettings
from device.store.store import Store

SETTING_COLUMNS = ("schedule", "sensitivity", "mute")


def setting_values(settings: LiveSettings) -> dict[str, str]:
    """The recorded settings as the store keeps them (text; mute as 0/1)."""
    return {"schedule": settings.schedule, "sensitivity": settings.sensitivity,
            "mute": "1" if settings.mute else "0"}


def tag_settings(store: Store, set_id: int, settings: LiveSettings) -> None:
    """The settings the set starts with."""
    values = setting_values(settings)
    with store.transaction() as conn:
        conn.execute("UPDATE sets SET schedule = ?, sensitivity = ?, mute = ? WHERE id = ?",
                     (values["schedule"], values["sensitivity"], values["mute"], set_id))


def note_settings(store: Store, set_id: int, settings: LiveSettings) -> None:
    """A change during the set: the new value appended after '>' (when it differs from the last)."""
    values = setting_values(settings)
    with store.transaction() as conn:
        row = conn.execute("SELECT schedule, sensitivity, mute FROM sets WHERE id = ?", (set_id,)).fetchone()
        if row is None:
            return
        for column in SETTING_COLUMNS:
            old = row[column]
            if old is None or old.rsplit(">", 1)[-1] != values[column]:
                new = values[column] if old is None else f"{old}>{values[column]}"
                conn.execute(f"UPDATE sets SET {column} = ? WHERE id = ?", (new, set_id))


def save_series(store: Store, set_id: int, series_json: str) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO set_series (set_id, series) VALUES (?, ?)", (set_id, series_json))


def discard_set(store: Store, set_id: int) -> bool:
    """Delete an empty set (and its session if that leaves it empty), then its trace file.

    True when the session went too (the recorder must not add the next set to it)."""
    with store.transaction() as conn:
        row = conn.execute("SELECT session_id, trace FROM sets WHERE id = ?", (set_id,)).fetchone()
        if row is None:
            return False
        for table in ("reps", "contact_losses", "set_series"):
            conn.execute(f"DELETE FROM {table} WHERE set_id = ?", (set_id,))
        conn.execute("DELETE FROM sets WHERE id = ?", (set_id,))
        gone = conn.execute("DELETE FROM sessions WHERE id = ? AND NOT EXISTS "
                            "(SELECT 1 FROM sets WHERE session_id = ?)",
                            (row["session_id"], row["session_id"])).rowcount > 0
    if row["trace"]:
        path = os.path.join(store.data_dir, row["trace"])
        for name in (path, path + ".partial"):
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass
    return gone
