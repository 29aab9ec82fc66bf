"""Real file systems in the states a data card or a stick gets into: read-only, full.

Root is needed to mount; without it (or without mount namespaces) the helpers
return None and the tests skip with one line saying why.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def can_mount() -> bool:
    """Root with private mount namespaces (`unshare -m`): mounts stay inside the test's process."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


def read_only_prefix(path: Path) -> list[str] | None:
    """A command prefix under which `path` is a read-only mount (as a card that turned read-only).

    Not root: the folder is made read-only by its mode ([] prefix; the caller
    restores the mode). Root without namespaces: None."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return []
    if not can_mount():
        return None
    script = f'mount --bind "{path}" "{path}" && mount -o remount,bind,ro "{path}" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh"]


def tiny_tmpfs_prefix(path: Path, size_kib: int) -> list[str] | None:
    """A command prefix under which `path` is a fresh tmpfs of `size_kib` KiB (a card that fills up)."""
    if not can_mount():
        return None
    script = f'mount -t tmpfs -o size={size_kib}k smartdowel-test "{path}" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh"]
