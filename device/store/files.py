"""Durable files on the box's card: temporary name, fsync, rename, fsync the folder.

One way to do it for every file the box keeps (traces, truths, screenshots
aside): a crash or power cut leaves the old file or the new one, never half.
The export to a stick has its own writer (device/export), which never
follows links and never overwrites.

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> atomic_write_text(os.path.join(folder, "a.txt"), "hello\\n")
    >>> open(os.path.join(folder, "a.txt")).read(), sorted(os.listdir(folder))
    ('hello\\n', ['a.txt'])
"""
from __future__ import annotations

import errno
import os
import stat


def fsync_dir(folder: str) -> None:
    """Make a rename or a new name in `folder` durable (the folder's own entry on the card)."""
    fd = os.open(folder or ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(path: str) -> str:
    """Where `path` is written before the rename: beside it, hidden, unique to this process."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.join(folder, f".{os.path.basename(path)}.tmp{os.getpid()}")


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write a small file durably: temp name, fsync, rename, fsync the folder."""
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def atomic_write_text(path: str, text: str) -> None:
    """`atomic_write_bytes` of UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def open_regular(path: str, max_bytes: int | None = None) -> int:
    """A descriptor of a regular file, opened without blocking and without following a link; OSError
    for anything else, or for a file over `max_bytes` (a FIFO would block a plain open for ever, a
    device would be read without end: files on a stick are whatever someone put there)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or (max_bytes is not None and info.st_size > max_bytes):
        os.close(fd)
        why = "not a regular file" if not stat.S_ISREG(info.st_mode) else f"larger than {max_bytes} bytes"
        raise OSError(errno.EINVAL, why, path)
    os.set_blocking(fd, True)
    return fd
