"""What the box remembers between power-ons: the menu's settings and the athlete chosen last.

Why in the store: a coach sets feedback to "retention" for a test block and
picks an athlete; a power cut or a restart must not quietly put it back to
"every rep" and Guest. The store is already durable (WAL, a commit per
change) and migrated with the rest of the schema (device/store/schema.py).

The config file gives the defaults; a value saved here wins over it, since it
is the coach's later choice. A saved value this version cannot use (an
edited file, an older or newer build) is skipped with a log line: the box
starts with the default rather than not at all.
"""
from __future__ import annotations

import dataclasses
import logging

from device.core.settings import SETTING_KEYS, LiveSettings
from device.store.store import Store

log = logging.getLogger("smartdowel.store")
ATHLETE_KEY = "athlete_id"


def load_prefs(store: Store) -> dict[str, str]:
    """Every saved preference as text."""
    return {r["key"]: r["value"] for r in store.conn.execute("SELECT key, value FROM prefs")}


def save_pref(store: Store, key: str, value: object) -> None:
    """Save one preference now (its own commit: durable when this returns)."""
    text = ("1" if value else "0") if isinstance(value, bool) else str(value)
    with store.transaction() as conn:
        conn.execute("INSERT INTO prefs (key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, text))


def saved_settings(store: Store, defaults: LiveSettings) -> LiveSettings:
    """`defaults` with every saved setting that is still a valid value applied.

    >>> import tempfile
    >>> with Store.open(tempfile.mkdtemp()) as s:
    ...     save_pref(s, "schedule", "retention"); save_pref(s, "volume", "9")
    ...     got = saved_settings(s, LiveSettings())
    >>> got.schedule, got.volume
    ('retention', 1.0)
    """
    prefs = load_prefs(store)
    settings = defaults
    kinds = {f.name: f.type for f in dataclasses.fields(LiveSettings)}
    for key in SETTING_KEYS:
        if key not in prefs:
            continue
        text = prefs[key]
        try:
            value = _parse(text, str(kinds[key]))
            settings = dataclasses.replace(settings, **{key: value})  # type: ignore[arg-type]  # per key
        except ValueError as exc:
            log.warning("smartdowel: saved setting %s=%r not used: %s", key, text, exc)
    return settings


def saved_athlete(store: Store) -> int | None:
    """The id of the athlete chosen last, if it is still in the store."""
    text = load_prefs(store).get(ATHLETE_KEY)
    if text is None or not text.isdigit():
        return None
    return int(text) if store.athlete(int(text)) is not None else None


def _parse(text: str, kind: str) -> object:
    """A saved setting's text as its field's type (ValueError if it is not one)."""
    if kind == "bool":
        return text == "1"
    if kind == "float":
        return float(text)
    return text
