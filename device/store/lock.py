"""One owner for the data folder: an exclusive lock, and who holds it.

Two `smartdowel run` on one data folder made the second "recover" the first
one's live set and take its trace. So the running appliance holds an
exclusive `flock` on `<data>/smartdowel.lock` for as long as it runs; the
kernel lets go when the process dies (kill -9 and power cuts included), so a
stale lock can never keep the box from starting. The file also says who holds
it (pid, command, since when), so the one refused can say so.

Readers (`smartdowel sessions`, `export`) do not take it: SQLite's WAL lets
them read beside the recorder.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> first = DataLock.acquire(folder)
    >>> try:
    ...     DataLock.acquire(folder)
    ... except LockHeld as exc:
    ...     "is in use by" in str(exc)
    True
    >>> first.release()
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

LOCK_NAME = "smartdowel.lock"


class LockHeld(Exception):
    """Another process owns what was asked for; the message says who and what to do."""


@dataclass
class DataLock:
    """An exclusive, process-lifetime lock on a data folder (release() or exit frees it)."""

    path: str
    fd: int

    @classmethod
    def acquire(cls, folder: str, what: str = "") -> DataLock:
        """Take the folder's lock or raise LockHeld naming the holder; OSError if the folder is unusable."""
        path = os.path.join(folder, LOCK_NAME)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise LockHeld(f"the data folder {folder} is in use by {holder(path)}: stop that one "
                               "first (the service: sudo systemctl stop smartdowel)") from None
            raise
        lock = cls(path, fd)
        lock._describe(what or " ".join(sys.argv[:2]))
        return lock

    def _describe(self, what: str) -> None:
        """Who holds it, for the one refused (best effort: a full card still locks)."""
        info = json.dumps({"pid": os.getpid(), "command": what, "since": time.time()}) + "\n"
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, info.encode("utf-8"), 0)
        except OSError:
            pass

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


def holder(path: str) -> str:
    """'smartdowel run (pid 1234, since 14:05)', or 'another process' when the file says nothing."""
    try:
        with open(path, encoding="utf-8") as fh:
            info: dict[str, Any] = json.loads(fh.read() or "{}")
    except (OSError, ValueError):
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another process"
    since = time.strftime("%H:%M", time.localtime(float(info.get("since", 0))))
    command = str(info.get("command") or "smartdowel").split("/")[-1]
    return f"{command} (pid {info['pid']}, since {since})"


def claim_device(path: str, what: str) -> int:
    """An exclusive flock on a device node (the I2C bus, the GPIO chip) for this process's life.

    Two processes on one bus interleave their transactions: the service lost
    three quarters of its samples, and some carried another channel's value,
    while a selftest ran beside it. Both take this claim, so the second is
    refused. Returns the descriptor that holds it (closing it lets go); a node
    that cannot be opened is not claimed (the driver will say why it fails)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise LockHeld(f"{what} {path} is in use by another smartdowel process (the service?): "
                           "stop it first: sudo systemctl stop smartdowel") from None
        raise
    return fd
