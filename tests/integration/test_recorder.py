"""The set recorder: what a set leaves in the store and on disk, whatever the order or the crash."""
from __future__ import annotations

import dataclasses
import gzip
import json
import os
import random
import signal
import sqlite3
import textwrap
import time

import pytest

from device.core.detector import Detector
from device.store.gztrace import PARTIAL, TraceFile, count_samples, finalize_partial, open_trace
from device.store.recorder import SetRecorder
from device.core.contacts import CONTACTS
from device.core.signal import Sample, SignalChain
from device.store.store import Store
from device.store.trace import TraceReader
from drivers.fake_ads1115 import FakeClock
from support.processes import start_script
from support.recording import fake_set
from support.repo import REPO
from support.signals import ev
from support.wakeups import measured
from support.waiting import wait_until
from drivers.sim import PRESETS, simulate

ROOT = str(REPO)


WALL = 1_700_000_000.0  # the recorder's wall clock in these tests: a FakeClock, moved by hand


@pytest.fixture(scope="module")
def simulated_set():
    """A realistic set from the simulated athlete, and the detector's events on it."""
    sc = dataclasses.replace(PRESETS["typical"], seed=7)
    rows, _ = simulate(sc)
    chain = SignalChain(pga_v=sc.pga_v, vcc_v=sc.vcc_v, divider_ohm=sc.divider_ohm, rate_hz=sc.rate_hz)
    samples = [Sample(*r) for r in rows]
    det = Detector(chain)
    events = [[e for e in det.feed(s)] for s in samples]  # events[i]: decided by sample i
    kinds = [e.TYPE for evs in events for e in evs]
    assert kinds.count("ready") == 1 and "dowel_removed" in kinds and "contact_lost" in kinds
    return chain, samples, events


def record(tmp_path, chain, samples, events, order: str = "live", stop_after: int | None = None):
    """Feed a recorder like the app does; `order='events_first'`: every event before the samples."""
    store = Store.open(str(tmp_path / "data"))
    rec = SetRecorder(store, chain, clock=FakeClock(WALL))
    n = len(samples) if stop_after is None else stop_after
    if order == "live":
        for s, evs in zip(samples[:n], events[:n]):
            rec.post_sample(s)
            for e in evs:
                rec.post_event(e)
    else:
        for evs in events[:n]:
            for e in evs:
                rec.post_event(e)
        for s in samples[:n]:
            rec.post_sample(s)
    rec.close()
    assert rec.errors == 0, rec.last_error
    return store


def flat(events):
    """The events as the objects of their lines (what the assertions read)."""
    return [e.to_dict() for evs in events for e in evs]


def test_a_set_is_recorded_as_the_detector_saw_it(tmp_path, simulated_set):
    chain, samples, events = simulated_set
    store = record(tmp_path, chain, samples, events)
    evs = flat(events)
    ready = next(e for e in evs if e["type"] == "ready")
    set_ = store.set_row(1)
    assert (set_["end_reason"], set_["number"]) == ("dowel_removed", 1)
    assert set_["trace_ready_s"] == 3.0 and set_["standing_deg"] == ready["standing_deg"]
    assert set_["baseline_sacrum_us"] == ready["baseline_us"]["sacrum"]
    removed = next(e for e in evs if e["type"] == "dowel_removed")
    assert set_["duration_s"] == round(removed["t"] - ready["t"], 3)
    assert set_["dips"] == sum(e["type"] == "rep_discarded" for e in evs)

    done = [e for e in evs if e["type"] == "rep_completed"]
    started = {e["rep"]: e["t"] for e in evs if e["type"] == "rep_started"}
    reps = store.reps_of(1)
    assert [r["rep"] for r in reps] == [e["rep"] for e in done] and len(reps) == removed["reps"]
    for r, e in zip(reps, done):
        assert (r["depth_deg"], r["duration_s"], r["descent_s"], r["bottom_s"], r["ascent_s"]) == \
            (e["depth_deg"], e["duration_s"], e["descent_s"], e["bottom_s"], e["ascent_s"])
        assert r["faults"] == ",".join(e["faults"])
        assert r["start_s"] == round(started[e["rep"]] - ready["t"], 3)
        assert r["end_s"] == round(e["t"] - ready["t"], 3)

    lost = [e for e in evs if e["type"] == "contact_lost"]
    losses = store.losses_of(1)
    assert [(x["contact"], x["cause"], x["phase"], x["rep"], x["start_s"]) for x in losses] == \
        [(e["contact"], e["cause"], e["phase"], e.get("rep"), round(e["t"] - ready["t"], 3)) for e in lost]
    for x, e in zip(losses, lost):
        back = next((r for r in evs if r["type"] == "contact_restored" and r["contact"] == e["contact"]
                     and r["t"] > e["t"]), None)
        if back is not None and back["t"] <= removed["t"]:
            assert (x["restored"], x["duration_s"]) == (1, round(back["t"] - e["t"], 3))


def test_the_trace_replays_to_the_same_set(tmp_path, simulated_set):
    chain, samples, events = simulated_set
    store = record(tmp_path, chain, samples, events)
    set_ = store.set_row(1)
    path = os.path.join(store.data_dir, set_["trace"])
    assert path.endswith(".csv.gz") and not os.path.exists(path + PARTIAL)
    with gzip.open(path, "rt", newline="") as text:  # a finished trace is a plain, complete gzip file
        reader = TraceReader(text, name=path)
        assert reader.chain == chain
        det = Detector(reader.chain)
        replayed = [e.to_dict() for s in reader for e in det.feed(s)]
    live = [e for e in flat(events) if e["type"] != "calibrating"]
    t_live = next(e["t"] for e in live if e["type"] == "ready")
    replayed = [e for e in replayed if e["type"] != "calibrating"]
    t_replay = next(e["t"] for e in replayed if e["type"] == "ready")
    assert abs(t_replay - set_["trace_ready_s"]) < 0.02
    assert [(e["type"], e.get("contact"), e.get("rep")) for e in replayed] == \
        [(e["type"], e.get("contact"), e.get("rep")) for e in live]
    for a, b in zip(replayed, live):
        assert abs((a["t"] - t_replay) - (b["t"] - t_live)) < 0.02


def test_smartdowel_replay_reads_the_unzipped_trace(tmp_path, simulated_set, capsys):
    from device.cli.main import main as cli_main
    chain, samples, events = simulated_set
    store = record(tmp_path, chain, samples, events)
    plain = tmp_path / "set.csv"
    plain.write_bytes(gzip.decompress(open(os.path.join(store.data_dir, store.set_row(1)["trace"]), "rb").read()))
    capsys.readouterr()
    assert cli_main(["replay", str(plain)]) == 0
    kinds = [json.loads(line)["type"] for line in capsys.readouterr().out.splitlines()]
    assert kinds.count("rep_completed") == len(store.reps_of(1)) and kinds[-1] == "dowel_removed"


def test_events_before_their_samples_give_the_same_record(tmp_path, simulated_set):
    chain, samples, events = simulated_set
    a = record(tmp_path / "live", chain, samples, events, "live")
    b = record(tmp_path / "late", chain, samples, events, "events_first")

    def content(store):
        with open_trace(os.path.join(store.data_dir, store.set_row(1)["trace"])) as fh:
            trace = fh.read()
        reps = [tuple(r) for r in store.reps_of(1)]
        losses = [tuple(x)[1:] for x in store.losses_of(1)]
        row = store.set_row(1)
        return trace, reps, losses, (row["duration_s"], row["samples"], row["end_reason"])
    assert content(a) == content(b)


def test_close_mid_set_saves_it_as_interrupted(tmp_path, simulated_set):
    chain, samples, events = simulated_set
    second = [i for i, evs in enumerate(events) for e in evs if e.TYPE == "rep_completed"][1]
    store = record(tmp_path, chain, samples, events, stop_after=second + 30)
    set_ = store.set_row(1)
    assert set_["end_reason"] == "interrupted" and len(store.reps_of(1)) == 2
    path = os.path.join(store.data_dir, set_["trace"])
    n, last_t = count_samples(path)
    assert n == set_["samples"] > 0
    gzip.decompress(open(path, "rb").read())  # complete: trailer and CRC are there
    assert set_["duration_s"] == pytest.approx(last_t - set_["trace_ready_s"], abs=0.002)


@pytest.mark.timing
def test_the_callers_never_wait_for_the_disk(tmp_path, simulated_set):
    chain, samples, events = simulated_set
    attempts = iter(range(10))

    def post_everything() -> tuple[Store, SetRecorder, sqlite3.Connection]:
        store = Store.open(str(tmp_path / f"data{next(attempts)}"))
        blocker = sqlite3.connect(store.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # the store is busy: every write of the recorder has to wait
        rec = SetRecorder(store, chain, clock=FakeClock(WALL))
        worst = 0.0
        start = time.perf_counter()
        for s, evs in zip(samples, events):
            for item in (s, *evs):
                a = time.perf_counter()
                (rec.post_sample if isinstance(item, tuple) else rec.post_event)(item)  # type: ignore[arg-type]
                worst = max(worst, time.perf_counter() - a)
        posting = time.perf_counter() - start
        try:
            assert posting < 0.5 and worst < 0.05  # thousands of posts while not one write could happen
        except AssertionError:
            blocker.execute("ROLLBACK")
            rec.close()
            raise
        return store, rec, blocker
    store, rec, blocker = measured(post_everything, 0.05)
    assert store.set_row(1) is None  # not one write got through
    blocker.execute("ROLLBACK")
    rec.close()
    assert rec.errors == 0 and store.set_row(1)["end_reason"] == "dowel_removed"
    assert len(store.reps_of(1)) == sum(e["type"] == "rep_completed" for e in flat(events))


def test_sessions_follow_the_athlete_and_the_time(tmp_path):
    clock = FakeClock(WALL)
    store = Store.open(str(tmp_path))
    anna = store.add_athlete("Anna")
    rec = SetRecorder(store, SignalChain(), session_gap_s=600.0, clock=clock)
    t = fake_set(rec, 10.0, 2)
    rec.sync()
    t = fake_set(rec, t + 5, 1, end="set_ended")  # same athlete, minutes later: same session
    rec.set_athlete(anna)
    t = fake_set(rec, t + 5, 1)  # another athlete: a new session
    rec.sync()
    clock.now += 3600
    fake_set(rec, t + 5, 1)  # an hour later: a new session
    rec.close()
    rows = [(r["session_id"], r["number"], r["athlete"], r["end_reason"], r["reps"])
            for r in store.iter_set_summaries()]
    assert rows == [(1, 1, "Guest", "dowel_removed", 2), (1, 2, "Guest", "button", 1),
                    (2, 1, "Anna", "dowel_removed", 1), (3, 1, "Anna", "dowel_removed", 1)]


def test_losses_faults_and_dips_are_kept(tmp_path):
    store = Store.open(str(tmp_path))
    rec = SetRecorder(store, SignalChain(), clock=FakeClock(WALL))
    for i in range(150):
        rec.post_sample(Sample(i / 100, 9000, 9000, 9000, 3.0))
    rec.post_event(ev({"t": 1.0, "type": "ready", "baseline_us": {c: 500.0 for c in CONTACTS}}))
    rec.post_event(ev({"t": 1.1, "type": "contact_lost", "contact": "head", "cause": "cervical_flexion"}))
    rec.post_event(ev({"t": 1.2, "type": "sensor_fault", "contact": "sacrum", "reason": "shorted"}))
    rec.post_event(ev({"t": 1.25, "type": "rep_discarded", "rep": 1, "depth_deg": 12.0, "reason": "shallow"}))
    rec.post_event(ev({"t": 1.3, "type": "contact_restored", "contact": "head"}))
    rec.post_event(ev({"t": 1.35, "type": "contact_lost", "contact": "upper_back", "cause": "squatting"}))
    rec.post_event(ev({"t": 1.4, "type": "sensor_fault", "contact": "head", "reason": "open"}))
    rec.post_event(ev({"t": 1.42, "type": "sensor_fault", "sensor": "ads1115", "reason": "no_ack"}))  # the cable
    rec.post_event(ev({"t": 1.45, "type": "set_ended", "reason": "button", "reps": 0}))
    rec.close()
    set_ = store.set_row(1)
    assert (set_["sensor_faults"], set_["dips"], set_["end_reason"]) == \
        ("sacrum:shorted,head:open,ads1115:no_ack", 1, "button")  # a chip by its name, never None
    assert set_["standing_deg"] is None  # no IMU: the trace has no pitch column
    with open_trace(os.path.join(store.data_dir, set_["trace"])) as fh:
        assert TraceReader(fh).has_pitch is False
    assert [(x["contact"], x["start_s"], x["duration_s"], x["restored"]) for x in store.losses_of(1)] == \
        [("head", 0.1, 0.2, 1), ("upper_back", 0.35, 0.1, 0)]  # still off at the end: lasted to it


def test_a_trace_that_cannot_be_written_does_not_stop_the_set(tmp_path):
    store = Store.open(str(tmp_path))
    os.rmdir(store.trace_dir)
    open(store.trace_dir, "w").close()  # 'traces' is a file now: no trace can be made
    rec = SetRecorder(store, SignalChain(), clock=FakeClock(WALL))
    fake_set(rec, 5.0, 3)
    rec.close()
    assert rec.errors >= 1 and "set 1: cannot start the trace" in rec.last_error
    set_ = store.set_row(1)
    assert set_["end_reason"] == "dowel_removed" and set_["samples"] == 0 and len(store.reps_of(1)) == 3


def test_samples_are_dropped_not_queued_forever_when_far_behind(tmp_path, monkeypatch):
    monkeypatch.setattr("device.store.recorder.MAX_BACKLOG", 50)
    store = Store.open(str(tmp_path))
    blocker = sqlite3.connect(store.path, isolation_level=None)
    rec = SetRecorder(store, SignalChain(), clock=FakeClock(WALL))
    rec.sync()
    blocker.execute("BEGIN IMMEDIATE")
    rec.post_event(ev({"t": 0.0, "type": "ready"}))  # the recorder takes it and waits on the store...
    for i in range(500):  # ...while samples keep coming (queued behind it: none can be written)
        rec.post_sample(Sample(i / 100, 1, 1, 1, None))
    assert rec.dropped_samples >= 400
    blocker.execute("ROLLBACK")
    rec.close()


def write_partial(path: str, n: int, every: int) -> list[tuple[int, int]]:
    """A trace cut short: checkpoints every `every` samples, then more samples, no finish
    (what was not at a checkpoint may or may not have reached the file).

    Returns (file size, samples) after each checkpoint."""
    tf = TraceFile(path, SignalChain(), True, 0.0)
    marks = []
    rng = random.Random(3)
    for i in range(n):
        tf.write(Sample(round(i / 100, 4), rng.randint(0, 30000), rng.randint(0, 30000), rng.randint(0, 30000),
                        round(rng.uniform(0, 90), 2)))
        if (i + 1) % every == 0:
            tf.checkpoint()
            marks.append((os.path.getsize(tf.partial), i + 1))
    tf.abandon()
    return marks


def test_a_trace_cut_anywhere_reads_back_up_to_the_cut(tmp_path):
    path = str(tmp_path / "set.csv.gz")
    marks = write_partial(path, 430, 100)
    data = open(path + PARTIAL, "rb").read()
    with pytest.raises(EOFError):
        gzip.decompress(data)  # what a plain gzip reader says about a stream without its end
    full = None
    cut_path = str(tmp_path / "cut.csv.gz")
    for cut in list(range(0, len(data), 97)) + [len(data)]:
        with open(cut_path, "wb") as fh:
            fh.write(data[:cut])
        with open_trace(cut_path) as text:
            got = text.read()
        assert got == "" or got.endswith("\n")  # whole lines only
        if cut == len(data):
            full = got
        kept_by_checkpoint = max([s for size, s in marks if size <= cut], default=0)
        lines = got.splitlines()
        samples = max(0, len(lines) - 3)  # magic, header, columns
        assert samples >= kept_by_checkpoint, (cut, samples, kept_by_checkpoint)
    assert full is not None and 403 <= len(full.splitlines()) <= 433
    for cut in range(0, len(data), 97):  # every cut is a prefix of the whole
        with open(cut_path, "wb") as fh:
            fh.write(data[:cut])
        with open_trace(cut_path) as text:
            assert full.startswith(text.read())


def test_a_partial_trace_is_made_whole(tmp_path):
    path = str(tmp_path / "set.csv.gz")
    write_partial(path, 250, 100)
    samples, last_t = finalize_partial(path + PARTIAL, path)
    assert samples >= 200 and last_t == pytest.approx((samples - 1) / 100)
    assert not os.path.exists(path + PARTIAL)
    with gzip.open(path, "rt", newline="") as fh:
        assert sum(1 for _ in TraceReader(fh, name=path)) == samples


CRASH_CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from device.store.recorder import SetRecorder
    from device.core.events import parse_event
    from device.core.signal import Sample, SignalChain
    from device.store.store import Store
    store = Store.open(sys.argv[1])
    rec = SetRecorder(store, SignalChain())
    t = 0.0
    for i in range(300):
        rec.post_sample(Sample(round(t, 4), 9000, 9100, 9200, 3.0)); t += 0.01
    rec.post_event(parse_event({{"t": round(t, 4), "type": "ready", "standing_deg": 3.0}}))
    rec.sync()
    print("go", flush=True)
    rep = 0
    while True:
        rep += 1
        start = t
        rec.post_event(parse_event({{"t": round(t, 4), "type": "rep_started", "rep": rep}}))
        for i in range(40):
            rec.post_sample(Sample(round(t, 4), 9000 + i, 9100, 9200 - i, 3.0 + i)); t += 0.01
            if i == 10:
                rec.post_event(parse_event({{"t": round(t, 4), "type": "contact_lost", "contact": "sacrum",
                                "cause": "spinal_flexion", "rep": rep, "phase": "descent"}}))
            if i == 20:
                rec.post_event(parse_event({{"t": round(t, 4), "type": "contact_restored", "contact": "sacrum",
                                            "rep": rep}}))
        rec.post_event(parse_event({{"t": round(t, 4), "type": "rep_completed", "rep": rep, "depth_deg": 40.0 + rep % 7,
                        "duration_s": round(t - start, 3), "faults": ["sacrum"]}}))
        time.sleep(0.002)
""")


def committed_reps(folder: str) -> int:
    """Reps another process has committed to the store in `folder` (read-only: a power cut's view)."""
    try:
        conn = sqlite3.connect(f"file:{os.path.join(folder, 'smartdowel.db')}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def test_killed_while_recording_keeps_every_earlier_rep_and_recovers(tmp_path):
    """SIGKILL at random moments of a set: the store is sound, holds reps 1..n whole, their
    samples are in the partial trace, and the next recorder makes the set whole again."""
    rng = random.Random(5)
    child = CRASH_CHILD.format(root=ROOT)
    for round_ in range(6):
        folder = str(tmp_path / f"crash{round_}")
        proc = start_script(child, folder)
        assert proc.stdout.readline().strip() == "go"
        reps_done = rng.randint(1, 8)  # the kill: once that many reps are committed...
        wait_until(lambda folder=folder, n=reps_done: committed_reps(folder) >= n, timeout=60,
                   what=f"{reps_done} reps")
        time.sleep(rng.uniform(0.0, 0.02))  # ...somewhere in the next one (a rep takes ~10 ms)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store.open(folder) as store:
            assert store.integrity() == "ok"
            reps = store.reps_of(1)
            assert len(reps) >= 1, "the child wrote nothing before the kill"
            assert [r["rep"] for r in reps] == list(range(1, len(reps) + 1))
            assert all(r["depth_deg"] == 40.0 + r["rep"] % 7 for r in reps)
            losses = store.losses_of(1)
            assert len(losses) >= len(reps)  # each rep's loss was committed with it at the latest
            set_ = store.set_row(1)
            assert set_["ended_at"] is None
            trace = os.path.join(store.data_dir, set_["trace"])
            n, last_t = count_samples(trace + PARTIAL)
            assert last_t is not None and last_t - set_["trace_ready_s"] >= reps[-1]["end_s"] - 0.011
            rec = SetRecorder(store, SignalChain())  # the next start: recovery
            rec.close()
            set_ = store.set_row(1)
            assert set_["end_reason"] == "interrupted" and set_["samples"] >= n
            assert not os.path.exists(trace + PARTIAL)
            assert count_samples(trace)[0] == set_["samples"]
            assert set_["duration_s"] >= reps[-1]["end_s"]
            assert all(x["duration_s"] is not None for x in store.losses_of(1))


def test_a_contact_loss_is_committed_without_waiting_for_the_rep(tmp_path):
    store = Store.open(str(tmp_path))
    rec = SetRecorder(store, SignalChain(), clock=FakeClock(WALL))
    rec.post_sample(Sample(0.0, 9000, 9000, 9000, 3.0))
    rec.post_event(ev({"t": 0.0, "type": "ready", "standing_deg": 3.0}))
    rec.post_event(ev({"t": 0.5, "type": "contact_lost", "contact": "sacrum", "cause": "spinal_flexion",
                    "rep": 1, "phase": "descent"}))
    other = sqlite3.connect(store.path)  # what a power cut would leave: only what is committed
    wait_until(lambda: other.execute("SELECT COUNT(*) FROM contact_losses").fetchone()[0] == 1,
               timeout=10, what="the loss to be committed on its own, with no rep")
    rec.close()
