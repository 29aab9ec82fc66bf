"""Athletes on the box: renamed there, and how many sets each has (their set numbers).

Adding one is `Store.add_athlete` (the box's name entry and a stick's
athletes.csv both use it); renaming keeps the id, so a renamed athlete's
sets, numbers and history stay theirs.
"""
from __future__ import annotations

from device.store.store import Store, clean_name


def rename_athlete(store: Store, old: str, new: str) -> int:
    """Rename `old` (not the guest) to `new`; its id. ValueError saying why if it cannot be."""
    name = clean_name(new)
    with store.transaction() as conn:
        row = conn.execute("SELECT id, is_guest FROM athletes WHERE name = ? COLLATE NOCASE", (old,)).fetchone()
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


def sets_done(store: Store, athlete_id: int) -> int:
    """The athlete's highest set number so far (0 before their first set)."""
    row = store.conn.execute(
        "SELECT coalesce(max(s.athlete_set_number), 0) FROM sets s JOIN sessions e ON e.id = s.session_id "
        "WHERE e.athlete_id = ?", (athlete_id,)).fetchone()
    return int(row[0])
