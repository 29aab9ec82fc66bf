"""How an export fails: one line that says what happened, where, and what to do.

Why words and not errno numbers: the person reading it is at a gym with a USB
stick in hand. "The stick is full: free some space or use another stick" is
something they can act on; "[Errno 28]" is not. Every OSError the stick
raises is turned into an ExportError by `explain`.
"""
from __future__ import annotations

import errno

from device.export.layout import PARTIAL

_GONE = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESTALE, errno.EBADF, errno.ENOTCONN}


class ExportError(Exception):
    """An export that did not happen; str() is one line: what, where, what to do."""

    def __init__(self, message: str, path: str = "", err: int | None = None) -> None:
        super().__init__(message)
        self.path, self.errno = path, err


class MediaFailure(Exception):
    """An OSError on the stick (in this thread or the I/O thread), with the file it was about."""

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


def explain(exc: BaseException, dest: str, where: str = "") -> ExportError:
    """One line for an OSError during the export: what happened, where, what to do.

    >>> import os
    >>> str(explain(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "/media/pi/STICK"))
    'export failed: the USB stick at /media/pi/STICK is full: free some space or use another stick, then export again'
    """
    if isinstance(exc, ExportError):
        return exc
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or str(exc)
    return ExportError("export failed: " + _words(code, reason, dest, f" ({where})" if where else ""), dest, code)


def _words(code: int | None, reason: str, dest: str, at: str) -> str:
    """The sentence for one errno; `at` is ' (the file)' or ''."""
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"the USB stick at {dest} is full{at}: free some space or use another stick, then export again"
    if code == errno.EROFS:
        return (f"the USB stick at {dest} is read-only{at}: slide its write-protect switch off (or use "
                f"another stick), then export again")
    if code in (errno.EACCES, errno.EPERM):
        return f"no permission to write in {dest}{at}: use a stick this box may write to, then export again"
    if code in _GONE:
        return (f"the USB stick at {dest} was removed or stopped working during the export{at}: "
                f"plug it in again and export again (a folder ending in {PARTIAL} is incomplete: delete it)")
    if code == errno.ELOOP:
        return f"{dest}{at} is a symbolic link, which the export never follows: choose a real folder"
    if code in (errno.EINVAL, errno.ENAMETOOLONG, errno.EILSEQ):
        return f"the filesystem at {dest} refused a file name{at} ({reason}): format the stick as FAT32 or exFAT"
    if code == errno.EEXIST:
        return f"{dest}{at} already exists and is never overwritten: export again (a new name is chosen)"
    return f"cannot write to {dest}{at}: {reason}; check the stick and export again"
