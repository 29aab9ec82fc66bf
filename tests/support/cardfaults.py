"""A data card that fills up, turns read-only, fails or is slow, on demand, under a real process.

Two tools, used by the tests and by bench/storage_fault_bench.py:

- `private_tmpfs(folder, size_kib)`: a command prefix under which `folder`
  is a small tmpfs of its own (`unshare -m`), so "full" is the kernel's own
  ENOSPC; `fill(folder)` / `Ballast` take and give back its space.
- `CardShim`: an LD_PRELOAD library, compiled from cardshim.c beside this in the test's
  temporary folder (never committed), that makes the calls a process makes on
  files under one folder fail with EROFS, ENOSPC or EIO while a byte in a
  shared control file says so, and sleeps in fsync for a slow card. Its
  failures are the system calls' own: Python's `os` functions and SQLite see
  exactly what a read-only or failing card gives them. A tmpfs cannot be made
  read-only while files are open for writing (EBUSY), and an ext4 that the
  kernel turns read-only after an error stays so until it is unmounted: the
  shim is what makes "read-only, then writable again" repeatable.

Root and gcc are needed; without them the helpers return None and the tests
skip saying why.
"""
from __future__ import annotations

import errno
import mmap
import os
import shutil
import subprocess
from pathlib import Path

from support.filesystems import can_mount

SHIM_SOURCE = Path(__file__).with_name("cardshim.c")


def have_gcc() -> bool:
    return shutil.which("gcc") is not None


class CardShim:
    """The LD_PRELOAD library and its control file: `set(errno)` makes the card fail, `clear()` mends it.

    `env()` gives the variables a child process needs (the process that writes
    to `folder`); a process started with them, and the Python one holding this
    object, share the control byte through a shared mapping.
    """

    def __init__(self, workdir: Path, folder: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.library = workdir / "cardshim.so"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(self.library), str(SHIM_SOURCE), "-ldl"],
                       check=True, capture_output=True)
        self.control = workdir / "cardshim.control"
        self.control.write_bytes(b"\0" * 4096)
        self._fd = os.open(self.control, os.O_RDWR)
        self._map = mmap.mmap(self._fd, 4096)
        self.folder = os.path.abspath(folder)

    @classmethod
    def attach(cls, control: str, folder: str) -> "CardShim":
        """The control of a shim already preloaded (in the process it was made for)."""
        shim = cls.__new__(cls)
        shim.library = Path(os.environ.get("LD_PRELOAD", ""))
        shim.control = Path(control)
        shim._fd = os.open(control, os.O_RDWR)
        shim._map = mmap.mmap(shim._fd, 4096)
        shim.folder = os.path.abspath(folder)
        return shim

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(LD_PRELOAD=str(self.library), CARDSHIM_CONTROL=str(self.control),
                   CARDSHIM_FOLDER=self.folder + "/")
        return env

    def set(self, err: int) -> None:
        """Every write under the folder fails with `err` (errno.EROFS also refuses creating and renaming)."""
        self._map[0:4] = int(err).to_bytes(4, "little")

    def read_only(self) -> None:
        self.set(errno.EROFS)

    def failing(self) -> None:
        self.set(errno.EIO)

    def clear(self) -> None:
        self.set(0)

    def slow_fsync(self, ms: int) -> None:
        """Every fsync under the folder takes `ms` milliseconds more (a slow SD card)."""
        self._map[4:8] = int(ms).to_bytes(4, "little")

    @property
    def refused(self) -> int:
        """Calls refused so far (shows the shim is not a no-op)."""
        return int.from_bytes(self._map[8:16], "little")

    def close(self) -> None:
        self._map.close()
        os.close(self._fd)


def card_shim(workdir: Path, folder: str) -> CardShim | None:
    """A CardShim, or None when this machine cannot build one (no gcc)."""
    return CardShim(workdir, folder) if have_gcc() else None


def private_tmpfs(folder: Path, size_kib: int, keep: Path | None = None) -> list[str] | None:
    """A command prefix under which `folder` is a tmpfs of `size_kib` KiB of its own.

    `keep`: after the command ends, the tmpfs's content is copied there (it goes
    with the namespace). None when this machine cannot mount (not root)."""
    if not can_mount():
        return None
    copy = f'; rc=$?; cp -a "{folder}/." "{keep}/" 2>/dev/null; exit $rc' if keep is not None else ""
    script = f'mount -t tmpfs -o size={size_kib}k smartdowel-card "{folder}" && "$@"{copy}'
    return ["unshare", "-m", "sh", "-c", script, "sh"]


class Ballast:
    """A file that takes every free byte of a file system (a card filling up), and gives them back."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fill(self) -> int:
        """Take all the space there is (unbuffered writes, smaller and smaller); the bytes taken."""
        taken = 0
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
                chunk = b"\0" * size
                while True:
                    try:
                        taken += os.write(fd, chunk)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return taken

    def free(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
