"""One JSON object whose long list is written an item at a time.

Why: a session's JSON on the stick, and `smartdowel sessions --json`, are
single documents that can hold many sets or sessions. Each item is a real
object dumped with json.dumps as soon as it is known, and only the object's
braces and the list's brackets and commas are placed between them, so
memory holds one item, not the document (json.dumps of a whole document
keeps every piece of it in a list until the end).

    >>> import io
    >>> out = io.StringIO()
    >>> doc = JsonList(out.write, {"data_dir": "/d"}, "sessions")
    >>> doc.add({"session_id": 1}); doc.add({"session_id": 2}); doc.close({"n": 2})
    >>> json.loads(out.getvalue()) == {"data_dir": "/d", "sessions": [{"session_id": 1}, {"session_id": 2}], "n": 2}
    True
"""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping


class JsonList:
    """`{head..., key: [items...], tail...}` written through `write` (str), one item per line."""

    def __init__(self, write: Callable[[str], object], head: Mapping[str, Any], key: str,
                 ensure_ascii: bool = True) -> None:
        self.write, self.ensure_ascii = write, ensure_ascii
        self.items = 0
        write("{" + "".join(f"{self._member(k, v)}, " for k, v in head.items()) + f"{json.dumps(key)}: [")

    def _member(self, key: str, value: Any) -> str:
        return f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=self.ensure_ascii)}"

    def add(self, item: Any) -> None:
        self.write(("\n " if self.items == 0 else ",\n ") + json.dumps(item, ensure_ascii=self.ensure_ascii))
        self.items += 1

    def close(self, tail: Mapping[str, Any] | None = None) -> None:
        """End the list, add the members that are known only now (totals), end the object."""
        end = "\n]" if self.items else "]"
        self.write(end + "".join(f", {self._member(k, v)}" for k, v in (tail or {}).items()) + "}\n")
