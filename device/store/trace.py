"""Trace files, format v1: what `record` and `simulate` write and `replay` reads.

    # smartdowel-trace v1
    # adc=ads1115 pga_v=4.096 vcc_v=3.3 divider_ohm=10000 rate_hz=100
    t,head,upper_back,sacrum,pitch
    0.0000,14,13,14,0.95

An optional `roll` column (the dowel's sideways tilt, degrees) may follow
`pitch`; readers that do not know it ignore it, as they ignore any column.
Reading is lazy (one sample at a time) so an hour-long trace costs no memory.
Every problem raises TraceError naming the file and line, so the CLI can print
one line and exit 2 instead of a traceback. Writing goes to a temporary name,
is fsynced, then renamed: a crash leaves the old file or the new, never half.
"""
from __future__ import annotations

import math
import os
import sys
from typing import IO, Iterator

from device.core.contacts import CONTACTS
from device.core.signal import Sample, SignalChain
from device.store.files import fsync_dir, temp_name

MAGIC = "# smartdowel-trace v"
VERSION = 1
_NUMERIC_KEYS = ("pga_v", "vcc_v", "divider_ohm", "rate_hz")


class TraceError(Exception):
    """A trace that cannot be read, with where: `path:line: what`."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = path, line, message


class TraceReader:
    """Opens a v1 trace, parses its header, and iterates its samples.

    >>> import io
    >>> r = TraceReader(io.StringIO("# smartdowel-trace v1\\nt,head,upper_back,sacrum\\n0.0,1,2,3\\n"))
    >>> r.has_pitch, next(iter(r))
    (False, Sample(t=0.0, head=1, upper_back=2, sacrum=3, pitch=None, roll=None))
    """

    def __init__(self, source: str | IO[str], name: str | None = None, owns: bool = False) -> None:
        if isinstance(source, str):
            self.path = name or source
            try:
                self._fh: IO[str] = open(source, encoding="utf-8", newline="")
            except OSError as exc:
                raise TraceError(self.path, 0, f"cannot open: {exc.strerror or exc}") from None
            self._owns = True
        else:
            self.path = name or str(getattr(source, "name", "<trace>"))
            self._fh, self._owns = source, owns  # owns: close it with the reader
        self.lineno = 0
        self.header: dict[str, str] = {}
        self._header_lines: dict[str, int] = {}
        try:
            self._read_header()
        except BaseException:
            self.close()
            raise

    # -- header ---------------------------------------------------------------
    def _next_line(self) -> str | None:
        try:
            line = self._fh.readline()
        except UnicodeDecodeError:
            raise TraceError(self.path, self.lineno + 1, "not UTF-8 text") from None
        if not line:
            return None
        self.lineno += 1
        return line.rstrip("\r\n")

    def _error(self, message: str) -> TraceError:
        return TraceError(self.path, self.lineno, message)

    def _read_header(self) -> None:
        first = self._next_line()
        if first is None:
            raise TraceError(self.path, 0, "empty file (expected '# smartdowel-trace v1')")
        if not first.startswith(MAGIC):
            raise self._error("not a smartdowel trace (first line must be '# smartdowel-trace v1')")
        version = first[len(MAGIC):].strip()
        if version != str(VERSION):
            raise self._error(f"unknown trace version {version!r} (this build reads v{VERSION})")
        while True:
            line = self._next_line()
            if line is None:
                raise self._error("no column line (expected 't,head,upper_back,sacrum[,pitch]')")
            if not line.strip():
                continue
            if line.startswith("#"):
                self._parse_pairs(line[1:])
                continue
            self._parse_columns(line)
            break
        self.chain = self._make_chain()

    def _parse_pairs(self, text: str) -> None:
        for token in text.split():
            if "=" not in token:
                continue  # free-text comment
            key, _, value = token.partition("=")
            if key in _NUMERIC_KEYS:
                try:
                    number = float(value)
                except ValueError:
                    raise self._error(f"header key {key}: {value!r} is not a number") from None
                if not (number > 0 and math.isfinite(number)):
                    raise self._error(f"header key {key}: {value!r} must be a positive number")
            self.header[key] = value
            self._header_lines[key] = self.lineno

    def _make_chain(self) -> SignalChain:
        kwargs: dict[str, object] = {k: float(self.header[k]) for k in _NUMERIC_KEYS if k in self.header}
        if "adc" in self.header:
            kwargs["adc"] = self.header["adc"]
        try:
            return SignalChain(**kwargs)  # type: ignore[arg-type]
        except ValueError as exc:
            line = self._header_lines.get("adc", 0)
            raise TraceError(self.path, line, f"header key adc: {exc}") from None

    def _parse_columns(self, line: str) -> None:
        names = [c.strip() for c in line.split(",")]
        missing = [c for c in ("t",) + CONTACTS if c not in names]
        if missing:
            raise self._error(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        self.columns = names
        self._index = [names.index(c) for c in ("t",) + CONTACTS]
        self.has_pitch = "pitch" in names
        self._pitch_index = names.index("pitch") if self.has_pitch else -1
        self.has_roll = self.has_pitch and "roll" in names
        self._roll_index = names.index("roll") if self.has_roll else -1

    # -- samples --------------------------------------------------------------
    def __iter__(self) -> Iterator[Sample]:
        it, ih, iu, isac = self._index
        ip, ir = self._pitch_index, self._roll_index
        ncols = len(self.columns)
        lo, hi = self.chain.count_range
        last_t = -math.inf
        count = 0
        next_line = self._next_line
        while True:
            line = next_line()
            if line is None:
                break
            if not line or line[0] == "#" or not line.strip():
                continue
            cells = line.split(",")
            if len(cells) < ncols:
                raise self._error(f"{len(cells)} values, expected {ncols} ({','.join(self.columns)})")
            try:
                t = float(cells[it])
                head = int(cells[ih])
                upper = int(cells[iu])
                sacrum = int(cells[isac])
                pitch = float(cells[ip]) if ip >= 0 and cells[ip].strip() else None
                roll = float(cells[ir]) if ir >= 0 and cells[ir].strip() else None
            except ValueError:
                raise self._error(self._explain(cells)) from None
            if not (t >= last_t):
                raise self._error(f"time goes backwards ({t} after {last_t})" if t == t
                                  else "t is not a number")
            if not (lo <= head <= hi and lo <= upper <= hi and lo <= sacrum <= hi):
                raise self._error(f"count outside the {self.chain.adc} range {lo}..{hi}")
            if pitch is not None and not math.isfinite(pitch):
                pitch = None  # an IMU dropout: no reading, not a made-up one
            if roll is not None and (pitch is None or not math.isfinite(roll)):
                roll = None
            last_t = t
            count += 1
            yield Sample(t, head, upper, sacrum, pitch, roll)
        if count == 0:
            raise self._error("no samples after the column line")

    def _explain(self, cells: list[str]) -> str:
        """Name the first cell that does not parse."""
        for name, idx in zip(("t",) + CONTACTS + ("pitch", "roll"),
                             self._index + [self._pitch_index, self._roll_index]):
            if idx < 0:
                continue
            text = cells[idx].strip()
            try:
                int(text) if name in CONTACTS else float(text)
            except ValueError:
                if name in ("pitch", "roll") and not text:
                    continue
                kind = "an integer ADC count" if name in CONTACTS else "a number"
                return f"column {name}: {text!r} is not {kind}"
        return "malformed row"

    def close(self) -> None:
        if self._owns:
            self._fh.close()

    def __enter__(self) -> "TraceReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def header_line(chain: SignalChain) -> str:
    """The `key=value` line that describes a signal chain."""
    return (f"# adc={chain.adc} pga_v={chain.pga_v:g} vcc_v={chain.vcc_v:g} "
            f"divider_ohm={chain.divider_ohm:g} rate_hz={chain.rate_hz:g}")


class TraceWriter:
    """Writes a v1 trace; to a file atomically (temp name, fsync, rename) or to stdout ('-').

    `has_roll` adds the optional roll column after pitch (only with pitch).

    >>> import io
    >>> out = io.StringIO()
    >>> with TraceWriter(out, SignalChain(), has_pitch=False) as w:
    ...     w.write(Sample(0.0, 14, 13, 14))
    >>> out.getvalue().splitlines()[-1]
    '0.0000,14,13,14'
    """

    def __init__(self, dest: str | IO[str], chain: SignalChain, has_pitch: bool = True,
                 has_roll: bool = False) -> None:
        self.has_pitch = has_pitch
        self.has_roll = has_pitch and has_roll
        self._final: str | None = None
        if isinstance(dest, str) and dest != "-":
            self._final = dest
            self._tmp = temp_name(dest)
            self._fh: IO[str] = open(self._tmp, "w", encoding="utf-8", newline="")
        else:
            self._fh = sys.stdout if dest == "-" else dest  # type: ignore[assignment]
        cols = "t," + ",".join(CONTACTS) + (",pitch" if has_pitch else "") + (",roll" if self.has_roll else "")
        self._fh.write(f"{MAGIC}{VERSION}\n{header_line(chain)}\n{cols}\n")

    def write(self, s: Sample) -> None:
        if self.has_roll:
            pitch = "" if s.pitch is None else f"{s.pitch:.2f}"
            roll = "" if s.roll is None else f"{s.roll:.2f}"
            self._fh.write(f"{s.t:.4f},{s.head},{s.upper_back},{s.sacrum},{pitch},{roll}\n")
        elif self.has_pitch:
            pitch = "" if s.pitch is None else f"{s.pitch:.2f}"
            self._fh.write(f"{s.t:.4f},{s.head},{s.upper_back},{s.sacrum},{pitch}\n")
        else:
            self._fh.write(f"{s.t:.4f},{s.head},{s.upper_back},{s.sacrum}\n")

    def close(self) -> None:
        """Make the file durable and visible under its final name."""
        if self._final is None:
            self._fh.flush()
            return
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self._final)
        fsync_dir(os.path.dirname(os.path.abspath(self._final)))

    def abort(self) -> None:
        """Drop a partial file: the destination is left as it was."""
        if self._final is not None:
            self._fh.close()
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "TraceWriter":
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
