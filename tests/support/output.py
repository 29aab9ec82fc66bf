"""The appliance's event lines, captured where it would write them to stdout."""
from __future__ import annotations

import json
import time


class Lines:
    """A text stream for `Appliance(out=...)` that keeps each line (thread-safe enough:
    list.extend is atomic, and only the main loop writes)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.extend(x for x in text.splitlines() if x)

    def flush(self) -> None:
        pass

    def events(self, kind: str | None = None) -> list[dict]:
        """Each line as the object it holds (only those of type `kind`, if given)."""
        got = [json.loads(x) for x in list(self.lines)]
        return [e for e in got if kind is None or e["type"] == kind]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]

    def of_type(self, kind: str) -> list[dict]:
        return self.events(kind)

    def wait(self, kind: str, timeout: float = 30.0, **fields: object) -> dict:
        """The first line of type `kind` with these fields, waited for in real time (the
        appliance's own loop runs on another thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events(kind):
                if all(e.get(k) == v for k, v in fields.items()):
                    return e
            time.sleep(0.02)
        raise AssertionError(f"no {kind} {fields} line in {self.types()}")
