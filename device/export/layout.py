"""What an export folder on the stick is called and what the files in it are called.

    smartdowel-export-2025-01-31T14-05-09/     (named *.partial until complete)
      README.txt               every file and column explained
      sessions.csv sets.csv reps.csv contact_losses.csv
      sessions/session-000012.json
      charts/set-000123.png    pressures (× standing) and tilt over time, losses shaded, reps marked
      traces/set-000123.csv.gz the set's raw trace v1, gzip
      MANIFEST.sha256          SHA-256 of every file above (`sha256sum -c MANIFEST.sha256`)

Why the names are plain: a stick is FAT32 or exFAT and is read on Windows,
macOS and Linux, so every name is short ASCII without a colon or a leading dot
(`fat_safe`), and ids are zero-padded so the files sort in order.
"""
from __future__ import annotations

FOLDER_PREFIX = "smartdowel-export-"
PARTIAL = ".partial"  # the folder's name ends so until every file is on the stick
MANIFEST = "MANIFEST.sha256"
README = "README.txt"
FORMAT = "smartdowel-export v1"  # in every session JSON
SESSIONS_DIR, CHARTS_DIR, TRACES_DIR = "sessions", "charts", "traces"
_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def session_file(session_id: int) -> str:
    """sessions/session-000012.json"""
    return f"{SESSIONS_DIR}/session-{session_id:06d}.json"


def chart_file(set_id: int) -> str:
    """charts/set-000123.png"""
    return f"{CHARTS_DIR}/set-{set_id:06d}.png"


def trace_file(set_id: int) -> str:
    """traces/set-000123.csv.gz"""
    return f"{TRACES_DIR}/set-{set_id:06d}.csv.gz"


def fat_safe(name: str) -> bool:
    """A name every stick takes: ASCII letters, digits, '.', '_', '-'; no leading/trailing dot; short.

    >>> fat_safe("smartdowel-export-2025-01-31T14-05-09"), fat_safe("a:b"), fat_safe("x.")
    (True, False, False)
    """
    return (0 < len(name) <= 64 and set(name) <= _SAFE_CHARS and not name.startswith(".")
            and not name.endswith((".", " ")))
