"""Screenshots a test takes, kept for a person to look at.

Each test keeps its shots in its own folder; with $SMARTDOWEL_SHOTS set they
are also copied there (how docs/screenshots/ is refreshed from the real app:
`SMARTDOWEL_SHOTS=docs/screenshots ./dev test tests/system`).
"""
from __future__ import annotations

import os
import shutil


def keep(path: str, name: str | None = None) -> str:
    """`path` copied to $SMARTDOWEL_SHOTS (as `name`, else its own name) when that is set; `path` back."""
    folder = os.environ.get("SMARTDOWEL_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, os.path.join(folder, name or os.path.basename(path)))
    return path
