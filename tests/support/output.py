"""The appliance's event lines, captured where it would write them to stdout."""
from __future__ import annotations

import json


class Lines:
    """A text stream for `Appliance(out=...)` that keeps each line (thread-safe enough:
    list.extend is atomic, and only the main loop writes)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.extend(x for x in text.splitlines() if x)

    def flush(self) -> None:
        pass

    def events(self) -> list[dict]:
        """Each line as the object it holds."""
        return [json.loads(x) for x in list(self.lines)]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]

    def of_type(self, kind: str) -> list[dict]:
        return [e for e in self.events() if e["type"] == kind]
