"""When writing fails: is it the card (full, read-only, no permission, failing), and what is it called?

Why a word for each: the box goes on cueing whatever the card does, but the
coach must be told what is wrong and what to do, and the recorder must know
whether to hold its work and try again (the card's fault: space may come
back, a folder may be given back its owner) or to give up on one write (a
bug, a name clash: trying again would fail the same way for ever).

SQLite reports a failed write as "disk I/O error" whatever the card said, so
for those (and for a store that will not open) the folder itself is asked:
`probe(folder)` writes, syncs and removes a small file and names what stops it.

    >>> import errno
    >>> storage_fault(OSError(errno.ENOSPC, "No space left on device")).reason
    'full'
    >>> storage_fault(ValueError("not the card's")) is None
    True
"""
from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import dataclass

from device.store.connection import DB_NAME
from device.store.errors import StoreError

FULL, READ_ONLY, NO_PERMISSION, IO_ERROR = "full", "read_only", "no_permission", "io_error"
DAMAGED, LOCKED, CANNOT_OPEN = "damaged", "locked", "cannot_open"
REASONS = (FULL, READ_ONLY, NO_PERMISSION, IO_ERROR, DAMAGED, LOCKED, CANNOT_OPEN)

_ERRNO = {errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EROFS: READ_ONLY, errno.EACCES: NO_PERMISSION,
          errno.EPERM: NO_PERMISSION, errno.EIO: IO_ERROR, errno.ENODEV: IO_ERROR, errno.ENXIO: IO_ERROR,
          errno.ESTALE: IO_ERROR}
_SQLITE = {"SQLITE_FULL": FULL, "SQLITE_READONLY": READ_ONLY, "SQLITE_PERM": NO_PERMISSION,
           "SQLITE_IOERR": IO_ERROR, "SQLITE_CANTOPEN": CANNOT_OPEN, "SQLITE_CORRUPT": DAMAGED,
           "SQLITE_NOTADB": DAMAGED, "SQLITE_BUSY": LOCKED, "SQLITE_LOCKED": LOCKED}
PROBE_NAME = ".smartdowel-probe"


@dataclass(frozen=True)
class StorageFault:
    """What stops the card taking writes: a `reason` from REASONS and the system's words."""

    reason: str
    detail: str


def storage_fault(exc: BaseException) -> StorageFault | None:
    """The card's fault behind `exc`, or None when it is not the card's (a bug, a clash of names)."""
    if isinstance(exc, OSError):
        reason = _ERRNO.get(exc.errno or 0)
        return None if reason is None else StorageFault(reason, exc.strerror or str(exc))
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        reason = _SQLITE.get(name) or _SQLITE.get("_".join(name.split("_")[:2]))
        if reason is None and isinstance(exc, sqlite3.OperationalError):
            reason = _by_words(str(exc))
        return None if reason is None else StorageFault(reason, str(exc))
    if isinstance(exc, StoreError):
        return StorageFault(_by_words(str(exc)) or CANNOT_OPEN, str(exc))
    return None


def _by_words(text: str) -> str | None:
    """SQLite's own words, for errors raised without a code (or wrapped in a StoreError)."""
    words = text.lower()
    for needle, reason in (("database or disk is full", FULL), ("readonly", READ_ONLY),
                           ("read-only", READ_ONLY), ("disk i/o error", IO_ERROR),
                           ("malformed", DAMAGED), ("not a database", DAMAGED), ("locked", LOCKED),
                           ("permission denied", NO_PERMISSION), ("unable to open", CANNOT_OPEN)):
        if needle in words:
            return reason
    return None


def look(folder: str) -> StorageFault | None:
    """What the file system says of itself (statvfs: no write, cheap): read-only, full, or None.

    A folder not made yet says nothing (opening the store makes it, or says why not)."""
    try:
        st = os.statvfs(folder)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return storage_fault(exc) or StorageFault(CANNOT_OPEN, f"{folder}: {exc.strerror}")
    if st.f_flag & os.ST_RDONLY:
        return StorageFault(READ_ONLY, f"{folder} is on a read-only file system")
    if st.f_bavail == 0:
        return StorageFault(FULL, f"no space left on the file system of {folder}")
    return None


def probe(folder: str, files: tuple[str, ...] = ()) -> StorageFault | None:
    """Write, sync and remove a small file in `folder`, and open `files` (those there) for writing:
    None if the card takes it all, else why not (a database of mode 000 is "no_permission").

    Read-only and full are seen without writing when the file system says so
    (`look`), so a card that is full is not asked to take even this."""
    seen = look(folder)
    if seen is not None:
        return seen
    for name in files:
        try:
            os.close(os.open(name, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW))
        except FileNotFoundError:
            continue
        except OSError as exc:
            return storage_fault(exc) or StorageFault(CANNOT_OPEN, f"{name}: {exc.strerror}")
    path = os.path.join(folder, f"{PROBE_NAME}-{os.getpid()}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, b"smartdowel\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.unlink(path)
    except OSError as exc:
        return storage_fault(exc) or StorageFault(CANNOT_OPEN, f"{folder}: {exc.strerror}")
    return None


def diagnose(exc: BaseException, folder: str) -> StorageFault | None:
    """The card's fault behind `exc`, asking the folder (and its database) when the error alone
    does not say. None: the card takes writes and the error is not the card's."""
    fault = storage_fault(exc)
    if fault is None or fault.reason in (FULL, READ_ONLY, NO_PERMISSION, LOCKED, DAMAGED):
        return fault
    return probe(folder, (os.path.join(folder, DB_NAME),)) or fault
