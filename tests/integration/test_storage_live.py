"""The live appliance and what it keeps: sticks wait for the last set and queue, power-off waits for
the export, History never holds the main loop and lists the chosen athlete's sets only, an idle set
ends, and the boot check and the store's findings are said as what they are."""
from __future__ import annotations

import os
import queue
import random
import threading
import time
import tracemalloc


from support.signals import make_samples, with_placement
from device.app.appliance import Appliance
from device.app.config import parse_config
from device.app.hardware import build_sim
from device.app.live import LiveLoop
from device.core.cues import CuePolicy
from device.core.detector import Detector
from device.core.patterns import DEFAULT_PATTERNS
from device.core.signal import SignalChain
from device.store.history import athlete_sets
from device.store.prefs import ATHLETE_KEY, save_pref
from device.store.store import Store
from device.view.commands import EndSet, LoadHistory
from support.output import Lines
from support.stores import build_store, fill_sets


def _box(tmp_path, extra: str = "") -> tuple[Appliance, Lines, str]:
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    mounts = tmp_path / "mounts"
    mounts.write_text("")
    cfg = parse_config(f"[data]\nusb_roots = ['{media}']\nmounts_file = '{mounts}'\n{extra}", "test")
    out = Lines()
    return Appliance(cfg, build_sim(cfg, "manual", seed=4), out=out), out, str(mounts)


def _stick(tmp_path, name: str) -> str:
    path = tmp_path / "media" / name
    path.mkdir(parents=True)
    return f"/dev/sd{name[-1].lower()}1 {path} vfat rw,nosuid,nodev,noexec 0 0\n"


def _settled(out: Lines) -> None:
    """The box is up and its store open (said by a storage line; older builds opened it first)."""
    out.wait("started")
    deadline = time.monotonic() + 5
    while not out.events("storage") and time.monotonic() < deadline:
        time.sleep(0.02)


def _in_background(app: Appliance, scenario) -> threading.Thread:
    """Run `scenario()` beside the main loop; the loop stops when it returns (or raises)."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            scenario()
        except BaseException as exc:  # pragma: no cover - shown by the test
            failed.append(exc)
        finally:
            app.stop("scenario done")
    thread = threading.Thread(target=run, daemon=True)
    thread.failed = failed  # type: ignore[attr-defined]
    thread.start()
    return thread


def _run(app: Appliance, scenario, limit: float = 60.0) -> None:
    thread = _in_background(app, scenario)
    app.run(duration=limit)
    thread.join(5)
    if thread.failed:  # type: ignore[attr-defined]
        raise thread.failed[0]  # type: ignore[attr-defined]


def test_a_stick_plugged_right_after_a_set_on_a_slow_card_gets_that_set(tmp_path, monkeypatch):
    """Failure 8: on a slow card (here 1.5 s an fsync) ending a set takes seconds, and a stick
    plugged right after it got everything but that set. The stick now waits on a barrier."""
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        time.sleep(1.5)
        real_fsync(fd)
    app, out, mounts = _box(tmp_path)
    line = _stick(tmp_path, "STICK")

    def scenario() -> None:
        out.wait("ready")
        app.hw.dowel.lift("sacrum", True)  # a loss: a set worth keeping
        time.sleep(0.8)
        app.hw.dowel.lift("sacrum", False)
        time.sleep(0.4)
        monkeypatch.setattr(os, "fsync", slow_fsync)
        app.submit(EndSet())
        out.wait("set_ended")
        time.sleep(0.2)
        with open(mounts, "w") as fh:
            fh.write(line)
        out.wait("export", timeout=45)
    _run(app, scenario)
    export = out.events("export")[0]
    assert export["ok"], export
    folders = [p for p in (tmp_path / "media" / "STICK").iterdir() if p.name.startswith("smartdowel-export-")]
    assert len(folders) == 1, export
    rows = (folders[0] / "sets.csv").read_text().splitlines()
    assert len(rows) == 2  # the header and the set that had just ended


def test_a_second_stick_is_queued_and_told_and_then_written(tmp_path):
    """Failure 8: a second stick plugged while the first was written was silently ignored."""
    with build_store(os.environ["SMARTDOWEL_DATA"], sets=3):
        pass
    app, out, mounts = _box(tmp_path)
    both = _stick(tmp_path, "STICKA") + _stick(tmp_path, "STICKB")

    def scenario() -> None:
        _settled(out)
        with open(mounts, "w") as fh:
            fh.write(both)
        out.wait("usb_queued")
        deadline = time.monotonic() + 60
        while len(out.events("export")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    _run(app, scenario)
    exports = out.events("export")
    assert len(exports) == 2 and all(e["ok"] for e in exports), exports
    queued = out.events("usb_queued")
    assert len(queued) == 1 and queued[0]["mountpoint"].endswith("STICKB")
    first = [p for p in (tmp_path / "media" / "STICKA").iterdir() if p.name.startswith("smartdowel-export-")]
    assert len(first) == 1 and not first[0].name.endswith(".partial")
    assert "nothing new" in exports[1]["message"] or "exported" in exports[1]["message"]


def test_power_off_while_an_export_writes_waits_for_it_and_says_so(tmp_path):
    """Failure 9: holding B during an export powered off while the screen said "Do not remove
    the stick", leaving a .partial folder."""
    with build_store(os.environ["SMARTDOWEL_DATA"], sets=6):
        pass
    app, out, mounts = _box(tmp_path)
    line = _stick(tmp_path, "STICK")
    notices: list[str] = []

    def scenario() -> None:
        _settled(out)
        with open(mounts, "w") as fh:
            fh.write(line)
        out.wait("usb")
        app.press("b_long")
        time.sleep(0.3)
        notices.append(app.view.build().notice)
        out.wait("power_off_requested", timeout=60)
    _run(app, scenario)
    kinds = [e["type"] for e in out.events()]
    assert kinds.index("power_off_deferred") < kinds.index("export") < kinds.index("power_off_requested")
    assert out.events("export")[0]["ok"] and app.exit_reason == "power off"
    assert "Powering off when the export is done" in notices[0]
    names = [p.name for p in (tmp_path / "media" / "STICK").iterdir()]
    assert names and not [n for n in names if n.endswith(".partial")], names


def test_history_of_50000_sets_never_holds_the_main_loop(tmp_path, monkeypatch):
    """Failure 10: opening History on a store of 50,000 sets blocked the main loop for 0.5-1.3 s
    (the sampler's interval reached 139 ms). A page is now read on a worker thread."""
    data = os.environ["SMARTDOWEL_DATA"]
    with Store.open(data) as store:
        fill_sets(store, 50_000, 1, random.Random(1), reps=8)
        athlete = store.conn.execute("SELECT id FROM athletes WHERE name = 'Athlete 001'").fetchone()[0]
        save_pref(store, ATHLETE_KEY, athlete)
        tracemalloc.start()
        page = athlete_sets(store, athlete)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert len(page) == 20 and peak < 1_000_000, f"a page of 20 rows took {peak / 1e6:.1f} MB"  # was 49 MB
    app, out, _ = _box(tmp_path)
    steps: list[float] = []
    real_step = app.step

    def timed_step(timeout: float = 0.0) -> None:
        start = time.perf_counter()
        real_step(timeout)
        steps.append(time.perf_counter() - start - (timeout if not steps else 0.0))
    shown: list[float] = []

    def scenario() -> None:
        time.sleep(1.5)  # the store is open (and the athlete chosen) by now
        steps.clear()
        asked = time.monotonic()
        app.submit(LoadHistory())
        deadline = asked + 20
        while not app.view.build().history and time.monotonic() < deadline:
            time.sleep(0.01)
        shown.append(time.monotonic() - asked)
        time.sleep(0.2)
    monkeypatch.setattr(app, "step", lambda timeout=0.0: _busy_part(real_step, timeout, steps))
    _run(app, scenario)
    assert shown and shown[0] < 2.0 and len(app.view.build().history) == 20
    assert max(steps) < 0.1, f"a turn of the main loop took {max(steps):.3f} s"


def _busy_part(step, timeout: float, steps: list[float]) -> None:
    """One turn of the main loop, timed without its wait for events (it waits up to `timeout`)."""
    start = time.perf_counter()
    step(0.0)
    steps.append(time.perf_counter() - start)
    time.sleep(timeout)


def test_a_dowel_left_on_a_rack_ends_its_set_as_idle():
    """Failure 10: a dowel left leaning on a rack started an hour-long 0-rep set. With nothing
    happening for `[sets] idle_end_s` the set ends by itself, reason "idle"."""
    from device.core.idle import IdleConfig, IdleWatch
    out: queue.Queue = queue.Queue()
    live = LiveLoop(Detector(SignalChain()), CuePolicy(), DEFAULT_PATTERNS, None, out,
                    idle=IdleWatch(IdleConfig(idle_end_s=5.0)))
    for s in make_samples(with_placement({}), 12.0):
        live.on_sample(s)
    events = [out.get_nowait().to_dict() for _ in range(out.qsize())]
    ended = [e for e in events if e["type"] == "set_ended"]
    ready = next(e for e in events if e["type"] == "ready")
    assert len(ended) == 1 and ended[0]["reason"] == "idle"
    assert 5.0 <= ended[0]["t"] - ready["t"] < 5.5


def test_a_set_with_reps_is_not_idle():
    from device.core.idle import IdleConfig, IdleWatch
    from support.signals import steady
    out: queue.Queue = queue.Queue()
    live = LiveLoop(Detector(SignalChain()), CuePolicy(), DEFAULT_PATTERNS, None, out,
                    idle=IdleWatch(IdleConfig(idle_end_s=5.0)))
    hinge = lambda t: 3.0 + (50.0 if int(t) % 4 in (1, 2) and t > 3 else 0.0)  # noqa: E731
    for s in make_samples(with_placement({"head": steady}), 16.0, pitch=hinge):
        live.on_sample(s)
    assert not [e for e in iter(lambda: out.get_nowait() if out.qsize() else None, None)
                if e.TYPE == "set_ended"]


def test_the_boot_check_says_the_clock_and_the_data_folder_as_what_they_are(tmp_path, monkeypatch):
    """Failure 10: the boot check worded a storage or clock problem as a sensor fault ("Check a
    sensor - data_dir - Not answering - Reseat the dowel's cable")."""
    from device.app import checks
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("SMARTDOWEL_DATA", str(tmp_path / "file" / "data"))
    monkeypatch.setattr(checks, "package_time", lambda: time.time() + 10 * 86400)  # the clock is behind
    app, out, _ = _box(tmp_path)

    def scenario() -> None:
        out.wait("storage", state="not_recording")
        time.sleep(0.2)
    _run(app, scenario)
    assert out.events("sensor_fault") == []
    assert [e["reason"] for e in out.events("clock")] == ["clock_behind"]
    assert out.events("storage")[0]["reason"] == "cannot_open"
    vm = app.view.build()
    assert vm.screen != "fault" and vm.storage is not None and "clock" in vm.notice.lower()


def test_a_damaged_journal_found_at_start_is_an_event_and_on_the_screen(tmp_path):
    """Nothing abandoned, nothing silent: what the store's opening found (here a damaged journal)
    was only a line on stderr; it is a storage event and a notice on the screen."""
    from device.store.connection import DB_NAME
    data = os.environ["SMARTDOWEL_DATA"]
    with build_store(data, sets=2) as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")
        store.add_athlete("Sam")
        wal = open(os.path.join(data, DB_NAME + "-wal"), "rb").read()
        # a copy of the files as a power cut would leave them, then one frame garbled
        copy = tmp_path / "card"
        copy.mkdir()
        for suffix in ("", "-wal"):
            (copy / (DB_NAME + suffix)).write_bytes(open(os.path.join(data, DB_NAME + suffix), "rb").read())
    garbled = bytearray(wal)
    garbled[32 + 24 + 100] ^= 0xFF  # inside the first frame's page: its checksum fails
    (copy / (DB_NAME + "-wal")).write_bytes(bytes(garbled))
    app, out, _ = _box(tmp_path, extra=f"dir = '{copy}'\n")

    def scenario() -> None:
        out.wait("storage", reason="journal_damaged")
        time.sleep(0.2)
    _run(app, scenario)
    found = out.events("storage")
    assert [(e["state"], e["reason"]) for e in found][:2] == [("recording", ""), ("recording", "journal_damaged")]
    assert "journal" in app.view.build().notice.lower()


def test_history_lists_only_the_chosen_athletes_sets(tmp_path):
    """Finding 2: History listed every set on the box, whoever did them. Two athletes' sets
    interleaved in one store: each one's History (a page read off the main loop, and the store's
    pages walked newest first) has only theirs, numbered as theirs."""
    from device.store.history import athlete_sets
    from device.view.commands import AddAthlete, PickAthlete
    from support.simbox import SimBox, WallClock, at
    box = SimBox(str(tmp_path), WallClock(at(0)))
    try:
        for name in ("Ana", "Ben"):
            box.app.submit(AddAthlete(name))
        for name in ("Ana", "Ben", "Ana", "Ben", "Ana"):
            box.app.submit(PickAthlete(name))
            box.app.step(0)
            box.set()
        shown = {}
        for name in ("Ana", "Ben"):
            box.app.submit(PickAthlete(name))
            box.app.submit(LoadHistory())
            box.app.step(0)
            deadline = time.monotonic() + 10
            while box.app.view.build().history_loading and time.monotonic() < deadline:
                box.app.step(0.02)
            vm = box.app.view.build()
            assert vm.athlete == name and not vm.history_loading
            shown[name] = [(h["athlete"], h["number"]) for h in vm.history]
        store = box.app.storage.store
        ana = next(a.id for a in store.athletes() if a.name == "Ana")
        first = athlete_sets(store, ana, limit=2)
        older = athlete_sets(store, ana, limit=2, before=first[-1]["set_id"])
    finally:
        box.close()
    assert shown == {"Ana": [("Ana", 3), ("Ana", 2), ("Ana", 1)], "Ben": [("Ben", 2), ("Ben", 1)]}
    assert [(h["athlete"], h["number"]) for h in first + older] == shown["Ana"]
