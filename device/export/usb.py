"""USB sticks: which are mounted under the configured roots, and the athletes list on one.

The system (udisks, usbmount, a udev rule) mounts a stick under /media or
/run/media; the appliance only looks. It reads /proc/self/mounts (cheap enough
to poll from the main loop) and keeps mounts that are under one of the roots,
of a filesystem a stick carries, and whose source is a block device under /dev
other than the root file system's. A stick is its source device, not its place:
inside the service, systemd may bind-mount a directory of the root file system
onto itself (ReadWritePaths= on a plain directory), which then looks like an
ext4 mount under /media with the root's source; and one stick mounted in two
places (a desktop's automounter and the stick unit) is still one stick.

`athletes.csv` on a stick is a names list: one name per line, in the first
column; a first line "name" is a header. It is read defensively: at most
64 KiB, a regular file only (never a symlink or a device), and a line that is
not UTF-8 or not a usable name gives a warning naming the line, never a crash.

    >>> import io
    >>> parse_athletes(b"name\\nAnna\\n\\xff\\nBen;12\\nanna\\n").names
    ['Anna', 'Ben']
"""
from __future__ import annotations

import csv
import errno
import os
import stat
from dataclasses import dataclass, field
from typing import Iterable

from device.store.athletes import MAX_NAME_LEN, clean_name

STICK_FILESYSTEMS = frozenset({"vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk", "ext2", "ext3", "ext4",
                               "f2fs", "btrfs", "xfs", "hfsplus"})
DEFAULT_ROOTS = ("/media", "/run/media")
MOUNTS_FILE = "/proc/self/mounts"
ATHLETES_FILE = "athletes.csv"
MAX_ATHLETES_BYTES = 64 * 1024
MAX_ATHLETES = 500
_HEADERS = {"name", "names", "athlete", "athletes"}


@dataclass(frozen=True)
class Stick:
    mountpoint: str
    device: str
    fstype: str
    read_only: bool


def _unescape(field_: str) -> str:
    r"""/proc/mounts writes space, tab, newline and backslash as \040 \011 \012 \134."""
    if "\\" not in field_:
        return field_
    out, i = [], 0
    while i < len(field_):
        code = field_[i + 1:i + 4]
        if field_[i] == "\\" and len(code) == 3 and set(code) <= set("01234567"):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field_[i])
            i += 1
    return "".join(out)


def _under(path: str, roots: Iterable[str]) -> bool:
    for root in roots:
        root = os.path.normpath(root)
        if path == root or path.startswith(root.rstrip("/") + "/"):
            return True
    return False


@dataclass(frozen=True)
class _Mount:
    device: str
    mountpoint: str
    fstype: str
    options: str


def _read_mounts(mounts_file: str) -> list[_Mount]:
    """The mounts table in mount order; [] if it cannot be read."""
    try:
        with open(mounts_file, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        parts = line.split()
        if len(parts) >= 4:
            mounts.append(_Mount(_unescape(parts[0]), os.path.normpath(_unescape(parts[1])), parts[2], parts[3]))
    return mounts


def _is_stick(mount: _Mount, root_device: str | None, roots: tuple[str, ...]) -> bool:
    return (mount.fstype in STICK_FILESYSTEMS and mount.device.startswith("/dev/")
            and mount.device != root_device and _under(mount.mountpoint, roots))


def find_sticks(roots: Iterable[str] = DEFAULT_ROOTS, mounts_file: str = MOUNTS_FILE) -> list[Stick]:
    """Mounted sticks under `roots`, one per source device, in mount order; [] if unreadable."""
    roots = tuple(roots)
    visible: dict[str, _Mount] = {}
    for mount in _read_mounts(mounts_file):
        visible[mount.mountpoint] = mount  # a later mount on the same place hides the earlier one
    root = visible.get("/")
    sticks: dict[str, Stick] = {}
    for mount in visible.values():
        if _is_stick(mount, root.device if root else None, roots) and mount.device not in sticks:
            sticks[mount.device] = Stick(mount.mountpoint, mount.device, mount.fstype,
                                         "ro" in mount.options.split(","))
    return list(sticks.values())


class StickWatcher:
    """Polled from the main loop: reports each stick (source device) once, when it appears."""

    def __init__(self, roots: Iterable[str] = DEFAULT_ROOTS, mounts_file: str = MOUNTS_FILE,
                 report_present: bool = True) -> None:
        self.roots, self.mounts_file = tuple(roots), mounts_file
        self._seen: set[str] = set()
        if not report_present:  # sticks in at boot are not "just plugged in"
            self._seen = {s.device for s in find_sticks(self.roots, self.mounts_file)}

    def poll(self) -> list[Stick]:
        """Sticks mounted since the last poll (a stick pulled and plugged again counts anew)."""
        now = find_sticks(self.roots, self.mounts_file)
        new = [s for s in now if s.device not in self._seen]
        self._seen = {s.device for s in now}
        return new


@dataclass
class AthleteList:
    names: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    path: str = ""


def read_athletes(folder: str) -> AthleteList:
    """The names in `athletes.csv` (any case) at the top of `folder`; never raises for its content."""
    result = AthleteList()
    try:
        entries = [e for e in os.scandir(folder) if e.name.lower() == ATHLETES_FILE]
    except OSError as exc:
        result.warnings.append(f"{folder}: cannot list the stick: {exc.strerror}")
        return result
    if not entries:
        return result
    entry = entries[0]
    result.path = entry.path
    data = _read_limited(entry.path, result)
    if data is not None:
        parsed = parse_athletes(data, entry.path)
        result.names, result.warnings = parsed.names, result.warnings + parsed.warnings
    return result


def _read_limited(path: str, result: AthleteList) -> bytes | None:
    """At most MAX_ATHLETES_BYTES of a regular file, without following a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = "a symbolic link (not followed)" if exc.errno == errno.ELOOP else exc.strerror
        result.warnings.append(f"{path}: not read: {why}")
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            result.warnings.append(f"{path}: not read: not a regular file")
            return None
        if st.st_size > MAX_ATHLETES_BYTES:
            result.warnings.append(f"{path}: not read: {st.st_size} bytes, more than the "
                                   f"{MAX_ATHLETES_BYTES // 1024} KiB a names list needs")
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(MAX_ATHLETES_BYTES + 1)[:MAX_ATHLETES_BYTES]
    except OSError as exc:
        result.warnings.append(f"{path}: cannot read: {exc.strerror}")
        return None
    finally:
        os.close(fd)


def parse_athletes(data: bytes, name: str = ATHLETES_FILE) -> AthleteList:
    """Names from the file's bytes: first column, header optional, ',' ';' or tab separated."""
    result = AthleteList(path=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # Excel's "CSV UTF-8" begins with a byte-order mark
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        text = _decode(raw, number, name, result)
        if text is None or not text.strip():
            continue
        first = _first_cell(text)
        if number == 1 and first.strip().lower() in _HEADERS:
            continue
        _add_name(first, number, name, result, seen)
        if len(result.names) >= MAX_ATHLETES:
            result.warnings.append(f"{name}: only the first {MAX_ATHLETES} names were read")
            break
    return result


def _decode(raw: bytes, number: int, name: str, result: AthleteList) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        result.warnings.append(f"{name}:{number}: not UTF-8 text, skipped (save the file as 'CSV UTF-8')")
        return None


def _first_cell(text: str) -> str:
    delimiter = next((d for d in (",", ";", "\t") if d in text), ",")
    try:
        return next(csv.reader([text], delimiter=delimiter), [""])[0] if text else ""
    except csv.Error:
        return text.split(delimiter, 1)[0]


def _add_name(cell: str, number: int, name: str, result: AthleteList, seen: set[str]) -> None:
    if not cell.strip():
        result.warnings.append(f"{name}:{number}: no name in the first column, skipped")
        return
    try:
        clean = clean_name(cell)
    except ValueError as exc:
        shown = cell if len(cell) <= MAX_NAME_LEN else cell[:MAX_NAME_LEN] + "..."
        result.warnings.append(f"{name}:{number}: {shown!r} skipped: {exc}")
        return
    key = clean.casefold()
    if key in seen:
        result.warnings.append(f"{name}:{number}: {clean!r} is already in the list, skipped")
        return
    seen.add(key)
    result.names.append(clean)
