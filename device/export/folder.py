"""The export folder being built on the stick: new files only, each durable before it counts.

Why it is built this way:

- Nothing is trusted that was on the stick before: a new folder is made with
  mkdir (fails if anything has that name, symlink or not), every file in it is
  created with O_CREAT|O_EXCL|O_NOFOLLOW relative to the folder's descriptor,
  so no symlink is followed and nothing is overwritten.
- Every file: temporary name, fsync, rename. The folder is called `*.partial`
  until all files and then the manifest are on the stick; only then is it
  renamed, the stick synced and "safe to remove" reported. A folder still
  named `.partial` is an export that did not finish: never trust it.
- fsync waits on the medium, not the CPU, so it runs on an I/O thread with a
  bounded queue while the next file is being made; its first error is raised
  on the main thread at the next step.
- Each file is hashed as it is written; its manifest line goes to the stick
  when it is done, so memory does not grow with the number of files.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from typing import Sequence

from device.export.errors import ExportError, MediaFailure
from device.export.layout import FOLDER_PREFIX, MANIFEST, PARTIAL, fat_safe
from device.export.media import Media


class OutFile:
    """A new file in the export: buffered, hashed as written, committed by temp name + rename."""

    BUFFER = 1 << 16

    def __init__(self, folder: "Folder", rel: str, dir_fd: int) -> None:
        self.folder, self.rel, self.dir_fd = folder, rel, dir_fd
        self.where = f"{folder.partial}/{rel}"  # for messages: where on the stick
        self.name = rel.rsplit("/", 1)[-1]
        self.tmp = f".{self.name}.tmp"
        try:
            self.fd = folder.media.create(self.tmp, dir_fd)
        except OSError as exc:
            raise MediaFailure(exc, self.where) from None
        folder.open_files.add(self)
        self.sha = hashlib.sha256()
        self.size = 0
        self._buf = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sha.update(data)
        self.size += len(data)
        self._buf += data
        if len(self._buf) >= self.BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            try:
                self.folder.media.write(self.fd, memoryview(self._buf))
            except OSError as exc:
                raise MediaFailure(exc, self.where) from None
            self._buf = bytearray()

    def close_quietly(self) -> None:
        """Close the descriptor once, whatever the stick says: we are already failing."""
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1


class _Closer(threading.Thread):
    """fsync, close, rename off the main thread (fsync waits on the medium, not the CPU)."""

    def __init__(self, media: Media) -> None:
        super().__init__(name="smartdowel-export-io", daemon=True)
        self.media = media
        self.jobs: "queue.Queue[OutFile | None]" = queue.Queue(maxsize=64)
        self.error: BaseException | None = None
        self.failed_on = ""

    def run(self) -> None:
        while (out := self.jobs.get()) is not None:
            try:
                if self.error is None:
                    self.media.fsync(out.fd)
                os.close(out.fd)
                out.fd = -1
                if self.error is None:
                    self.media.rename(out.tmp, out.name, out.dir_fd, out.dir_fd)
            except BaseException as exc:
                if self.error is None:
                    self.error, self.failed_on = exc, out.where
                out.close_quietly()
            finally:
                self.jobs.task_done()
        self.jobs.task_done()


class Folder:
    """The export folder being built on the stick, with its subfolders and manifest."""

    def __init__(self, media: Media, dest: str, dest_fd: int, name: str, subdirs: Sequence[str]) -> None:
        self.media, self.dest, self.dest_fd, self.name = media, dest, dest_fd, name
        self.subdirs = tuple(subdirs)
        self.partial = name + PARTIAL
        self.fd = -1
        self.sub: dict[str, int] = {}
        self.files = self.bytes = 0
        self.closer = _Closer(media)
        self.manifest: OutFile | None = None
        self.open_files: set[OutFile] = set()  # created, not yet handed to the I/O thread

    @classmethod
    def create(cls, media: Media, dest: str, dest_fd: int, when: float, subdirs: Sequence[str]) -> "Folder":
        """mkdir a fresh `<name>.partial`; a name taken in any form (file, folder, symlink) is skipped."""
        stamp = time.strftime("%Y-%m-%dT%H-%M-%S", time.localtime(when))
        for n in range(1, 1000):
            name = f"{FOLDER_PREFIX}{stamp}" + (f"-{n}" if n > 1 else "")
            if media.exists(name, dest_fd) or media.exists(name + PARTIAL, dest_fd):
                continue
            try:
                media.mkdir(name + PARTIAL, dest_fd)
            except FileExistsError:
                continue
            folder = cls(media, dest, dest_fd, name, subdirs)
            try:
                folder._open()
            except BaseException:
                folder.abort()
                raise
            return folder
        raise ExportError(f"export failed: {dest} already holds 999 exports named {FOLDER_PREFIX}{stamp}: "
                          f"move some away and export again", dest)

    def _open(self) -> None:
        self.fd = self.media.open_dir(self.partial, self.dest_fd)
        for sub in self.subdirs:
            self.media.mkdir(sub, self.fd)
            self.sub[sub] = self.media.open_dir(sub, self.fd)
        self.closer.start()
        self.manifest = OutFile(self, MANIFEST, self.fd)

    def new_file(self, rel: str) -> OutFile:
        self.check()
        head, _, tail = rel.rpartition("/")
        assert fat_safe(tail), rel
        return OutFile(self, rel, self.sub[head] if head else self.fd)

    def commit(self, out: OutFile) -> None:
        """Hand the file to the I/O thread (fsync, rename); its line goes into the manifest."""
        out.flush()
        assert self.manifest is not None
        self.manifest.write(f"{out.sha.hexdigest()}  {out.rel}\n".encode())
        self.files += 1
        self.bytes += out.size
        self.open_files.discard(out)
        self.closer.jobs.put(out)
        self.check()

    @property
    def path(self) -> str:
        """Where the folder is now (still named *.partial): for reading back what is settled."""
        return os.path.join(self.dest, self.partial)

    def settle(self) -> None:
        """Wait until every file committed so far is synced and under its own name (the report reads
        the folder back before the manifest is written)."""
        self.closer.jobs.join()
        self.check()

    def write_bytes(self, rel: str, data: bytes) -> None:
        out = self.new_file(rel)
        out.write(data)
        self.commit(out)

    def check(self) -> None:
        """Raise the I/O thread's first error on the main thread."""
        if self.closer.error is not None:
            raise MediaFailure(self.closer.error, self.closer.failed_on)

    def finish(self) -> str:
        """Files durable, manifest last, then the rename that makes the export real; sync."""
        self._drain()
        self.check()
        for fd in (*self.sub.values(), self.fd):
            self.media.fsync(fd)
        manifest, self.manifest = self.manifest, None
        assert manifest is not None
        manifest.flush()
        self.open_files.discard(manifest)
        self.media.fsync(manifest.fd)
        os.close(manifest.fd)
        manifest.fd = -1
        self.media.rename(manifest.tmp, MANIFEST, self.fd, self.fd)
        self.media.fsync(self.fd)
        self.media.rename(self.partial, self.name, self.dest_fd, self.dest_fd)
        self.media.fsync(self.dest_fd)
        self.media.sync()
        self._close_dirs()
        return os.path.join(self.dest, self.name)

    def _drain(self) -> None:
        if self.closer.is_alive():
            self.closer.jobs.put(None)
            self.closer.join()

    def _close_dirs(self) -> None:
        for fd in [*self.sub.values(), self.fd]:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.sub, self.fd = {}, -1

    def abort(self) -> None:
        """Best effort: remove what we made (only our own new folder). A stick that is gone keeps
        a `*.partial` folder, which says plainly that it is incomplete."""
        self._drain()
        for out in self.open_files:
            out.close_quietly()
        self.open_files.clear()
        try:
            self._remove()
        except OSError:
            self._close_dirs()

    def _remove(self) -> None:
        if self.fd < 0:
            self.fd = self.media.open_dir(self.partial, self.dest_fd)
        for sub in self.subdirs:
            if sub not in self.sub and self.media.exists(sub, self.fd):
                os.rmdir(sub, dir_fd=self.fd)  # made, but never opened: empty
        for sub, fd in list(self.sub.items()):
            _remove_files(fd)
            os.rmdir(sub, dir_fd=self.fd)
        if self.fd >= 0:
            _remove_files(self.fd)
        self._close_dirs()
        os.rmdir(self.partial, dir_fd=self.dest_fd)


def _remove_files(dir_fd: int) -> None:
    """Unlink the regular files in a folder we created (unlink never follows a symlink)."""
    for entry in os.scandir(dir_fd):
        if entry.is_file(follow_symlinks=False):
            os.unlink(entry.name, dir_fd=dir_fd)
