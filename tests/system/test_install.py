"""systemd/install.sh: --root puts every file where the Pi expects it, twice changes nothing,
--dry-run touches nothing, config.txt gets its I2C line and its 400 kHz line exactly once."""
from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.repo import REPO

SCRIPT = REPO / "systemd" / "install.sh"
PI_CONFIG_TXT = """\
# For more options and information see
# http://rptl.io/configtxt
# Uncomment some or all of these to enable the optional hardware interfaces
#dtparam=i2c_arm=on
#dtparam=i2s=on
#dtparam=spi=on

# Automatically load overlays for detected DSI displays
display_auto_detect=1
dtoverlay=vc4-kms-v3d
max_framebuffers=2

[cm4]
otg_mode=1

[all]
"""
PLACED = {  # where each source file lands, relative to the root
    "systemd/smartdowel.service": "etc/systemd/system/smartdowel.service",
    "systemd/smartdowel-usb@.service": "etc/systemd/system/smartdowel-usb@.service",
    "systemd/media-smartdowel.mount": "etc/systemd/system/media-smartdowel.mount",
    "systemd/99-smartdowel-usb.rules": "etc/udev/rules.d/99-smartdowel-usb.rules",
    "systemd/50-smartdowel.rules": "etc/polkit-1/rules.d/50-smartdowel.rules",
    "systemd/smartdowel-modules.conf": "etc/modules-load.d/smartdowel.conf",
    "README.md": "opt/smartdowel/README.md",
}


def install(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def snapshot(root: Path) -> dict[str, tuple[int, str, int]]:
    """Every file and directory under root: mode, content hash, mtime (ns)."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[str(path.relative_to(root))] = (st.st_mode, digest, st.st_mtime_ns)
    return out


BAUD_LINE = "dtparam=i2c_arm_baudrate=400000"


def active_i2c_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith("dtparam=i2c_arm=")]


def without_baud(text: str) -> str:
    """config.txt as the I2C-enabling step alone would leave it (the 400 kHz line taken out)."""
    return text.replace(BAUD_LINE + "\n", "", 1)


@pytest.fixture
def pi_root(tmp_path: Path) -> Path:
    """An empty root with Raspberry Pi OS Bookworm's stock config.txt."""
    (tmp_path / "boot" / "firmware").mkdir(parents=True)
    (tmp_path / "boot" / "firmware" / "config.txt").write_text(PI_CONFIG_TXT)
    return tmp_path


def test_root_install_places_every_file(pi_root: Path):
    r = install("--root", str(pi_root))
    assert r.returncode == 0, r.stderr
    for source, target in PLACED.items():
        placed = pi_root / target
        assert placed.read_bytes() == (REPO / source).read_bytes(), target
        assert placed.stat().st_mode & 0o777 == 0o644, target
    assert not (pi_root / "etc" / "systemd" / "system" / "smartdowel.service.d").exists()  # not a demo box


def test_root_install_runs_nothing_on_the_host(pi_root: Path):
    out = install("--root", str(pi_root)).stdout
    for command in ("apt-get install", "useradd --system", "usermod --append --groups",
                    "-m venv --clear --system-site-packages", "-m pip install"):
        lines = [line for line in out.splitlines() if command in line]
        assert lines, f"{command!r} not printed"
        assert all(line.strip().startswith("[not run: --root]") for line in lines), lines
    # no running systemd under --root: nothing to reload or restart
    steps = out.split("\ndone")[0]  # the closing advice names `systemctl start`
    for command in ("daemon-reload", "udevadm", "systemctl restart", "systemctl start"):
        assert command not in steps, command
    assert "the service starts at first boot" in out
    venv = f"{pi_root}/opt/smartdowel/venv"
    assert f"-m venv --clear --system-site-packages {venv}" in out
    assert not (pi_root / "opt" / "smartdowel" / "venv").exists()


def test_second_run_changes_nothing(pi_root: Path):
    assert install("--root", str(pi_root)).returncode == 0
    before = snapshot(pi_root)
    second = install("--root", str(pi_root))
    assert second.returncode == 0, second.stderr
    assert snapshot(pi_root) == before
    changes = [line for line in second.stdout.splitlines() if line.startswith("  + ")]
    assert changes == []
    assert "= dtparam=i2c_arm=on already set" in second.stdout


def test_config_txt_line_uncommented_once_with_a_backup(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    install("--root", str(pi_root))
    install("--root", str(pi_root))
    text = conf.read_text()
    assert active_i2c_lines(text) == ["dtparam=i2c_arm=on"]
    assert "#dtparam=i2c_arm=on" not in text
    assert without_baud(text).replace("dtparam=i2c_arm=on", "#dtparam=i2c_arm=on", 1) == PI_CONFIG_TXT
    assert (conf.parent / "config.txt.smartdowel-backup").read_text() == PI_CONFIG_TXT


def test_config_txt_without_the_line_gets_it_appended_under_all(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    conf.write_text("dtoverlay=vc4-kms-v3d\n[cm5]\ndtoverlay=dwc2,dr_mode=host\n")
    install("--root", str(pi_root))
    install("--root", str(pi_root))
    text = conf.read_text()
    assert active_i2c_lines(text) == ["dtparam=i2c_arm=on"]
    assert text.endswith(f"\n[all]\ndtparam=i2c_arm=on\n{BAUD_LINE}\n")


def test_config_txt_already_enabled_with_a_baud_rate_is_left_alone(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    conf.write_text("dtparam=i2c_arm=on,i2c_arm_baudrate=400000\n")
    out = install("--root", str(pi_root)).stdout
    assert conf.read_text() == "dtparam=i2c_arm=on,i2c_arm_baudrate=400000\n"
    assert not (conf.parent / "config.txt.smartdowel-backup").exists()
    assert "already set" in out


def test_i2c_bus_set_to_400_khz_once_under_all(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    first = install("--root", str(pi_root))
    assert f"+ append {BAUD_LINE} under [all]" in first.stdout
    install("--root", str(pi_root))
    text = conf.read_text()
    assert text.count("i2c_arm_baudrate") == 1
    assert text.endswith(f"[all]\n{BAUD_LINE}\n")  # the stock file ends in [all]: no second one
    assert "= i2c_arm_baudrate=400000 already set" in install("--root", str(pi_root)).stdout


def test_a_baud_rate_set_by_hand_is_left_alone_and_said(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    conf.write_text("dtparam=i2c_arm=on\n[all]\ndtparam=i2c_arm_baudrate=100000\n")
    out = install("--root", str(pi_root)).stdout
    assert conf.read_text() == "dtparam=i2c_arm=on\n[all]\ndtparam=i2c_arm_baudrate=100000\n"
    assert "i2c_arm_baudrate=100000 set by hand: left as it is" in out


def test_baud_line_after_another_section_opens_all(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    conf.write_text("dtparam=i2c_arm=on\n[pi4]\narm_boost=1")  # no newline at the end
    install("--root", str(pi_root))
    assert conf.read_text() == f"dtparam=i2c_arm=on\n[pi4]\narm_boost=1\n\n[all]\n{BAUD_LINE}\n"


def test_no_config_txt_is_reported_not_created(tmp_path: Path):
    r = install("--root", str(tmp_path))
    assert r.returncode == 0
    assert "config.txt not found" in r.stdout
    assert not (tmp_path / "boot").exists()


def test_dry_run_touches_nothing(pi_root: Path):
    before = snapshot(pi_root)
    r = install("--dry-run", "--root", str(pi_root))
    assert r.returncode == 0, r.stderr
    assert snapshot(pi_root) == before
    assert not [line for line in r.stdout.splitlines() if line.startswith("  + ")]
    for target in PLACED.values():
        assert f"{pi_root}/{target}" in r.stdout, f"{target} not shown"
    assert "[dry run] sed -i" in r.stdout


def test_dry_run_on_this_machine_prints_every_step(tmp_path: Path):
    if Path("/opt/smartdowel").exists():
        pytest.skip("/opt/smartdowel exists here: cannot tell whether a dry run touched it")
    r = install("--dry-run")
    assert r.returncode == 0, r.stderr
    for step in ("== apt packages", "== user smartdowel", "== venv", "== units", "== I2C in",
                 "== I2C at 400000 Hz", "== systemd"):
        assert step in r.stdout
    assert "[dry run] install -D -m 644" in r.stdout
    assert not Path("/opt/smartdowel").exists()


def test_bad_options_are_refused(tmp_path: Path):
    r = install("--frobnicate")
    assert r.returncode == 2 and "unknown option --frobnicate" in r.stderr
    r = install("--root", str(tmp_path / "missing"))
    assert r.returncode == 2 and "not a directory" in r.stderr


def test_help_describes_the_modes():
    out = install("--help").stdout
    assert "--dry-run" in out and "--root DIR" in out and "--demo" in out


# --------------------------------------------------------------------------- images and demo boxes

WANTS = "etc/systemd/system/multi-user.target.wants/smartdowel.service"
DROPIN = "etc/systemd/system/smartdowel.service.d/demo.conf"
needs_systemctl = pytest.mark.skipif(shutil.which("systemctl") is None,
                                     reason="systemctl missing: cannot enable units offline (apt-get install systemd)")


@needs_systemctl
def test_root_install_enables_the_service_offline(pi_root: Path):
    """As an image builder needs: the unit enabled in DIR with no systemd running, no reloads."""
    out = install("--root", str(pi_root)).stdout
    link = pi_root / WANTS
    assert link.is_symlink() and os.readlink(link) == "/etc/systemd/system/smartdowel.service"
    assert f"systemctl --root={pi_root} enable smartdowel.service" in out
    assert "= smartdowel.service enabled" in install("--root", str(pi_root)).stdout


def test_demo_box_runs_the_same_unit_on_the_simulated_dowel(pi_root: Path):
    conf = pi_root / "boot" / "firmware" / "config.txt"
    r = install("--demo", "--root", str(pi_root))
    assert r.returncode == 0, r.stderr
    dropin = pi_root / DROPIN
    assert dropin.read_bytes() == (REPO / "systemd" / "smartdowel-demo.conf").read_bytes()
    assert conf.read_text() == PI_CONFIG_TXT  # the simulator needs no I2C bus
    assert "demo box" in r.stdout
    assert install("--root", str(pi_root)).returncode == 0  # the real board again: the drop-in goes
    assert not dropin.exists() and active_i2c_lines(conf.read_text()) == ["dtparam=i2c_arm=on"]


def test_demo_dropin_replaces_only_the_hardware_choice():
    unit = re.search(r"^ExecStart=(.*)$", (REPO / "systemd" / "smartdowel.service").read_text(), re.M).group(1)
    starts = re.findall(r"^ExecStart=(.*)$", (REPO / "systemd" / "smartdowel-demo.conf").read_text(), re.M)
    assert starts == ["", unit.replace("--hardware real", "--hardware sim")]


def test_every_failure_line_says_what_to_do():
    """Each step that can fail ends in one line naming what failed and what to do next."""
    script = SCRIPT.read_text()
    lines = re.findall(r'failed "([^"]*)"', script)
    assert len(lines) >= 8
    for line in lines:
        assert re.search(r"run this script again|when run again|run: sudo", line), line
    assert "PIP_FIND_LINKS" in next(line for line in lines if line.startswith("pip could not install"))


def test_unit_starts_what_the_script_installs():
    """ExecStart is the console script pip puts in the venv the script makes."""
    script = SCRIPT.read_text()
    prefix = re.search(r"^PREFIX=(\S+)$", script, re.M).group(1)
    venv = re.search(r"^VENV=(\S+)$", script, re.M).group(1).replace("$PREFIX", prefix)
    unit = (REPO / "systemd" / "smartdowel.service").read_text()
    exec_start = re.search(r"^ExecStart=(\S+) run\b", unit, re.M).group(1)
    assert exec_start == f"{venv}/bin/smartdowel"
    setup = ast.parse((REPO / "setup.py").read_text())
    scripts = [ast.literal_eval(node) for node in ast.walk(setup) if isinstance(node, ast.Dict)
               and any(isinstance(k, ast.Constant) and k.value == "console_scripts" for k in node.keys)]
    assert any(s.startswith("smartdowel=") for d in scripts for s in d["console_scripts"])


def test_service_user_and_groups_match_the_unit():
    script = SCRIPT.read_text()
    unit = (REPO / "systemd" / "smartdowel.service").read_text()
    groups = re.search(r"^SERVICE_GROUPS=\(([^)]*)\)", script, re.M).group(1).split()
    assert re.search(r"^SupplementaryGroups=(.*)$", unit, re.M).group(1).split() == groups
    assert re.search(r"^SERVICE_USER=(\S+)$", script, re.M).group(1) == "smartdowel"
    assert "User=smartdowel" in unit.splitlines()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_is_clean():
    r = subprocess.run(["shellcheck", "--severity=style", str(SCRIPT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_script_is_executable():
    assert os.access(SCRIPT, os.X_OK)
