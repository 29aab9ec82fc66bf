"""Is anything committed lost in the write-ahead log? Read its frame headers and ask SQLite.

SQLite reads a WAL frame by frame and stops at the first frame whose salt or
checksum is wrong: everything after it is silently ignored, committed or not.
A damaged `-wal` therefore emptied the store of every set since the last
checkpoint, and nothing said so. The file format (sqlite.org, "Database File
Format", the WAL section) makes it cheap to tell an interrupted transaction
(frames after the last commit frame: the rep in progress at a power cut,
expected) from damage (a commit frame with the log's salts beyond the point
where SQLite stopped: a committed transaction it could not read).

- WAL header, 32 bytes, big-endian: magic, version, page size, checkpoint
  sequence, salt-1, salt-2, checksum-1, checksum-2.
- Then frames: a 24-byte header (page number; the database size in pages for
  a commit frame, else 0; salt-1; salt-2; two checksum words) and a page.

SQLite's own count of the frames it accepted is the second value of
`PRAGMA wal_checkpoint(PASSIVE)`.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

HEADER = struct.Struct(">IIIIIIII")
FRAME_HEADER = struct.Struct(">IIIIII")
MAGICS = (0x377F0682, 0x377F0683)


@dataclass(frozen=True)
class WalFrames:
    """The frames of one log generation (the header's salts), as the headers say."""

    frames: int  # frames in the file that carry the header's salts
    commits: tuple[int, ...]  # 1-based positions of the commit frames among them

    def lost_commits(self, accepted: int) -> int:
        """Committed transactions past the `accepted` frames SQLite read: damage, not a cut."""
        return sum(1 for frame in self.commits if frame > accepted)


def scan(path: str) -> WalFrames | None:
    """The frame headers of the log at `path`; None when there is none or it has no valid header."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER.size)
            if len(head) < HEADER.size:
                return None
            magic, _, page_size, _, salt1, salt2, _, _ = HEADER.unpack(head)
            if magic not in MAGICS or page_size < 512 or page_size & (page_size - 1):
                return None
            return _frames(fh, page_size, salt1, salt2)
    except OSError:
        return None


def _frames(fh: BinaryIO, page_size: int, salt1: int, salt2: int) -> WalFrames:
    """Every frame header in the file that carries this generation's salts.

    The salts change at every reset of the log, so a reused log's old frames
    further on never match; a damaged frame in the middle does not hide the
    ones after it."""
    frames, commits, step, position = 0, [], FRAME_HEADER.size + page_size, 0
    while True:
        fh.seek(HEADER.size + position * step)
        raw = fh.read(FRAME_HEADER.size)
        if len(raw) < FRAME_HEADER.size:
            break
        position += 1
        _, db_size, s1, s2, _, _ = FRAME_HEADER.unpack(raw)
        if (s1, s2) != (salt1, salt2):
            continue
        frames += 1
        if db_size:
            commits.append(position)
    return WalFrames(frames, tuple(commits))
