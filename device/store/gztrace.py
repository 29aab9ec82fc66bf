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
import zlib
from typing import IO, Any, BinaryIO

from device.core.signal import Sample, SignalChain
from device.store.files import fsync_dir
from device.store.trace import TraceError, TraceReader, TraceWriter

PARTIAL = ".partial"


class TraceFile:
    """A set's trace, gzip-compressed, written as samples come, durable at each checkpoint."""

    def __init__(self, path: str, chain: SignalChain, has_pitch: bool, t0: float,
                 has_roll: bool = False) -> None:
        self.path, self.t0 = path, t0
        self.partial = path + PARTIAL
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        self._raw = os.fdopen(os.open(self.partial, flags, 0o644), "wb")
        try:
            self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
        except BaseException:
            self._raw.close()
            raise
        self._text = io.TextIOWrapper(self._gz, encoding="utf-8", newline="")
        self._writer = TraceWriter(self._text, chain, has_pitch, has_roll)
        self.samples = 0
        self.last_t: float | None = None

    def write(self, s: Sample) -> None:
        self._writer.write(s._replace(t=s.t - self.t0))
        self.samples += 1
        self.last_t = s.t

    def checkpoint(self) -> None:
        """Everything so far on the card as whole deflate blocks (readable if cut after this)."""
        self._text.flush()
        self._gz.flush(zlib.Z_SYNC_FLUSH)
        self._raw.flush()
        os.fsync(self._raw.fileno())

    def finish(self) -> None:
        """Trailer, fsync, rename to the final name (never over an existing file), fsync the folder."""
        self._text.flush()
        self._gz.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        if os.path.lexists(self.path):
            raise FileExistsError(17, "a trace with this name is already there", self.path)
        os.rename(self.partial, self.path)
        fsync_dir(os.path.dirname(self.path))

    def abandon(self) -> None:
        """Close without finishing: the .partial stays for recovery."""
        for closer in (self._text.flush, self._raw.close):
            try:
                closer()
            except (OSError, ValueError):
                pass


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
