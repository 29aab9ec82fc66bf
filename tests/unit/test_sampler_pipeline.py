"""The sampler on a pipelining ADC: the IMU read while the first conversion runs, honest
timestamps, one sleep per conversion, a failed read still no sample. Fake time, fake chips
on one bus with a Zero 2 W's timing."""
from __future__ import annotations

import pytest
from gpiozero import InputDevice
from gpiozero.pins.mock import MockFactory

from device.app.hardware import ImuTilt
from device.app.sampler import Sampler
from drivers.ads1115 import ADS1115
from drivers.board_model import PROFILES
from drivers.fake_ads1115 import BusWire, FakeADS1115Bus, FakeClock
from drivers.fake_mpu6050 import FakeMPU6050Bus
from drivers.mpu6050 import MPU6050

BOARD = PROFILES["zero2w-400k"]


class Bench:
    """ADS1115 (ALERT/RDY on GPIO 17) and MPU-6050 on one fake bus, the sampler at 100 Hz."""

    def __init__(self, wired: bool = True) -> None:
        self.clock = clock = FakeClock(5.0, wake_latency_s=BOARD.wake_latency_s,
                                       wake_jitter=BOARD.wake_jitter)
        self.wire = BusWire(BOARD, clock)
        self.adc_bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, wire=self.wire)
        for ch in range(3):
            self.adc_bus.set_counts(ch, 9000 + 100 * ch)
        self.factory = MockFactory()
        ready = None
        if wired:
            self.adc_bus.attach_ready_pin(self.factory, 17)
            pin = InputDevice(17, pull_up=True, pin_factory=self.factory).pin
            ready = lambda: not pin.state  # noqa: E731
        self.adc = ADS1115(self.adc_bus, clock=clock, sleep=clock.sleep, ready=ready)
        self.imu_bus = FakeMPU6050Bus(clock=clock, sleep=clock.sleep, wire=self.wire, noise=False)
        self.imu_bus.set_motion(10.0)
        imu = MPU6050(self.imu_bus, sleep=clock.sleep)
        imu.wake()
        self.tilt = ImuTilt(imu)
        self.tilt_times: list[float] = []
        real = self.tilt.pitch
        self.tilt.pitch = lambda t: (self.tilt_times.append(t), real(t))[1]  # type: ignore[method-assign]
        self.samples: list = []
        self.events: list = []
        self.sampler = Sampler(self.adc, self.tilt, 100.0, self.samples.append,
                               lambda e: self.events.append(e.to_dict()), clock=clock, sleep=clock.sleep,
                               adc_name="ads1115")

    def close(self) -> None:
        self.factory.reset()


@pytest.fixture
def bench():
    b = Bench()
    yield b
    b.close()


def test_the_imu_is_read_while_the_first_conversion_runs(bench):
    bench.sampler.run_for(0.5)
    bench.adc_bus.log.clear()
    bench.imu_bus.log.clear()
    bench.sampler.poll_once()
    adc = [(t, op, reg) for t, op, reg, _ in bench.adc_bus.log]
    imu_t = [t for t, op, reg, _ in bench.imu_bus.log if reg == 0x3B]
    assert len(imu_t) == 1 and adc[0][1:] == ("write", 1)
    assert adc[0][0] < imu_t[0] < adc[1][0]  # after AIN0's start, before its result is fetched


def test_sample_time_is_when_its_last_value_was_read_and_pitch_has_its_own(bench):
    bench.sampler.run_for(1.0)
    t0 = bench.sampler._t0
    bench.adc_bus.log.clear()
    s = bench.sampler.poll_once()
    last_read = max(t for t, op, reg, _ in bench.adc_bus.log if op == "read" and reg == 0)
    assert s is not None and s.t >= last_read - t0
    assert s.t - bench.tilt_times[-1] > 2e-3  # the IMU burst came during the first conversion
    assert s.pitch == pytest.approx(10.0, abs=1.0)


def test_five_transfers_and_one_sleep_per_conversion_a_sample(bench):
    bench.sampler.run_for(1.0)
    n, txn, wakeups = bench.sampler.samples, bench.wire.transactions, bench.clock.wakeups
    bench.sampler.run_for(5.0)
    samples = bench.sampler.samples - n
    assert 495 <= samples <= 501 and bench.sampler.overruns == 0
    assert (bench.wire.transactions - txn) / samples == pytest.approx(5.0, abs=0.05)
    assert (bench.clock.wakeups - wakeups) / samples <= 4.1  # the deadline, then one per conversion


def test_without_the_pin_eight_transfers_a_sample(bench):
    plain = Bench(wired=False)
    try:
        plain.sampler.run_for(1.0)
        n, txn = plain.sampler.samples, plain.wire.transactions
        plain.sampler.run_for(2.0)
        per = (plain.wire.transactions - txn) / (plain.sampler.samples - n)
        assert per == pytest.approx(8.0, abs=0.1)  # start, IMU, 3 status reads, 2 start+fetch, fetch
    finally:
        plain.close()


def test_a_read_that_fails_after_the_imu_is_still_no_sample(bench):
    bench.sampler.run_for(0.5)
    n = len(bench.samples)
    bench.adc_bus.fail_rate = 1.0  # every transfer of the ADC fails; the IMU still answers
    bench.sampler.run_for(0.2)
    bench.adc_bus.fail_rate = 0.0
    assert len(bench.samples) == n and bench.imu_bus.transactions > 0
    assert [(e["type"], e["sensor"]) for e in bench.events] == [("sensor_fault", "ads1115")]
    bench.sampler.run_for(0.5)
    assert len(bench.samples) > n and bench.events[-1]["type"] == "sensor_ok"
