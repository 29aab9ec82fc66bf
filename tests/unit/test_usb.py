"""USB sticks: finding them in the mounts table, and the athletes list on one."""
from __future__ import annotations

import os

import pytest

from device.store.store import Store
from device.export.usb import MAX_ATHLETES_BYTES, Stick, StickWatcher, find_sticks, parse_athletes, read_athletes

MOUNTS = """\
/dev/mmcblk0p2 / ext4 rw,noatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
/dev/sda1 /media/pi/STICK vfat rw,nosuid,nodev,relatime,uid=1000 0 0
/dev/sdb1 /run/media/anna/MY\\040STICK exfat ro,nosuid,nodev 0 0
tmpfs /media/ram tmpfs rw 0 0
/dev/sdc1 /mnt/usb vfat rw 0 0
/dev/sdd1 /media2/x vfat rw 0 0
/dev/sde1 /media/pi/BACKUP ext4 rw,relatime 0 0
/dev/sdf1 /media/pi/NTFS fuseblk rw,user_id=0 0 0
proc /media/pi/proc proc rw 0 0
"""


def test_sticks_under_the_roots_only_and_of_stick_filesystems(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert find_sticks(mounts_file=str(mounts)) == [
        Stick("/media/pi/STICK", "/dev/sda1", "vfat", False),
        Stick("/run/media/anna/MY STICK", "/dev/sdb1", "exfat", True),
        Stick("/media/pi/BACKUP", "/dev/sde1", "ext4", False),
        Stick("/media/pi/NTFS", "/dev/sdf1", "fuseblk", False),
    ]
    assert [s.mountpoint for s in find_sticks(["/mnt"], str(mounts))] == ["/mnt/usb"]
    assert find_sticks(mounts_file=str(tmp_path / "missing")) == []


def test_the_watcher_reports_each_stick_once_when_it_appears(tmp_path):
    mounts = tmp_path / "mounts"
    one = "/dev/sda1 /media/pi/A vfat rw 0 0\n"
    two = one + "/dev/sdb1 /media/pi/B vfat rw 0 0\n"
    mounts.write_text(one)
    quiet = StickWatcher(mounts_file=str(mounts), report_present=False)
    watcher = StickWatcher(mounts_file=str(mounts))
    assert [s.mountpoint for s in watcher.poll()] == ["/media/pi/A"]  # there at boot: reported
    assert quiet.poll() == [] and watcher.poll() == []
    mounts.write_text(two)
    assert [s.mountpoint for s in watcher.poll()] == ["/media/pi/B"]
    assert [s.mountpoint for s in quiet.poll()] == ["/media/pi/B"]
    mounts.write_text("/dev/sdb1 /media/pi/B vfat rw 0 0\n")  # A pulled out...
    assert watcher.poll() == []
    mounts.write_text(two)  # ...and plugged in again: new again
    assert [s.mountpoint for s in watcher.poll()] == ["/media/pi/A"]


def test_a_names_list_with_everything_wrong_with_it():
    data = ("\ufeffName;Group\n"  # Excel's BOM, a header, semicolons
            "Anna Berg;A\r\n"
            "\n"
            "  Ben  \n"
            '"Smith, Carl",B\n'
            "anna berg\n"  # the same name again
            + "x" * 60 + "\n"
            ";no name\n"
            "Zoë\n").encode("utf-8") + b"Bj\xf6rn\n" + "Dana\tC".encode()
    got = parse_athletes(data, "athletes.csv")
    assert got.names == ["Anna Berg", "Ben", "Smith, Carl", "Zoë", "Dana"]
    assert got.warnings == [
        "athletes.csv:6: 'anna berg' is already in the list, skipped",
        "athletes.csv:7: '" + "x" * 40 + "...' skipped: longer than 40 characters",
        "athletes.csv:8: no name in the first column, skipped",
        "athletes.csv:10: not UTF-8 text, skipped (save the file as 'CSV UTF-8')",
    ]


def test_read_athletes_from_a_stick_and_import_them(tmp_path):
    (tmp_path / "Athletes.CSV").write_text("name\nAnna\nBen\n", encoding="utf-8")
    got = read_athletes(str(tmp_path))
    assert (got.names, got.warnings, os.path.basename(got.path)) == (["Anna", "Ben"], [], "Athletes.CSV")
    with Store.open(str(tmp_path / "data")) as store:
        store.add_athlete("ben")
        assert store.import_athletes(got.names) == (1, 1)
        assert {a.name: a.source for a in store.athletes()} == {"Guest": "guest", "Anna": "usb", "ben": "local"}
    assert read_athletes(str(tmp_path / "data")).names == []  # no list on this stick: nothing, no warning


@pytest.mark.parametrize("kind", ["symlink", "too_big", "fifo", "folder"])
def test_an_athletes_file_that_is_not_a_small_regular_file_is_not_read(tmp_path, kind):
    path = tmp_path / "athletes.csv"
    if kind == "symlink":
        secret = tmp_path / "secret"
        secret.write_text("Mallory\n")
        os.symlink(secret, path)
    elif kind == "too_big":
        path.write_bytes(b"Anna\n" * (MAX_ATHLETES_BYTES // 5 + 1))
    elif kind == "fifo":
        os.mkfifo(path)  # opening it for reading must not hang
    else:
        path.mkdir()
    got = read_athletes(str(tmp_path))
    assert got.names == [] and len(got.warnings) == 1 and str(path) in got.warnings[0]
    assert {"symlink": "symbolic link", "too_big": "64 KiB", "fifo": "not a regular file",
            "folder": "not a regular file"}[kind] in got.warnings[0]


def test_a_stick_that_cannot_be_listed_is_a_warning(tmp_path):
    got = read_athletes(str(tmp_path / "gone"))
    assert got.names == [] and "cannot list the stick" in got.warnings[0]


# What /proc/self/mounts says inside the service (ProtectSystem=strict with
# ReadWritePaths=/media/smartdowel on a plain directory): systemd bind-mounts the
# root file system's directory onto itself, so it shows the root's source and
# file system. Only the stick below it is a stick.
SANDBOX_MOUNTS = """\
/dev/mmcblk0p2 / ext4 ro,nosuid,nodev,noatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev,mode=755 0 0
/dev/mmcblk0p2 /media/smartdowel ext4 rw,noatime 0 0
/dev/mmcblk0p1 /boot/firmware vfat ro,relatime 0 0
overlay /media/overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c 0 0
/dev/sda1 /media/smartdowel/sda1 vfat rw,nosuid,nodev,noexec,uid=999 0 0
"""


def test_a_bind_mount_of_the_root_file_system_is_not_a_stick(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(SANDBOX_MOUNTS)
    sticks = find_sticks(mounts_file=str(mounts))
    assert [s.mountpoint for s in sticks] == ["/media/smartdowel/sda1"]
    watcher = StickWatcher(mounts_file=str(mounts))
    assert [s.device for s in watcher.poll()] == ["/dev/sda1"]


def test_one_stick_mounted_in_two_places_is_one_stick(tmp_path):
    """A desktop's automounter and the stick unit both mounting it, or a bind mount of it."""
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n"  # a Pi booted from USB: its root is not a stick
                      "/dev/sdb1 /media/smartdowel/sdb1 vfat rw 0 0\n"
                      "/dev/sdb1 /media/pi/STICK vfat rw 0 0\n")
    assert find_sticks(mounts_file=str(mounts)) == [Stick("/media/smartdowel/sdb1", "/dev/sdb1", "vfat", False)]
    watcher = StickWatcher(mounts_file=str(mounts))
    assert len(watcher.poll()) == 1 and watcher.poll() == []
