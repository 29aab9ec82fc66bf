"""One owner: a data folder and the I2C bus each belong to one smartdowel process at a time."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from support.repo import REPO
from device.store.lock import LOCK_NAME, DataLock, LockHeld, claim_device

HOLD = """
import sys, time
from device.store.lock import DataLock, claim_device
kind, path = sys.argv[1], sys.argv[2]
held = DataLock.acquire(path, "smartdowel run") if kind == "data" else claim_device(path, "the I2C bus")
print("held", flush=True)
time.sleep(60)
"""


def holder(kind: str, path: str) -> subprocess.Popen:
    """Another process holding the folder or the device node until it is killed."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, kind, path], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def test_a_second_process_is_refused_and_told_who_holds_the_folder(tmp_path):
    other = holder("data", str(tmp_path))
    try:
        with pytest.raises(LockHeld) as err:
            DataLock.acquire(str(tmp_path))
        assert f"pid {other.pid}" in str(err.value) and "smartdowel run" in str(err.value)
    finally:
        other.kill()
        other.wait()
    DataLock.acquire(str(tmp_path)).release()  # killed (as by a power cut): the lock went with it


def test_the_bus_is_claimed_once(tmp_path):
    node = tmp_path / "i2c-1"  # stands in for /dev/i2c-1: flock works the same on any file
    node.write_bytes(b"")
    other = holder("bus", str(node))
    try:
        with pytest.raises(LockHeld, match="the I2C bus .* is in use by another smartdowel process"):
            claim_device(str(node), "the I2C bus")
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait()
    fd = claim_device(str(node), "the I2C bus")
    assert fd >= 0
    os.close(fd)
    assert claim_device(str(tmp_path / "missing"), "the I2C bus") == -1  # no node: the driver says why


def test_selftest_beside_the_running_service_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    """`smartdowel selftest` on the real board while the service holds the bus: exit 2 and one
    line saying who to stop, before a single transfer (two processes on one bus interleave)."""
    from device.cli.main import main
    node = tmp_path / "i2c-1"
    node.write_bytes(b"")
    monkeypatch.setattr("device.app.hardware.I2C_DEVICE", str(tmp_path / "i2c-{bus}"))
    other = holder("bus", str(node))  # the service
    try:
        code = main(["selftest", "--hardware", "real", "--yes", "--headless"])
    finally:
        other.kill()
        other.wait()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "the I2C bus" in err[0] and "in use by another smartdowel process" in err[0] and "systemctl stop" in err[0]


def test_a_second_run_on_the_same_data_folder_exits_2_naming_the_first(tmp_path):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    run = [sys.executable, "-m", "device.cli", "run", "--hardware", "sim", "--headless", "--scenario", "manual",
           "--data", str(tmp_path)]
    first = subprocess.Popen(run + ["--duration", "30"], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None
        assert '"started"' in first.stdout.readline()  # the first holds the folder by now
        second = subprocess.run(run + ["--duration", "1"], cwd=REPO, env=env, capture_output=True, text=True,
                                timeout=30)
        assert second.returncode == 2, second.stderr
        assert f"pid {first.pid}" in second.stderr and "sudo systemctl stop smartdowel" in second.stderr
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=20)
    assert (tmp_path / LOCK_NAME).exists()
