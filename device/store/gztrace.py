"""A set's raw trace on the card: trace v1 text, gzip, durable at each rep, readable when cut short.

Trace files are trace v1 text, gzip-compressed, with a few seconds before
`ready` (placement and calibration) so that `smartdowel replay` finds the
same set. While a set runs the file is `<name>.partial`; at the end it is
finished (gzip trailer, fsync) and renamed to its final name.

Reading a trace back: `open_trace(path)` gives text for `TraceReader`, complete
or cut short. A gzip stream cut short (power cut mid-set) has no trailer:
`gzip.open(...).read()` raises EOFError at the cut and `zcat` prints everything
then warns "unexpected end of file". Because the writer makes a zlib sync flush
at every rep, all data up to the last rep is whole deflate blocks; open_trace
decompresses with a raw `zlib.decompressobj` and stops quietly at the cut,
dropping a last line that was cut in half. `read_trace(path)` opens either
kind, plain or gzip (told by its first bytes, not its name): `smartdowel
replay set.csv.gz` replays a set as the box stores it and the export ships it.
"""
from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from typing import IO, Any, BinaryIO, cast

from device.core.signal import Sample, SignalChain
from device.store.files import fsync_dir
from device.store.trace import TraceError, TraceReader, TraceWriter

PARTIAL = ".partial"
# A gzip member's header as Python's GzipFile writes it with mtime 0 and no name: the files are
# the same whichever wrote them (magic, deflate, no flags, mtime 0, best compression, OS unknown).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
MAX_HELD_BYTES = 8 * 2 ** 20  # compressed trace held for a card that takes nothing: hours at 100 Hz
COMPRESS_LINES = 256  # lines gathered before they go through the compressor together
LINE_BYTES = 40  # about one line of text, for counting what lines not yet compressed hold


class TraceFile:
    """A set's trace, gzip-compressed, written as samples come, durable at each checkpoint.

    Why it writes by offset and keeps bytes: a card may refuse writes for a
    while (full, read-only) while the set goes on. The compressed stream is
    kept in memory from the last point known to be on the card (the last
    fsync) and every write puts bytes at their own place in the file
    (`pwrite`), so when the card takes writes again the same bytes go where
    they belong and the file is whole; a failed fsync (the kernel may have
    dropped what it could not write) writes them all again. Every call that
    touches the card raises OSError when it fails, with nothing lost.

    `path` may be None: a set that began while nothing could be written has
    no name yet; `bind(path)` gives it one. Past `max_held` bytes held in
    memory, later samples are counted in `dropped` and not kept.
    """

    def __init__(self, path: str | None, chain: SignalChain, has_pitch: bool, t0: float,
                 has_roll: bool = False, *, max_held: int = MAX_HELD_BYTES) -> None:
        self.t0, self.max_held = t0, max_held
        self.path: str | None = None
        self.partial: str | None = None
        self._lines: list[str] = []
        self._writer = TraceWriter(cast(IO[str], _Lines(self._lines)), chain, has_pitch, has_roll)
        self._z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS, 8)
        self._crc = self._size = 0
        self._buf = bytearray(GZIP_HEADER)  # the stream from file offset `_durable` on
        self._durable = 0  # bytes of the stream known to be on the card
        self._written = 0  # bytes of `_buf` in the file, not yet synced
        self._unflushed = False  # data went into the compressor since its last flush
        self._ended = False  # the trailer is in `_buf`
        self._fd = -1
        self._created = False
        self.finished = False  # renamed to its final name
        self.samples = self.dropped = 0
        self.last_t: float | None = None
        if path is not None:
            self.bind(path)

    def bind(self, path: str) -> None:
        """The file's final name (it is written as `<path>.partial` until finished)."""
        self.path, self.partial = path, path + PARTIAL

    @property
    def opened(self) -> bool:
        """The `.partial` file exists (it was created by this trace)."""
        return self._created

    @property
    def held_bytes(self) -> int:
        """Memory held for the card: the stream not yet synced, and lines not yet compressed."""
        return len(self._buf) + LINE_BYTES * len(self._lines)

    def write(self, s: Sample) -> None:
        """A sample into the trace (memory only; `drain`, `checkpoint` and `finish` write)."""
        if self._ended:
            return
        if self.held_bytes > self.max_held:
            self.dropped += 1
            return
        self._writer.write(s._replace(t=s.t - self.t0))
        self.samples += 1
        self.last_t = s.t
        if len(self._lines) >= COMPRESS_LINES:
            self._compress()

    def drain(self) -> None:
        """What is held, to the file (not synced): shows within moments whether the card takes writes."""
        self._flush(zlib.Z_SYNC_FLUSH)
        self._write_out()

    def checkpoint(self) -> None:
        """Everything so far on the card as whole deflate blocks (readable if cut after this)."""
        self.drain()
        self._sync()

    def finish(self) -> None:
        """Trailer, fsync, rename to the final name (never over an existing file), fsync the folder.

        Safe to call again after it raised: it goes on from where it stopped."""
        if not self._ended:
            self._flush(zlib.Z_FINISH)
            self._buf += struct.pack("<II", self._crc & 0xFFFFFFFF, self._size & 0xFFFFFFFF)
            self._ended = True
        assert self.path is not None and self.partial is not None, "finish() needs bind(path) first"
        self._write_out()
        self._sync()
        self._close()
        if not self.finished:
            if os.path.lexists(self.path):
                raise FileExistsError(17, "a trace with this name is already there", self.path)
            os.rename(self.partial, self.path)
            self.finished = True
        fsync_dir(os.path.dirname(self.path))

    def abandon(self) -> None:
        """Close without finishing: the .partial stays for recovery."""
        self._close()

    # -- inside --------------------------------------------------------------------------------
    def _compress(self) -> None:
        if self._lines:
            data = "".join(self._lines).encode("utf-8")
            self._lines.clear()
            self._crc = zlib.crc32(data, self._crc)
            self._size += len(data)
            self._buf += self._z.compress(data)
            self._unflushed = True

    def _flush(self, mode: int) -> None:
        self._compress()
        if self._unflushed or mode == zlib.Z_FINISH:
            self._buf += self._z.flush(mode)
            self._unflushed = False

    def _write_out(self) -> None:
        if self.partial is None:
            return
        if self._fd < 0:
            flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            self._fd = os.open(self.partial, flags | (0 if self._created else os.O_EXCL), 0o644)
            self._created = True
        view = memoryview(self._buf)
        try:
            while self._written < len(view):
                self._written += os.pwrite(self._fd, view[self._written:], self._durable + self._written)
        finally:
            view.release()

    def _sync(self) -> None:
        if self._fd < 0:
            return
        try:
            os.fsync(self._fd)
        except OSError:
            self._written = 0  # what the kernel could not write may be gone from its cache: all again
            raise
        del self._buf[:self._written]
        self._durable += self._written
        self._written = 0

    def _close(self) -> None:
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1


class _Lines:
    """A text sink for TraceWriter that keeps the lines (the trace compresses them in batches)."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


class TolerantGunzip(io.RawIOBase):
    """Decompresses a gzip file; where it was cut short (or garbled) it ends quietly.

    `truncated` tells afterwards whether the end was a cut rather than a trailer.
    Only whole lines are given out from a cut stream.
    """

    CHUNK = 4096  # compressed bytes per step: a garbled stretch costs at most this much

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out = memoryview(b"")
        self._held = b""
        self._done = False
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:  # a writable buffer (bytearray, memoryview)
        while not len(self._out) and not self._done:
            self._fill()
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _fill(self) -> None:
        chunk = self._fh.read(self.CHUNK)
        try:
            data = self._z.decompress(chunk) if chunk else b""
        except zlib.error:
            data, chunk = b"", b""
        if self._z.eof:  # trailer reached and CRC checked: all of it is good
            self._out, self._held, self._done = memoryview(self._held + data), b"", True
            return
        if not chunk:  # cut short: keep whole lines only
            self._out, self._held, self._done, self.truncated = memoryview(b""), b"", True, True
            return
        data = self._held + data
        cut = data.rfind(b"\n") + 1
        self._out, self._held = memoryview(data[:cut]), data[cut:]

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_trace(path: str) -> IO[str]:
    """A recorded trace (finished or cut short) as text for `TraceReader(open_trace(p), name=p)`."""
    fh = open(path, "rb")
    return io.TextIOWrapper(io.BufferedReader(TolerantGunzip(fh)), encoding="utf-8", newline="")


GZIP_MAGIC = b"\x1f\x8b"


def read_trace(path: str) -> TraceReader:
    """A trace file, plain text or gzip (finished or cut short), as a TraceReader (TraceError if it is none)."""
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise TraceError(path, 0, f"cannot open: {exc.strerror or exc}") from None
    if not gz:
        return TraceReader(path)
    text = open_trace(path)
    try:
        return TraceReader(text, name=path, owns=True)
    except BaseException:
        text.close()
        raise


def finalize_partial(partial: str, final: str) -> tuple[int, float | None]:
    """Turn a cut-short `.partial` trace into a complete gzip file; (samples, last t) kept.

    The readable samples are re-written through TraceWriter (temp name, fsync,
    rename), then the partial is removed: its data is all in the new file."""
    if os.path.lexists(final):  # crashed after the rename, before the removal
        os.unlink(partial)
        return count_samples(final)
    tmp = final + ".recover"
    if os.path.lexists(tmp):
        os.unlink(tmp)  # our own leftover from a recovery that was itself cut short
    samples, last_t = 0, None
    with open_trace(partial) as text:
        try:
            reader = TraceReader(text, name=partial)
        except TraceError:
            reader = None  # not even a header: keep the partial, nothing to make
        if reader is None:
            return 0, None
        raw = os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644), "wb")
        with raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            out = io.TextIOWrapper(gz, encoding="utf-8", newline="")
            writer = TraceWriter(out, reader.chain, reader.has_pitch, reader.has_roll)
            try:
                for s in reader:
                    writer.write(s)
                    samples, last_t = samples + 1, s.t
            except TraceError:
                pass  # stop at the first unreadable line: everything before it is kept
            out.flush()
            out.detach()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.rename(tmp, final)
    os.unlink(partial)
    fsync_dir(os.path.dirname(final))
    return samples, last_t


def count_samples(path: str) -> tuple[int, float | None]:
    """Samples in a trace and the last one's t (None if it holds none)."""
    n, last = 0, None
    try:
        with open_trace(path) as text:
            for s in TraceReader(text, name=path):
                n, last = n + 1, s.t
    except TraceError:
        pass
    return n, last
