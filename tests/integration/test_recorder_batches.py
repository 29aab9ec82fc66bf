"""The recorder taking samples in batches: it wakes per batch, and durability is as before:
a rep's samples are on the card before its row, close() mid-batch loses nothing, a kill
loses at most what was not committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from support.repo import REPO
from support.signals import ev
from device.core.contacts import CONTACTS
from device.core.signal import Sample, SignalChain
from device.store.gztrace import PARTIAL, count_samples
from device.store.recorder import SetRecorder
from device.store.store import Store

READY = {"t": 1.0, "type": "ready", "standing_deg": 3.0, "baseline_us": {c: 500.0 for c in CONTACTS}}


def rep_done(rep: int, t: float) -> dict:
    return {"t": round(t, 4), "type": "rep_completed", "rep": rep, "depth_deg": 40.0, "duration_s": 1.0,
            "descent_s": 0.4, "bottom_s": 0.2, "ascent_s": 0.4, "faults": []}


def sample(i: int) -> Sample:
    return Sample(round(i / 100, 4), 9000, 9000, 9000, 3.0)


def recording(tmp_path, ready_after: int, then: int = 0) -> tuple[Store, SetRecorder]:
    """A recorder given `ready_after` samples (100 Hz), the set's `ready` at 1 s, then up to sample `then`."""
    store = Store.open(str(tmp_path))
    rec = SetRecorder(store, SignalChain())
    for i in range(ready_after):
        rec.post_sample(sample(i))
    rec.post_event(ev(READY))
    for i in range(ready_after, then):
        rec.post_sample(sample(i))
    return store, rec


def test_the_recorder_wakes_per_batch_not_per_sample(tmp_path):
    store = Store.open(str(tmp_path))
    rec = SetRecorder(store, SignalChain())
    for i in range(1000):  # ten seconds of samples at 100 Hz
        rec.post_sample(sample(i))
    assert rec.sync()
    assert rec._inbox.wakeups <= 100  # about one per 100 ms of samples, not 1000
    rec.close()


def test_a_rep_whose_deciding_sample_comes_later_waits_for_it(tmp_path):
    """The rep's event can reach the recorder before its own last sample: the row waits."""
    store, rec = recording(tmp_path, 150, 250)
    rec.post_event(ev(rep_done(1, 2.55)))  # decided by a sample not handed over yet
    assert rec.sync()
    assert store.reps_of(1) == []  # not without its samples
    for i in range(250, 260):
        rec.post_sample(sample(i))
    assert rec.sync()
    assert [r["rep"] for r in store.reps_of(1)] == [1]
    set_ = store.set_row(1)
    n, last_t = count_samples(os.path.join(store.data_dir, set_["trace"]) + PARTIAL)
    assert last_t is not None and last_t - set_["trace_ready_s"] >= 2.55 - 1.0 - 1e-9
    rec.close()


def test_a_rep_whose_samples_never_come_is_written_after_a_second(tmp_path):
    store, rec = recording(tmp_path, 200)
    rec.post_event(ev(rep_done(1, 5.0)))  # the sampler stopped: no sample reaches 5.0
    deadline = time.monotonic() + 3.0
    while not store.reps_of(1) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["rep"] for r in store.reps_of(1)] == [1]
    rec.close()


def test_close_mid_batch_writes_every_sample_handed_over(tmp_path):
    store, rec = recording(tmp_path, 150, 300)
    rec.post_event(ev(rep_done(1, 2.99)))  # a set worth keeping
    for i in range(300, 437):  # the last batch is still gathering
        rec.post_sample(sample(i))
    rec.close()
    set_ = store.set_row(1)
    assert set_["end_reason"] == "interrupted"
    n, last_t = count_samples(os.path.join(store.data_dir, set_["trace"]))
    assert n == 437 and last_t == 4.36 + 2.0  # all of them: the trace starts 3 s before ready (t=1)


KILLED_CHILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from device.core.events import parse_event
    from device.core.signal import Sample, SignalChain
    from device.store.recorder import SetRecorder
    from device.store.store import Store
    rec = SetRecorder(Store.open(sys.argv[1]), SignalChain())
    i = 0
    def post(n):
        global i
        for _ in range(n):
            rec.post_sample(Sample(round(i / 100, 4), 9000, 9000, 9000, 3.0)); i += 1
    post(150)
    rec.post_event(parse_event({{"t": 1.0, "type": "ready", "standing_deg": 3.0}}))
    rep = 0
    while True:
        post(37)  # reps that end in the middle of a batch
        rep += 1
        rec.post_event(parse_event({{"t": round(i / 100, 4), "type": "rep_completed", "rep": rep,
                                     "depth_deg": 40.0, "duration_s": 0.37, "faults": []}}))
        if rep == 3:
            print("go", flush=True)
        time.sleep(0.37)  # as fast as the samples would come
""")


def test_killed_mid_batch_every_committed_rep_has_its_samples(tmp_path):
    for round_ in range(3):
        folder = str(tmp_path / f"kill{round_}")
        proc = subprocess.Popen([sys.executable, "-c", KILLED_CHILD.format(root=str(REPO)), folder],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        time.sleep(0.2 + 0.25 * round_)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with Store.open(folder) as store:
            assert store.integrity() == "ok"
            reps = store.reps_of(1)
            assert len(reps) >= 2
            set_ = store.set_row(1)
            _, last_t = count_samples(os.path.join(store.data_dir, set_["trace"]) + PARTIAL)
            assert last_t is not None and last_t - set_["trace_ready_s"] >= reps[-1]["end_s"] - 1e-9
