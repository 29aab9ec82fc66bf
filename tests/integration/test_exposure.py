"""Exposure: the running appliance opens no network socket, listens on no port, and reads
nothing from a USB stick but athletes.csv (with its size limit) and the CSVs of the smartdowel
export folders on it (for the report each export carries: regular files only, never through a
link, never a FIFO, never an unfinished folder)."""
from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import time

import pytest

from device.export.usb import Stick
from support.appliance import FakeTimeAppliance
from support.processes import reaped, start_cli
from support.recording import record_simulated_sets

INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6")


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", link)
        if m:
            inodes.add(int(m.group(1)))
    return inodes


def _table_inodes(pid: int, name: str) -> dict[int, str]:
    """inode -> the /proc/<pid>/net/<name> line, for every socket of that family in its namespace."""
    out: dict[int, str] = {}
    try:
        with open(f"/proc/{pid}/net/{name}") as fh:
            lines = fh.read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        parts = line.split()
        inode_col = 6 if name == "unix" else 9
        if len(parts) > inode_col and parts[inode_col].isdigit():
            out[int(parts[inode_col])] = line
    return out


def _descendants(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return kids + [g for k in kids for g in _descendants(k)]


@pytest.mark.slow  # watches a real run of 3 s
def test_running_appliance_opens_no_network_socket(tmp_path):
    cfg = tmp_path / "c.toml"
    (tmp_path / "media").mkdir()
    cfg.write_text(f"[data]\nusb_roots = ['{tmp_path / 'media'}']\n")
    p = start_cli("run", "--hardware", "sim", "--headless", "--duration", "3", "--config", str(cfg),
                  env={"SMARTDOWEL_DATA": str(tmp_path / "data")}, drop=("NOTIFY_SOCKET",),
                  stderr=subprocess.PIPE)
    looks, sockets_seen, inet, listening = 0, set(), [], []
    unix_seen = set()
    with reaped(p):
        while p.poll() is None:
            for pid in [p.pid] + _descendants(p.pid):
                inodes = _socket_inodes(pid)
                looks += 1
                if not inodes:
                    continue
                sockets_seen |= inodes
                for table in INET_TABLES:
                    rows = _table_inodes(pid, table)
                    for ino in inodes & rows.keys():
                        inet.append((pid, table, rows[ino]))
                        if table.startswith("tcp") and rows[ino].split()[3] == "0A":
                            listening.append((pid, table, rows[ino]))
                unix_seen |= inodes & _table_inodes(pid, "unix").keys()
            time.sleep(0.05)  # a look every 50 ms for as long as it runs
        out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    assert '"type": "stopped"' in out.splitlines()[-1]
    assert looks > 20  # it was looked at all along its run
    assert not listening, listening
    assert not inet, inet
    assert sockets_seen <= unix_seen, sockets_seen - unix_seen  # any socket it has is AF_UNIX


class OpenSpy:
    """Every open of a path under `root` (builtins.open, io.open, os.open), with its mode/flags."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.opens: list[tuple[str, str, bool, bool]] = []  # path, how, was a dir, existed

    def _note(self, path, how: str, dir_fd=None) -> None:
        if isinstance(path, int):
            return
        path = os.fsdecode(path)
        if dir_fd is not None and not os.path.isabs(path):
            try:
                path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
            except OSError:
                pass
        full = os.path.realpath(path)
        if full == self.root or full.startswith(self.root + os.sep):
            self.opens.append((full, how, os.path.isdir(full), os.path.lexists(full)))

    def install(self, monkeypatch) -> None:
        real_open, real_os_open = builtins.open, os.open

        def spy_open(file, mode="r", *a, **kw):  # noted once opened: a refused open reads nothing
            fh = real_open(file, mode, *a, **kw)
            self._note(file, f"open:{mode}")
            return fh

        def spy_os_open(path, flags, mode=0o777, *, dir_fd=None):
            fd = real_os_open(path, flags, mode, dir_fd=dir_fd)
            self._note(path, f"os.open:{flags}", dir_fd)
            return fd
        monkeypatch.setattr(builtins, "open", spy_open)
        monkeypatch.setattr("io.open", spy_open)
        monkeypatch.setattr(os, "open", spy_os_open)

    def reads(self) -> list[tuple[str, str]]:
        """Opens that could read a file that was there (directories aside: listing is allowed)."""
        out = []
        for path, how, was_dir, existed in self.opens:
            if was_dir or not existed:
                continue
            if how.startswith("os.open:"):
                flags = int(how.split(":")[1])
                if flags & os.O_CREAT and flags & os.O_EXCL and not flags & os.O_RDWR:
                    continue  # a new file, made by us, write-only
                if (flags & os.O_ACCMODE) == os.O_WRONLY:
                    continue
            elif "r" not in how.split(":")[1] and "+" not in how:
                continue
            out.append((path, how))
        return out


@pytest.fixture
def stick(tmp_path):
    media = tmp_path / "media"
    stick = media / "STICK"
    (stick / "DCIM").mkdir(parents=True)
    (stick / "athletes.csv").write_text("name\nAlex\nSam\n")
    for name in ("notes.txt", "config.toml", "smartdowel.db", "autorun.sh", "athletes.csv.bak"):
        (stick / name).write_text("do not read me\n")
    (stick / "DCIM" / "photo.jpg").write_bytes(b"\xff\xd8" + b"\0" * 100)
    os.symlink("/etc/passwd", stick / "passwd-link")
    old = stick / "smartdowel-export-2020-01-01T00-00-00.partial"
    old.mkdir()
    (old / "sets.csv").write_text("old, untrusted\n")
    linked = stick / "smartdowel-export-2021-01-01T00-00-00"  # an export whose sets.csv is a link
    linked.mkdir()
    (linked / "sessions.csv").write_text("session_id,athlete,started_at\n")
    os.symlink("/etc/passwd", linked / "sets.csv")
    piped = stick / "smartdowel-export-2022-02-02T00-00-00"  # and one whose sessions.csv is a FIFO
    piped.mkdir()
    os.mkfifo(piped / "sessions.csv")
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 {stick} vfat rw,nosuid,nodev,noexec 0 0\n")
    return media, stick, mounts


def test_a_stick_is_read_for_athletes_csv_only(tmp_path, stick, monkeypatch):
    from device.export.run import export
    from device.store.store import Store
    media, stick_dir, mounts = stick
    data = os.environ["SMARTDOWEL_DATA"]
    record_simulated_sets(data, ["clean"])  # one real set for the export to take
    sim = FakeTimeAppliance(f"[data]\nusb_roots = ['{media}']\n", seed=4)
    app, out = sim.app, sim.out
    app.sticks.watcher.mounts_file = str(mounts)

    class InProcessExport:  # the export job's child process, run here so the spy sees its opens
        def __init__(self, data_dir, dest, all_sets=False):
            self.data_dir, self.dest = data_dir, dest
            self.done = self.ok = False
            self.message, self.progress = "", (0, 0)

        def start(self):
            with Store.open(self.data_dir, create=False, recover=False) as store:
                self.result = export(store, self.dest, workers=0)
            self.done = self.ok = True
            return self
    monkeypatch.setattr("device.app.sticks.ExportJob", InProcessExport)
    spy = OpenSpy(str(stick_dir))
    try:
        sticks = app.sticks.watcher.poll()
        assert [s.mountpoint for s in sticks] == [str(stick_dir)]
        spy.install(monkeypatch)
        app.sticks.arrived(sticks[0])
        while app.sticks.busy or app.sticks.job is not None:  # it starts once what ended before is saved
            app.step(0.05)
        monkeypatch.undo()
    finally:
        app.shutdown()
    reads = spy.reads()
    assert reads and {os.path.basename(p) for p, _ in reads if "smartdowel-export-" not in p} == \
        {"athletes.csv"}, reads
    assert not [p for p, _ in reads if "2020-01-01" in p or "passwd" in p], reads  # no unfinished folder, no link
    csvs = {os.path.basename(p) for p, _ in reads if "2021-01-01" in p or "2022-02-02" in p}
    assert csvs <= {"sessions.csv", "sets.csv", "reps.csv", "contact_losses.csv", "plan.csv"}, csvs
    assert "athletes_imported" in " ".join(out.lines)
    assert [json.loads(x)["ok"] for x in out.lines if '"type": "export"' in x] == [True]
    exported = [p for p in stick_dir.iterdir() if p.name.startswith("smartdowel-export-")
                and not p.name.endswith(".partial")]
    (made,) = [p for p in exported if not p.name.startswith(("smartdowel-export-2021", "smartdowel-export-2022"))]
    assert (made / "MANIFEST.sha256").exists() and (made / "report.html").exists()
    readme = (made / "README.txt").read_text()  # the link and the FIFO (opened, never read): both left out
    assert "2021-01-01T00-00-00/sets.csv: cannot read" in readme and "2022-02-02T00-00-00/sessions.csv" in readme
    assert (stick_dir / "smartdowel-export-2020-01-01T00-00-00.partial" / "sets.csv").read_text() \
        == "old, untrusted\n"  # an old partial folder is neither read nor touched


def test_a_big_athletes_csv_is_not_read(tmp_path, stick, monkeypatch):
    from device.export.usb import MAX_ATHLETES_BYTES
    media, stick_dir, mounts = stick
    (stick_dir / "athletes.csv").write_bytes(b"name\n" + b"Anna\n" * (3 * 1024 * 1024))
    sim = FakeTimeAppliance(f"[data]\nusb_roots = ['{media}']\n", seed=4)
    app, out = sim.app, sim.out
    monkeypatch.setattr(app.sticks, "start", lambda mountpoint: None)
    real_read = os.read
    sizes = []

    def spy_read(fd, n):
        sizes.append(n)
        return real_read(fd, n)
    try:
        monkeypatch.setattr(os, "read", spy_read)
        app.sticks.arrived(Stick(str(stick_dir), "/dev/sda1", "vfat", False))
        monkeypatch.undo()
    finally:
        app.shutdown()
    assert sum(sizes) <= MAX_ATHLETES_BYTES + 1
    warnings = [x for x in out.lines if '"warning"' in x]
    assert warnings and "not read" in warnings[0], out.lines
    assert "athletes_imported" not in " ".join(out.lines)
