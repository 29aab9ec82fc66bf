"""The destination: every touch of the stick goes through `Media`, and the stick is checked first.

Why a seam: the failures that matter (a full stick, a read-only one, one
pulled out halfway) are hard to make on demand. Tests subclass Media to
inject the errors of bad media at any step, and the export must turn each
into one clear line and leave nothing that looks finished.

Why the checks before writing: the destination must be a real folder (never
a symlink, which could point anywhere), on a filesystem that stores files
(not /proc), writable, and with room for the export; each refusal says what
to do instead.
"""
from __future__ import annotations

import errno
import os
import stat

from device.export.errors import ExportError, explain


class Media:
    """Operations on the destination: no symlink followed, nothing overwritten."""

    def open_dir(self, path: str, dir_fd: int | None = None) -> int:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)

    def mkdir(self, name: str, dir_fd: int) -> None:
        os.mkdir(name, 0o755, dir_fd=dir_fd)

    def create(self, name: str, dir_fd: int) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        return os.open(name, flags, 0o644, dir_fd=dir_fd)

    def write(self, fd: int, data: memoryview) -> None:
        while data:
            n = os.write(fd, data)
            data = data[n:]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def rename(self, src: str, dst: str, src_dir_fd: int, dst_dir_fd: int) -> None:
        if self.exists(dst, dst_dir_fd):  # rename() would replace it: never overwrite
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
        os.rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def exists(self, name: str, dir_fd: int) -> bool:
        try:
            os.lstat(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        return True

    def statvfs(self, fd: int) -> os.statvfs_result:
        return os.statvfs(fd)

    def sync(self) -> None:
        os.sync()


def open_dest(media: Media, dest: str) -> int:
    """The destination folder's descriptor: a real folder, not a symlink, on a writable filesystem."""
    _check_kind(dest)
    try:
        fd = media.open_dir(dest)
    except OSError as exc:
        raise explain(exc, dest) from None
    try:
        _check_filesystem(media, fd, dest)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_kind(dest: str) -> None:
    """A folder, not a symlink to one (lstat: the link itself)."""
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        raise ExportError(f"export failed: no folder {dest}: is the USB stick plugged in and mounted?",
                          dest, errno.ENOENT) from None
    except OSError as exc:
        raise explain(exc, dest) from None
    if stat.S_ISLNK(st.st_mode):
        raise ExportError(f"export failed: {dest} is a symbolic link, which the export never follows: "
                          f"give the stick's real folder", dest, errno.ELOOP)
    if not stat.S_ISDIR(st.st_mode):
        raise ExportError(f"export failed: {dest} is not a folder (not a filesystem the export can write "
                          f"to): give the stick's folder, e.g. /media/<user>/<stick>", dest, errno.ENOTDIR)


def _check_filesystem(media: Media, fd: int, dest: str) -> None:
    """Writable, and storage at all: proc, sysfs, cgroup are a kernel's view, with no blocks."""
    try:
        vfs = media.statvfs(fd)
    except OSError as exc:
        raise explain(exc, dest) from None
    if vfs.f_flag & os.ST_RDONLY:
        raise explain(OSError(errno.EROFS, os.strerror(errno.EROFS)), dest)
    if vfs.f_blocks == 0:
        raise ExportError(f"export failed: {dest} is not on a filesystem that stores files (no storage "
                          f"blocks): give the stick's folder, e.g. /media/<user>/<stick>", dest, errno.EINVAL)


def require_space(media: Media, fd: int, dest: str, need: int) -> None:
    """Refuse, before writing anything, an export that will not fit (`need` is a low estimate)."""
    vfs = media.statvfs(fd)
    free = vfs.f_bavail * vfs.f_frsize
    if need > free:
        raise ExportError(f"export failed: the USB stick at {dest} is full: this export needs about "
                          f"{mb(need)}, {mb(free)} free: free some space or use another stick, then "
                          f"export again", dest, errno.ENOSPC)


def mb(n: int) -> str:
    """Bytes for a person: '12.3 MB'."""
    return f"{n / 1e6:.1f} MB"
