"""The running box on a card that is full, read-only, of mode 000 or refuses writes mid-run: it
starts, cues, says what is wrong (a `storage` event, the banner) and records again by itself.

Each runs `smartdowel run` on the simulated dowel in a child process: on a
small tmpfs of its own (a full card), under a read-only bind mount, without
the root's right to ignore file modes, or with the card shim
(tests/support/cardfaults.py). On the code before this work every one of them
ended with a traceback: the store was opened before the sampler, or the
stick's athletes were added on the main loop, unguarded.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from support.repo import REPO
from device.store.connection import DB_NAME
from support.cardfaults import card_shim, private_tmpfs
from support.filesystems import can_mount
from support.liverun import LiveBox
from support.stores import build_store, read_only_card


def _storage(box: LiveBox) -> list[tuple[str, str]]:
    return [(e["state"], e["reason"]) for e in box.events("storage")]


def _cued(box: LiveBox) -> bool:
    """The set became ready and the ready cue was played (cues need no storage)."""
    return any(e.get("cue") for e in box.events("ready"))


def _shimmed_box_with_a_stick_folder(tmp_path):
    """(data folder, the stick's folder (not yet in the mounts file), mounts file, config, the card
    shim over the data folder); skipped without gcc."""
    data, media, mounts = tmp_path / "data", tmp_path / "media", tmp_path / "mounts"
    stick = media / "STICK"
    stick.mkdir(parents=True)
    mounts.write_text("")
    config = tmp_path / "config.toml"
    config.write_text(f"[data]\nusb_roots = ['{media}']\nmounts_file = '{mounts}'\n")
    shim = card_shim(tmp_path / "shim", str(data))
    if shim is None:
        pytest.skip("the card shim needs gcc")
    return data, stick, mounts, config, shim


def _clean_exit(box: LiveBox) -> None:
    code = box.finish()
    err = box.stderr()
    assert code == 0 and "Traceback" not in err, err[-3000:]
    stopped = box.events("stopped")
    assert stopped and stopped[0]["samples"] > 300


def test_a_read_only_card_at_start_cues_and_says_it_is_not_saving(tmp_path):
    data = tmp_path / "data"
    prefix = read_only_card(data, sets=2)
    try:
        box = LiveBox(str(data), seconds=7, prefix=prefix)
        box.wait_for(lambda e: e.get("type") == "storage" and e["state"] == "not_recording")
        box.wait_for(lambda e: e.get("type") == "ready")
        _clean_exit(box)
    finally:
        data.chmod(0o755)
    assert _storage(box)[0] == ("not_recording", "read_only") and _cued(box)


@pytest.mark.parametrize("what", ["database", "folder"])
def test_a_data_folder_or_database_of_mode_000_cues_and_says_so(tmp_path, what):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root (to drop the right to ignore file modes) and setpriv")
    data = tmp_path / "data"
    data.mkdir()
    with build_store(str(data), sets=1):
        pass
    target = data / DB_NAME if what == "database" else data
    target.chmod(0o000)
    try:
        box = LiveBox(str(data), seconds=6,
                      prefix=["setpriv", "--bounding-set=-dac_override,-dac_read_search"])
        box.wait_for(lambda e: e.get("type") == "ready")
        _clean_exit(box)
    finally:
        target.chmod(0o755 if what == "folder" else 0o644)
    assert _storage(box)[0] == ("not_recording", "no_permission") and _cued(box)


def test_a_full_card_at_start_records_by_itself_once_space_returns(tmp_path):
    """Failure 1: a full card kept the box from starting (a crash loop, no cues). Now it cues at
    once, says the card is full, and records the set in progress when space returns."""
    card, kept = tmp_path / "card", tmp_path / "kept"
    card.mkdir()
    kept.mkdir()
    if not can_mount():
        pytest.skip("mounting a small file system needs root with mount namespaces")
    fill = (f"{sys.executable} -c 'import sys; sys.path[:0] = [\"{REPO / 'tests'}\"]; "
            f"from support.cardfaults import Ballast; Ballast(\"{card}/ballast\").fill()'")
    script = (f'mount -t tmpfs -o size=1536k smartdowel-card "{card}" && {fill} && "$@"; rc=$?; '
              f'cp -a "{card}/data/." "{kept}/"; exit $rc')
    box = LiveBox(str(card / "data"), seconds=16, prefix=["unshare", "-m", "sh", "-c", script, "sh"])
    box.wait_for(lambda e: e.get("type") == "storage" and e["state"] == "not_recording")
    box.wait_for(lambda e: e.get("type") == "ready")
    subprocess.run(["nsenter", "-t", str(box.p.pid), "-m", "rm", "-f", str(card / "ballast")], check=True)
    box.wait_for(lambda e: e.get("type") == "storage" and e["state"] == "recording", timeout=10)
    _clean_exit(box)
    assert _storage(box)[0] == ("not_recording", "full") and _cued(box)
    reps = len(box.events("rep_completed"))
    with build_store_reader(kept) as conn:
        sets = conn.execute("SELECT id, end_reason FROM sets").fetchall()
        assert len(sets) == 1 and conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == reps >= 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def build_store_reader(folder):
    import sqlite3
    conn = sqlite3.connect(f"file:{folder / DB_NAME}?mode=ro", uri=True)
    return conn


def test_athletes_on_a_stick_while_the_card_refuses_writes_are_said_not_a_crash(tmp_path):
    """Failure 2: a stick with athletes.csv while the database could not be written crashed the
    app mid-set (and again at every restart while the stick stayed in)."""
    data, stick, mounts, config, shim = _shimmed_box_with_a_stick_folder(tmp_path)
    (stick / "athletes.csv").write_text("name\nAlex\nSam\n")
    box = LiveBox(str(data), seconds=9, env=shim.env(), config=str(config))
    box.wait_for(lambda e: e.get("type") == "ready")  # mid-set, the store long open
    shim.read_only()
    mounts.write_text(f"/dev/sda1 {stick} vfat rw,nosuid,nodev,noexec 0 0\n")
    box.wait_for(lambda e: e.get("type") == "usb")
    _clean_exit(box)
    said = [e["detail"] for e in box.events("warning")]
    assert any("Not saved (adding the stick's athletes)" in d for d in said), said
    assert ("not_recording", "read_only") in _storage(box)


def test_sessions_and_export_take_the_sets_off_a_full_card(tmp_path):
    """Failure 1: `sessions` and `export` on a full card said "disk I/O error"; the sets could not
    be taken off the box."""
    card, stick = tmp_path / "card", tmp_path / "stick"
    card.mkdir()
    stick.mkdir()
    prefix = private_tmpfs(card, 3072)
    if prefix is None:
        pytest.skip("mounting a small file system needs root with mount namespaces")
    script = f"""
import json, subprocess, sys
sys.path[:0] = ["{REPO / 'tests'}"]
from support.cardfaults import Ballast
from support.stores import build_store
with build_store("{card}/data", sets=3):
    pass
Ballast("{card}/ballast").fill()
cli = [sys.executable, "-m", "device.cli"]
out = {{}}
for name, args in (("sessions", ["sessions", "--json", "--data", "{card}/data"]),
                   ("export", ["export", "{stick}", "--data", "{card}/data"])):
    p = subprocess.run(cli + args, capture_output=True, text=True)
    out[name] = [p.returncode, p.stdout, p.stderr]
print(json.dumps(out))
"""
    p = subprocess.run([*prefix, sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                       env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["sessions"][0] == 0 and out["sessions"][1].count('"set_id"') == 3, out["sessions"]
    assert out["export"][0] == 0 and "exported 3 sets" in out["export"][1], out["export"]
    assert [d.name for d in stick.iterdir() if d.name.startswith("smartdowel-export-")]


def test_the_card_turning_read_only_mid_set_is_said_within_a_second_and_the_set_is_kept(tmp_path):
    """Failure 3 on the running box: cues go on, the fault is an event within a second, and the
    reps made meanwhile are saved once the card takes writes again."""
    data = tmp_path / "data"
    shim = card_shim(tmp_path / "shim", str(data))
    if shim is None:
        pytest.skip("the card shim needs gcc")
    import time
    box = LiveBox(str(data), seconds=35, env=shim.env())  # room for reps on a loaded machine
    box.wait_for(lambda e: e.get("type") == "rep_completed", timeout=40)
    shim.read_only()
    flipped = time.monotonic()
    said_at, _ = box.wait_for(lambda e: e.get("type") == "storage" and e["state"] == "not_recording")
    box.wait_for(lambda e: e.get("type") == "rep_completed" and e["rep"] >= 2, timeout=40)  # made while refused
    shim.clear()
    box.wait_for(lambda e: e.get("type") == "storage" and e["state"] == "recording" and "again" in e["detail"])
    _clean_exit(box)
    assert said_at - flipped < 1.0
    reps = [e["rep"] for e in box.events("rep_completed")]
    with build_store_reader(data) as conn:
        assert [r[0] for r in conn.execute("SELECT rep FROM reps ORDER BY rep")] == reps
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_stick_plugged_as_a_set_ends_on_a_slow_card_gets_that_set(tmp_path):
    """Failure 8 on a card that is slow for everything, SQLite's own syncs included (the shim
    adds 400 ms to every fsync under the data folder): a stick plugged the moment the set ends
    waits on the recorder's barrier and gets that set."""
    data, stick, mounts, config, shim = _shimmed_box_with_a_stick_folder(tmp_path)
    box = LiveBox(str(data), seconds=75, env=shim.env(), config=str(config))
    box.wait_for(lambda e: e.get("type") == "rep_completed", timeout=40)
    shim.slow_fsync(400)
    box.wait_for(lambda e: e.get("type") == "dowel_removed", timeout=60)
    mounts.write_text(f"/dev/sdz1 {stick} vfat rw,nosuid,nodev,noexec 0 0\n")  # at once
    _, export = box.wait_for(lambda e: e.get("type") == "export", timeout=60)
    shim.clear()
    shim.slow_fsync(0)
    _clean_exit(box)
    assert export["ok"], export
    assert box.events("export_waiting"), "the stick did not wait for the recorder"
    folders = [p for p in stick.iterdir() if p.name.startswith("smartdowel-export-")]
    rows = (folders[0] / "sets.csv").read_text().splitlines()
    assert len(folders) == 1 and len(rows) == 2, rows  # the header and the set that had just ended
