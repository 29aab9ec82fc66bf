"""Event lines: one JSON object per line for machines, a table for people."""
from __future__ import annotations

import json

_SKIP_IN_TABLE = ("t", "type")


def to_json(event: dict) -> str:
    """The design's event line: `{"t": 8.06, "type": "contact_lost", ...}`."""
    return json.dumps(event, separators=(", ", ": "))


def to_row(event: dict) -> str:
    """A line a person reads: time, type, then the details as key=value."""
    details = "  ".join(f"{k}={_fmt(v)}" for k, v in event.items() if k not in _SKIP_IN_TABLE)
    return f"{event['t']:9.3f}  {event['type']:<17s} {details}".rstrip()


def _fmt(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "-"
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return str(value)
