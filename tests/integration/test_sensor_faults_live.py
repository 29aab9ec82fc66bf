"""Sensor faults on the live path, in fake time: real drivers over fake chips, the sampler,
the detector, the cue policy and the set recorder on a temporary store.

Every case stands the athlete at the dowel (placed at 0.5 s, ready ~2 s later,
one real sacrum loss at 4 s so there is something to keep), then injects a
fault, lets it clear and checks: no contact cue or contact_lost from the fault
itself, a sensor_fault naming the sensor (chip or contact), sensor_ok without a
restart, samples flowing again, and the set's data from before the fault kept.
"""
from __future__ import annotations

import errno
import queue
import random

import pytest

from device.core.patterns import DEFAULT_PATTERNS
from device.core.cues import CuePolicy
from device.core.detector import Detector
from device.app.hardware import ImuTilt
from device.app.live import LiveLoop
from device.store.recorder import SetRecorder
from device.app.sampler import Sampler
from device.core.contacts import CONTACTS
from device.store.store import Store
from drivers.ads1115 import ADS1115
from drivers.fake_ads1115 import FakeADS1115Bus, FakeClock
from drivers.fake_mpu6050 import FakeMPU6050Bus
from drivers.mpu6050 import MPU6050
from support.players import FakePlayer
from support.signals import BASE_G, CHAIN, PLACE, fall, placed, volts_for

CONTACT_CUES = set(CONTACTS)
STANDING = placed(PLACE)  # the athlete takes the dowel at 0.5 s; ready about 2 s later
SACRUM = fall(4.0, 0.2, 0.5, back=0.1)  # one real loss: a smooth fall at 4 s, off 0.5 s, back


class Rig:
    """The live path in fake time."""

    def __init__(self, data_dir: str, fail_rate: float = 0.0, imu: bool = True) -> None:
        self.clock = clock = FakeClock(1000.0)
        self.rng = random.Random(5)
        self.t0 = clock()
        self.bus = FakeADS1115Bus(source=self.volts, clock=clock, sleep=clock.sleep,
                                  fail_rate=fail_rate, seed=11)
        self.adc = ADS1115(self.bus, clock=clock, sleep=clock.sleep)
        self.imu_bus = None
        tilt = None
        if imu:
            self.imu_bus = FakeMPU6050Bus(clock=clock, sleep=clock.sleep, seed=2)
            mpu = MPU6050(self.imu_bus, sleep=clock.sleep)
            mpu.probe()
            mpu.wake()
            self.imu_bus.set_motion(4.0, 0.0)
            tilt = ImuTilt(mpu)
        self.player = FakePlayer()
        self.q: queue.Queue[dict] = queue.Queue()
        self.store = Store.open(data_dir)
        self.recorder = SetRecorder(self.store, CHAIN, clock=lambda: 1.7e9 + clock())
        self.live = LiveLoop(Detector(CHAIN), CuePolicy(), DEFAULT_PATTERNS, self.player, self.q,
                             on_sample=self.recorder.post_sample)
        self.samples: list = []

        def on_sample(s):
            self.samples.append(s)
            self.live.on_sample(s)
        self.sampler = Sampler(self.adc, tilt, 100.0, on_sample, self.live.on_event,
                               clock=clock, sleep=clock.sleep, adc_name="ads1115")
        self.events: list[dict] = []
        self.override: dict[int, float] = {}  # channel -> volts (a shorted pad)

    def t(self) -> float:
        return self.clock() - self.t0

    def volts(self, channel: int, now: float) -> float:
        if channel > 2:
            return 0.0
        if channel in self.override:
            return self.override[channel]
        t = now - self.t0
        f = STANDING(t) * (SACRUM(t) if channel == 2 else 1.0)
        g = BASE_G[CONTACTS[channel]] * f * (1.0 + self.rng.gauss(0.0, 0.01))
        return volts_for(max(g, 0.0))

    def run(self, seconds: float) -> list[dict]:
        """Run the sampler `seconds` of fake time; the events that came out meanwhile."""
        self.sampler.run_for(seconds)
        new = []
        while not self.q.empty():
            e = self.q.get_nowait()
            new.append(e.to_dict())
            self.recorder.post_event(e)
        self.events.extend(new)
        return new

    def samples_between(self, a: float, b: float) -> int:
        return sum(1 for s in self.samples if a <= s.t < b)

    def start_set(self) -> None:
        """Standing, ready, one real sacrum loss (cued), back: 6 s."""
        got = self.run(6.0)
        kinds = [e["type"] for e in got]
        assert "ready" in kinds, kinds
        lost = [e for e in got if e["type"] == "contact_lost"]
        assert [e["contact"] for e in lost] == ["sacrum"], got
        self.cues_before = len(self.player.played)

    def finish(self) -> dict:
        """End the set with button A, write everything, return the set's row and losses."""
        self.live.request(lambda d, t: d.end_set(t))
        self.run(0.1)
        assert self.recorder.sync(10.0)
        self.recorder.close()
        rows = [dict(r) for r in self.store.iter_set_summaries()]
        assert len(rows) == 1, rows
        row = rows[0]
        row["loss_rows"] = [dict(r) for r in self.store.losses_of(row["id"])]
        row["set_row"] = dict(self.store.set_row(row["id"]))
        self.store.close()
        return row


def no_false_contact_cue(events: list[dict], player: FakePlayer, cues_before: int) -> None:
    assert not [e for e in events if e["type"] in ("contact_lost", "dowel_removed")], events
    contact_cues = [e for e in events if e.get("cue") in CONTACT_CUES or
                    (e["type"] == "cue" and e.get("pattern") in CONTACT_CUES)]
    assert not contact_cues, contact_cues
    played = player.played[cues_before:]
    assert all(p not in (DEFAULT_PATTERNS[c] for c in CONTACTS) for p in played), played


def kept(row: dict, samples_at_least: int) -> None:
    """The set from before the fault is in the store: its loss, its trace samples."""
    assert [r["contact"] for r in row["loss_rows"]][:1] == ["sacrum"], row["loss_rows"]
    assert row["set_row"]["samples"] >= samples_at_least, row["set_row"]
    assert row["set_row"]["end_reason"] in ("button", "set_ended", "ended"), row["set_row"]


# -- bus error rates ------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.01, 0.10])
def test_i2c_error_rate_is_ridden_out(tmp_path, rate):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.bus.fail_rate = rate
    start = rig.t()
    got = rig.run(20.0)
    rig.bus.fail_rate = 0.0
    got += rig.run(1.0)
    no_false_contact_cue(got, rig.player, rig.cues_before)
    n = rig.samples_between(start, start + 20.0)
    faults = [e for e in got if e["type"] == "sensor_fault"]
    oks = [e for e in got if e["type"] == "sensor_ok"]
    assert all(e.get("sensor") == "ads1115" for e in faults), faults
    assert len(oks) == len(faults)  # every fault that was reported also cleared
    assert n >= (0.97 if rate <= 0.01 else 0.85) * 2000, n  # retries hide nearly all of it
    assert rig.bus.transactions > 10_000
    if rate <= 0.01:
        assert not faults  # three retries per transaction: a 1e-8 chance of a fault
    row = rig.finish()
    kept(row, 2000)


def test_i2c_errors_on_every_transaction_then_recovery(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.bus.fail_rate = 1.0
    start = rig.t()
    got = rig.run(3.0)
    assert rig.samples_between(start, start + 3.0) == 0  # nothing invented
    faults = [e for e in got if e["type"] == "sensor_fault"]
    assert [(e["sensor"], e["reason"]) for e in faults] == [("ads1115", "no_ack")], got
    assert "ADS1115 at 0x48" in faults[0]["detail"]
    rig.bus.fail_rate = 0.0
    got += rig.run(3.0)
    assert [e["type"] for e in got if e["type"].startswith("sensor")] == ["sensor_fault", "sensor_ok"]
    assert rig.samples_between(start + 3.0, start + 6.0) > 250
    no_false_contact_cue(got, rig.player, rig.cues_before)
    assert rig.live.detector.state == "ready"  # the set goes on: no restart, no recalibration
    row = rig.finish()
    kept(row, 500)


# -- a chip that disappears and comes back ---------------------------------------------------
def test_chip_gone_for_a_while_fail_next(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.bus.fail_next(4_000, errno.EIO)  # a loose connector: every transaction a bus error
    got = rig.run(4.0)
    assert rig.bus._failures, "outage ended too soon for the test"
    got += rig.run(12.0)  # the injected failures run out: the chip is back
    assert not rig.bus._failures
    faults = [e for e in got if e["type"] == "sensor_fault"]
    assert [(e["sensor"], e["reason"]) for e in faults] == [("ads1115", "bus_error")]
    assert [e["type"] for e in got if e["type"].startswith("sensor")] == ["sensor_fault", "sensor_ok"]
    no_false_contact_cue(got, rig.player, rig.cues_before)
    kept(rig.finish(), 500)


def test_chip_at_wrong_address_then_back(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.bus.address = 0x49  # ADDR pin lost its ground: the chip answers elsewhere
    got = rig.run(2.0)
    rig.bus.address = 0x48
    got += rig.run(2.0)
    assert [(e["type"], e.get("sensor")) for e in got if e["type"].startswith("sensor")] == \
        [("sensor_fault", "ads1115"), ("sensor_ok", "ads1115")]
    no_false_contact_cue(got, rig.player, rig.cues_before)
    kept(rig.finish(), 400)


# -- a bus that hangs -----------------------------------------------------------------------
def test_bus_hang_of_two_seconds_no_false_cue_and_samples_resume(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    start = rig.t()
    rig.bus.hang(2.0)
    got = rig.run(5.0)
    assert rig.samples_between(start + 0.05, start + 1.95) == 0  # blocked: no samples invented
    assert rig.samples_between(start + 2.1, start + 5.0) > 250  # and back on schedule
    assert rig.sampler.overruns >= 1  # the stall is counted
    no_false_contact_cue(got, rig.player, rig.cues_before)
    assert rig.live.detector.state == "ready"
    kept(rig.finish(), 500)


def test_bus_hang_is_reported_as_a_sensor_fault(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.bus.hang(2.0)
    got = rig.run(5.0)
    assert [e.get("sensor") for e in got if e["type"] == "sensor_fault"] == ["ads1115"]


# -- a pad shorted mid-set --------------------------------------------------------------------


def _short_head(rig: Rig) -> tuple[list[dict], list[dict]]:
    rig.start_set()
    rig.override[0] = 3.3  # head input at the supply: a shorted FSR
    got = rig.run(3.0)
    del rig.override[0]
    return got, rig.run(3.0)


def test_fsr_shorted_mid_set_is_named_and_clears(tmp_path):
    rig = Rig(str(tmp_path))
    got, got2 = _short_head(rig)
    faults = [e for e in got if e["type"] == "sensor_fault"]
    assert [(e.get("contact"), e["reason"]) for e in faults] == [("head", "shorted")], got
    assert [(e["type"], e.get("contact")) for e in got2 if e["type"].startswith("sensor")] == \
        [("sensor_ok", "head")], got2
    assert not [e for e in got2 if e["type"] == "contact_lost"]  # after it clears, quiet
    played = rig.player.played[rig.cues_before:]
    assert played.count(DEFAULT_PATTERNS["sensor_fault"]) == 1  # told once, not nagged
    row = rig.finish()
    kept(row, 500)
    assert "head:shorted" in row["set_row"]["sensor_faults"]


def test_fsr_shorted_mid_set_gives_no_contact_cue(tmp_path):
    rig = Rig(str(tmp_path))
    got, got2 = _short_head(rig)
    no_false_contact_cue(got + got2, rig.player, rig.cues_before)


# -- a pad unplugged mid-set ------------------------------------------------------------------
def test_fsr_unplugged_mid_set_cued_once_then_named_open_then_back(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    rig.override[1] = 0.0  # upper back pad unplugged: reads 0 V, like a lost contact
    got = rig.run(5.0)
    lost = [e for e in got if e["type"] == "contact_lost"]
    assert [e["contact"] for e in lost] == ["upper_back"], got  # at first: a loss, cued once
    faults = [e for e in got if e["type"] == "sensor_fault"]
    assert [(e.get("contact"), e["reason"]) for e in faults] == [("upper_back", "open")], got
    cues = [e.get("cue") for e in got if e.get("cue")]
    assert cues.count("upper_back") == 1, cues
    cued_after = len(rig.player.played)
    more = rig.run(5.0)  # still unplugged: no more cues for it
    assert not [e for e in more if e["type"] in ("contact_lost", "sensor_fault")], more
    assert len(rig.player.played) == cued_after
    del rig.override[1]
    back = rig.run(2.0)
    assert [(e["type"], e.get("contact")) for e in back if e["type"].startswith("sensor")] == \
        [("sensor_ok", "upper_back")], back
    row = rig.finish()
    assert "upper_back:open" in row["set_row"]["sensor_faults"]
    assert [r["contact"] for r in row["loss_rows"]] == ["sacrum", "upper_back"]


# -- an IMU that stops answering -----------------------------------------------------------------
def test_imu_stops_answering_contacts_go_on_then_back(tmp_path):
    rig = Rig(str(tmp_path))
    rig.start_set()
    start = rig.t()
    rig.imu_bus.fail_rate = 1.0
    got = rig.run(3.0)
    faults = [e for e in got if e["type"] == "sensor_fault"]
    assert [(e["sensor"], e["reason"]) for e in faults] == [("imu", "no_ack")], got
    assert "MPU6050" in faults[0]["detail"]
    during = [s for s in rig.samples if start + 0.05 <= s.t < start + 3.0]
    assert len(during) > 250 and all(s.pitch is None for s in during)  # contacts still read
    rig.imu_bus.fail_rate = 0.0
    got += rig.run(2.0)
    assert [(e["type"], e.get("sensor")) for e in got if e["type"].startswith("sensor")] == \
        [("sensor_fault", "imu"), ("sensor_ok", "imu")]
    assert rig.samples[-1].pitch is not None
    no_false_contact_cue(got, rig.player, rig.cues_before)
    kept(rig.finish(), 500)


def test_all_faults_in_turn_one_set_no_restart(tmp_path):
    """The chip and IMU faults above one after another in one set: each named, each cleared
    (the shorted pad has its own tests above)."""
    rig = Rig(str(tmp_path))
    rig.start_set()
    got = []
    rig.bus.fail_rate = 1.0
    got += rig.run(1.0)
    rig.bus.fail_rate = 0.0
    got += rig.run(1.0)
    rig.bus.hang(2.0)
    got += rig.run(3.0)
    rig.imu_bus.fail_next(5000)
    got += rig.run(2.0)
    rig.imu_bus._failures.clear()
    got += rig.run(1.0)
    named = [(e["type"], e.get("sensor") or e.get("contact")) for e in got if e["type"].startswith("sensor")]
    assert named == [("sensor_fault", "ads1115"), ("sensor_ok", "ads1115"),  # errors
                     ("sensor_fault", "ads1115"), ("sensor_ok", "ads1115"),  # the hang
                     ("sensor_fault", "imu"), ("sensor_ok", "imu")], named
    no_false_contact_cue(got, rig.player, rig.cues_before)
    assert rig.live.detector.state == "ready"
    kept(rig.finish(), 1000)
