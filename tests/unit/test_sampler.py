"""The sampler: steady timestamps, errors as sensor faults (never as values), recovery."""
import errno

import time

from device.app.sampler import Sampler
from drivers.fake_ads1115 import FakeClock
from support.waiting import wait_until


class ScriptedADC:
    """Each read costs 1 ms; reads fail while `failing(t)` says so."""

    def __init__(self, clock, failing=lambda t: False):
        self.clock, self.failing, self.reads = clock, failing, 0

    def read(self, channel):
        self.clock.now += 0.001
        self.reads += 1
        if self.failing(self.clock.now - 100.0):
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return 1000 * (channel + 1)


class Tilt:
    def __init__(self, fail=False):
        self.fail = fail

    def pitch(self, t):
        if self.fail:
            raise OSError(errno.EIO, "bus error")
        return 3.0


def make(adc_failing=lambda t: False, rate=100.0, tilt=None):
    clock = FakeClock(100.0)
    samples, events = [], []
    s = Sampler(ScriptedADC(clock, adc_failing), tilt, rate, samples.append, lambda e: events.append(e.to_dict()),
                clock=clock, sleep=clock.sleep)
    return s, samples, events


def test_fixed_rate_and_monotonic_timestamps():
    s, samples, events = make(rate=100.0)
    s.run_for(2.0)
    assert 195 <= len(samples) <= 201
    ts = [x.t for x in samples]
    assert all(b > a for a, b in zip(ts, ts[1:]))
    j = s.jitter()
    assert abs(j.mean - 0.01) < 1e-4 and j.p99 - j.p50 < 1e-6 and j.overruns == 0
    assert samples[0][1:4] == (1000, 2000, 3000) and not events


def test_flat_out_is_limited_by_the_chip_only():
    s, samples, _ = make(rate=0)
    s.run_for(1.0)
    assert 320 <= len(samples) <= 334  # three 1 ms conversions per sample


def test_bus_errors_are_one_fault_no_samples_then_recovery():
    s, samples, events = make(adc_failing=lambda t: 1.0 <= t < 1.5)
    s.run_for(3.0)
    kinds = [(e["type"], e.get("sensor")) for e in events]
    assert kinds == [("sensor_fault", "adc"), ("sensor_ok", "adc")]
    assert events[0]["reason"] == "OSError" and "Remote I/O" in events[0]["detail"]
    assert not any(1.0 <= x.t < 1.49 for x in samples)  # nothing invented during the outage
    assert events[1]["t"] - events[0]["t"] < 0.6
    assert s.failed_reads > 10


def test_imu_failure_keeps_contacts_and_reports_once():
    tilt = Tilt(fail=True)
    s, samples, events = make(tilt=tilt)
    s.run_for(0.5)
    assert samples and all(x.pitch is None for x in samples)
    assert [(e["type"], e["sensor"]) for e in events] == [("sensor_fault", "imu")]
    tilt.fail = False
    s.run_for(0.1)
    assert events[-1]["type"] == "sensor_ok" and samples[-1].pitch == 3.0


def test_overrun_is_counted_not_burst():
    clock = FakeClock(100.0)
    got = []

    class Slow:
        def read(self, channel):
            clock.now += 0.02 if len(got) == 10 and channel == 0 else 0.0001
            return 5
    s = Sampler(Slow(), None, 100.0, got.append, lambda e: None, clock=clock, sleep=clock.sleep)
    s.run_for(1.0)
    ts = [x.t for x in got]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    assert sum(g < 0.005 for g in gaps) <= 1  # one sample at once, then the schedule: no burst
    assert s.overruns == 1


def test_thread_start_stop():
    """The real thread in real time: it samples until stopped, never faster than its rate."""
    got = []

    class Quick:
        def read(self, channel):
            return 7
    s = Sampler(Quick(), None, 200.0, got.append, lambda e: None)
    t0 = time.monotonic()
    s.start()
    wait_until(lambda: len(got) >= 10, what="10 samples from the thread")
    assert s.running
    s.stop()
    took = time.monotonic() - t0
    n = len(got)
    assert not s.running and 10 <= n <= 200.0 * took + 2  # on schedule: no burst
    assert len(got) == n  # stopped means stopped
