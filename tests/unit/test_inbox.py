"""The recorder's inbox: samples handed over in batches, in order with everything else."""
from __future__ import annotations

import queue

import pytest

from device.core.signal import Sample
from device.store.inbox import Inbox


def sample(i: int, rate: float = 100.0) -> Sample:
    return Sample(round(i / rate, 4), 9000, 9000, 9000, 3.0)


def drain(box: Inbox) -> list:
    out = []
    while True:
        try:
            out.append(box.get(timeout=0))
        except queue.Empty:
            return out


def test_one_wake_up_per_100_ms_of_samples_not_one_per_sample():
    box = Inbox(batch_s=0.1)
    for i in range(1000):  # ten seconds at 100 Hz
        box.put_sample(sample(i))
    batches = drain(box)
    assert 80 <= box.wakeups == len(batches) <= 100
    assert all(10 <= len(b) <= 12 for b in batches)
    rest = box.get(timeout=0.01)  # the tail, once nothing more came
    assert [s.t for b in batches + [rest] for s in b] == [sample(i).t for i in range(1000)]


def test_fast_samples_go_per_batch_max():
    box = Inbox(batch_s=0.1, batch_max=64)
    for i in range(640):
        box.put_sample(sample(i, rate=10_000.0))  # 64 ms: the time rule alone would wait
    assert box.wakeups == 10


def test_anything_else_first_sends_the_samples_before_it():
    box = Inbox(batch_s=0.1)
    box.put_sample(sample(0))
    box.put_sample(sample(1))
    box.put("ready")
    box.put_sample(sample(2))
    assert box.get(timeout=0) == [sample(0), sample(1)]
    assert box.get(timeout=0) == "ready"
    with pytest.raises(queue.Empty):
        box.get(timeout=0)
    assert box.get(timeout=0.01) == [sample(2)]  # nothing came for a while: what gathered
    assert box.get(timeout=0.01) is None


def test_far_behind_it_drops_samples_and_counts_them():
    box = Inbox(batch_s=0.1, max_backlog=50)
    kept = sum(box.put_sample(sample(i)) for i in range(80))
    assert kept == 50 and box.dropped == 30
    while box.get(timeout=0.001) is not None:
        pass
    assert box.put_sample(sample(100)) and box.dropped == 30  # taken: room again
