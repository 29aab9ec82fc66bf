"""The unit files: systemd's own checks (security score, verify), the settings the
hardware needs, the USB mount chain and the polkit rule."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.repo import REPO

SYSTEMD = REPO / "systemd"
SERVICE = SYSTEMD / "smartdowel.service"
USB_UNIT = SYSTEMD / "smartdowel-usb@.service"
UDEV_RULE = SYSTEMD / "99-smartdowel-usb.rules"
POLKIT_RULE = SYSTEMD / "50-smartdowel.rules"
STICK_ROOT = SYSTEMD / "media-smartdowel.mount"
APP_BINARY = "/opt/smartdowel/venv/bin/smartdowel"  # made by install.sh on the Pi only
MAX_EXPOSURE = 2.5

needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze missing (apt-get install systemd)")


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Sections -> [(key, value)] in order; keys may repeat, as systemd allows."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line!r} outside a section"
        current.append((key.strip(), value.strip()))
    return sections


def values(path: Path, section: str, key: str) -> list[str]:
    return [v for k, v in parse_unit(path).get(section, []) if k == key]


def one(path: Path, section: str, key: str) -> str:
    found = values(path, section, key)
    assert len(found) == 1, f"{path.name} [{section}] {key}: {found}"
    return found[0]


# --------------------------------------------------------------------------- systemd's checks


def exposure(unit: Path) -> float:
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
                       capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", r.stdout + r.stderr)
    assert match, r.stdout + r.stderr
    return float(match.group(1))


def verify(unit: Path, tmp_path: Path, name: str | None = None) -> str:
    """`systemd-analyze verify` on a copy; its whole output ('' when clean).

    Why a copy: verify refuses a unit whose ExecStart= binary is missing, and the
    app's binary exists only on an installed Pi. The copy points ExecStart= at
    /bin/true and changes nothing else, so every other directive, dependency and
    specifier is still checked. Warnings (unknown keys, bad values) leave the exit
    code 0, hence the output is what counts.
    """
    text = unit.read_text().replace(APP_BINARY, "/bin/true")
    copy = tmp_path / (name or unit.name)
    copy.write_text(text)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(copy)],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    out = (r.stdout + r.stderr).strip()
    return out if out or r.returncode == 0 else f"exit {r.returncode}"


@needs_analyze
def test_security_exposure_is_at_most_2_5():
    assert exposure(SERVICE) <= MAX_EXPOSURE


@needs_analyze
def test_verify_is_clean(tmp_path: Path):
    assert verify(SERVICE, tmp_path) == ""


@needs_analyze
def test_usb_unit_verifies_clean_as_an_instance(tmp_path: Path):
    assert verify(USB_UNIT, tmp_path, "smartdowel-usb@sda1.service") == ""


@needs_analyze
def test_the_checks_can_fail(tmp_path: Path):
    """A unit with a typo and no hardening is caught by both helpers."""
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nExecStart=/bin/true\nWatchdogSecs=10\n")
    assert "Unknown key" in verify(bad, tmp_path)
    assert exposure(bad) > MAX_EXPOSURE


# --------------------------------------------------------------------------- what the app needs


def test_notify_watchdog_and_restart():
    assert one(SERVICE, "Service", "Type") == "notify"
    assert one(SERVICE, "Service", "NotifyAccess") == "main"
    assert one(SERVICE, "Service", "WatchdogSec") == "10s"
    assert one(SERVICE, "Service", "Restart") == "on-failure"
    assert int(one(SERVICE, "Unit", "StartLimitBurst")) >= 3
    assert one(SERVICE, "Unit", "StartLimitIntervalSec")
    assert one(SERVICE, "Service", "KillSignal") == "SIGTERM"
    assert one(SERVICE, "Service", "TimeoutStopSec")


def test_environment_for_lgpio_sdl_and_numpy():
    env = dict(v.split("=", 1) for v in values(SERVICE, "Service", "Environment"))
    assert env["LG_WD"] == "%t/smartdowel"
    assert one(SERVICE, "Service", "RuntimeDirectory") == "smartdowel"
    assert env["SMARTDOWEL_DATA"] == "%S/smartdowel"
    assert one(SERVICE, "Service", "StateDirectory") == "smartdowel"
    assert env["SDL_VIDEODRIVER"] == "kmsdrm"
    assert env["OMP_NUM_THREADS"] == "1"
    assert one(SERVICE, "Service", "StandardOutput") == "journal"


def test_devices_reachable_without_private_devices():
    assert values(SERVICE, "Service", "PrivateDevices") in ([], ["no"])
    assert one(SERVICE, "Service", "DevicePolicy") == "closed"
    allowed = {v.split()[0]: v.split()[1] for v in values(SERVICE, "Service", "DeviceAllow")}
    for device in ("char-i2c", "char-gpiochip", "char-drm"):
        assert "r" in allowed[device] and "w" in allowed[device], device
    assert "r" in allowed["char-input"]
    groups = one(SERVICE, "Service", "SupplementaryGroups").split()
    assert {"gpio", "i2c", "video", "render", "input", "audio"} <= set(groups)


def test_no_network_but_the_unix_sockets():
    assert one(SERVICE, "Service", "RestrictAddressFamilies") == "AF_UNIX"
    assert one(SERVICE, "Service", "PrivateNetwork") == "yes"
    assert one(SERVICE, "Service", "IPAddressDeny") == "any"
    assert one(SERVICE, "Service", "CapabilityBoundingSet") == ""
    assert one(SERVICE, "Service", "ProtectSystem") == "strict"


def test_watchdog_kicks_fit_the_timeout():
    from device.app.notify import Watchdog
    usec = int(one(SERVICE, "Service", "WatchdogSec").rstrip("s")) * 1_000_000
    interval = Watchdog(env={"WATCHDOG_USEC": str(usec)}).interval()
    assert interval is not None and interval * 2 <= usec / 1e6


# --------------------------------------------------------------------------- USB sticks


def test_udev_rule_starts_the_mount_unit_for_fat_sticks():
    rules = [line for line in UDEV_RULE.read_text().splitlines() if line and not line.startswith("#")]
    assert len(rules) == 1
    items = [item.strip() for item in rules[0].split(",")]
    for item in items:
        assert re.fullmatch(r'[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|\+=|=)"[^"]*"', item), item
    assert 'ENV{ID_BUS}=="usb"' in items
    assert 'ENV{ID_FS_TYPE}=="vfat|exfat"' in items
    wants = next(i for i in items if i.startswith("ENV{SYSTEMD_WANTS}"))
    template = re.search(r'"(.*)"', wants).group(1).replace("%k", "")
    assert (SYSTEMD / template).exists()


def test_sticks_are_mounted_safely_where_the_app_looks():
    from device.app.config import Config
    start = one(USB_UNIT, "Service", "ExecStart").split()
    assert start[0] == "/usr/bin/systemd-mount"
    options = next(a for a in start if a.startswith("--options=")).split("=", 1)[1].split(",")
    assert {"nosuid", "nodev", "noexec"} <= set(options)
    assert "--owner=smartdowel" in start
    mount_point = start[-1]
    assert mount_point == "/media/smartdowel/%I"
    assert any(mount_point.startswith(root.rstrip("/") + "/") for root in Config().data.usb_roots)
    # writable inside the app's read-only tree even when the stick was in before the app started
    assert "-/media/smartdowel" in values(SERVICE, "Service", "ReadWritePaths")


def test_the_stick_folder_is_a_tmpfs_of_its_own_before_either_unit_starts():
    """ReadWritePaths= on a plain directory makes systemd bind the root file system there,
    which the app would take for a stick; a folder that is a mount point is used as it is."""
    assert one(STICK_ROOT, "Mount", "Where") == "/media/smartdowel"
    assert one(STICK_ROOT, "Mount", "Type") == "tmpfs"
    assert {"nosuid", "nodev", "noexec"} <= set(one(STICK_ROOT, "Mount", "Options").split(","))
    for unit in (SERVICE, USB_UNIT):
        assert "media-smartdowel.mount" in values(unit, "Unit", "Wants"), unit.name
        assert "media-smartdowel.mount" in " ".join(values(unit, "Unit", "After")), unit.name


def test_the_stick_unit_waits_for_its_mount():
    """Without --no-block, systemd-mount waits for the mount job and fails with it."""
    start = one(USB_UNIT, "Service", "ExecStart").split()
    assert "--no-block" not in start
    assert one(USB_UNIT, "Service", "TimeoutStartSec")


@needs_analyze
def test_stick_folder_mount_verifies_clean(tmp_path: Path):
    assert verify(STICK_ROOT, tmp_path) == ""


@pytest.mark.parametrize("mounted, in_fstab, expect", [(False, False, 0), (True, False, 1), (False, True, 1)])
def test_a_disk_the_system_uses_is_never_mounted_again(tmp_path: Path, mounted, in_fstab, expect):
    """ExecCondition skips a device that is mounted or in /etc/fstab (a Pi booted from USB)."""
    condition = one(USB_UNIT, "Service", "ExecCondition").replace("%I", "sda1")
    script = re.fullmatch(r"/bin/sh -c '(.*)'", condition).group(1)
    stub = tmp_path / "findmnt"
    stub.write_text("#!/bin/sh\ncase \"$*\" in *--fstab*) exit $FSTAB ;; *) exit $MOUNTED ;; esac\n")
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "MOUNTED": "0" if mounted else "1",
           "FSTAB": "0" if in_fstab else "1"}
    assert subprocess.run(["/bin/sh", "-c", script], env=env).returncode == expect


@pytest.mark.skipif(shutil.which("systemd-escape") is None, reason="systemd-escape missing")
def test_the_unmount_unit_name_is_one_polkit_lets_the_app_stop():
    name = subprocess.run(["systemd-escape", "--path", "--suffix=mount", "/media/smartdowel/sda1"],
                          capture_output=True, text=True, check=True).stdout.strip()
    pattern = re.search(r"/(\^media-smartdowel-.*\$)/\.test", POLKIT_RULE.read_text()).group(1)
    assert re.fullmatch(pattern, name), (pattern, name)


POLKIT_HARNESS = """
const fs = require('fs');
const rules = [];
const polkit = {Result: {YES: 'yes', NO: 'no', NOT_HANDLED: 'not_handled'},
                addRule: f => rules.push(f)};
eval(fs.readFileSync(process.argv[2], 'utf8'));
const cases = JSON.parse(process.argv[3]);
console.log(JSON.stringify(cases.map(([user, id, details]) => {
  const action = {id: id, lookup: k => details[k]};
  for (const rule of rules) {
    const r = rule(action, {user: user});
    if (r !== polkit.Result.NOT_HANDLED) return r;
  }
  return 'not_handled';
})));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node missing: cannot run the polkit rule")
def test_polkit_grants_power_off_and_own_unmounts_only(tmp_path: Path):
    cases = [
        ["smartdowel", "org.freedesktop.login1.power-off", {}],
        ["smartdowel", "org.freedesktop.login1.power-off-multiple-sessions", {}],
        ["smartdowel", "org.freedesktop.systemd1.manage-units",
         {"unit": "media-smartdowel-sda1.mount", "verb": "stop"}],
        ["smartdowel", "org.freedesktop.login1.reboot", {}],
        ["smartdowel", "org.freedesktop.systemd1.manage-units",
         {"unit": "media-smartdowel-sda1.mount", "verb": "start"}],
        ["smartdowel", "org.freedesktop.systemd1.manage-units", {"unit": "ssh.service", "verb": "stop"}],
        ["smartdowel", "org.freedesktop.systemd1.manage-units", {"unit": "boot-firmware.mount", "verb": "stop"}],
        ["pi", "org.freedesktop.login1.power-off", {}],
    ]
    harness = tmp_path / "harness.js"
    harness.write_text(POLKIT_HARNESS)
    r = subprocess.run(["node", str(harness), str(POLKIT_RULE), json.dumps(cases)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == ["yes", "yes", "yes"] + ["not_handled"] * 5


def test_power_off_command_is_the_one_polkit_is_for():
    from drivers.power import LOGIND_POWEROFF
    assert LOGIND_POWEROFF[2] == "org.freedesktop.login1" and "PowerOff" in LOGIND_POWEROFF
    assert "org.freedesktop.login1.power-off" in POLKIT_RULE.read_text()


def test_modules_file_loads_i2c_dev():
    lines = [line for line in (SYSTEMD / "smartdowel-modules.conf").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == ["i2c-dev"]


def test_units_are_plain_ascii_without_tabs():
    for path in (SERVICE, USB_UNIT, UDEV_RULE, POLKIT_RULE, STICK_ROOT, SYSTEMD / "smartdowel-demo.conf"):
        text = path.read_text(encoding="ascii")
        assert "\t" not in text and text.endswith("\n"), path.name
        assert os.stat(path).st_size < 16_000
