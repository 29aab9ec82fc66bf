"""MPU-6050 driver against the fake chip and against hand-made bytes."""
from __future__ import annotations

import math

import pytest

from drivers.ads1115 import ADS1115
from drivers.i2c import SensorError
from drivers.fake_mpu6050 import FakeMPU6050Bus
from drivers.mpu6050 import (ACCEL_CONFIG, CONFIG, GYRO_CONFIG, MPU6050, PWR_MGMT_1,
                             SMPLRT_DIV, ImuReading)


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def bus() -> FakeMPU6050Bus:
    return FakeMPU6050Bus(noise=False)


def make(bus, **kw) -> MPU6050:
    return MPU6050(bus, sleep=no_sleep, **kw)


class ScriptedBus:
    """Returns fixed bytes for the burst read; records every call."""

    def __init__(self, data: list[int]) -> None:
        self.data = data
        self.calls: list[tuple] = []

    def read_i2c_block_data(self, addr: int, reg: int, length: int, force=None) -> list[int]:
        self.calls.append(("block", addr, reg, length))
        return self.data[:length]

    def read_byte_data(self, addr: int, reg: int, force=None) -> int:
        self.calls.append(("byte", addr, reg))
        return 0x68


# --- WHO_AM_I -------------------------------------------------------------------
def test_probe_ok(bus):
    assert make(bus).probe() == 0x68


def test_probe_at_ad0_high_address():
    assert make(FakeMPU6050Bus(0x69), address=0x69).probe() == 0x68


@pytest.mark.parametrize("chip_id", [0x70, 0x71, 0x98, 0x00, 0xFF])
def test_probe_wrong_chip(chip_id):
    with pytest.raises(SensorError) as err:
        make(FakeMPU6050Bus(who_am_i=chip_id)).probe()
    e = err.value
    assert (e.sensor, e.reason, e.address) == ("mpu6050", "wrong_chip", 0x68)
    assert f"0x{chip_id:02X}" in str(e) and "0x68" in str(e) and "MPU6050" in str(e)


def test_probe_accepts_configured_clone_ids():
    assert make(FakeMPU6050Bus(who_am_i=0x70), accept_ids=(0x68, 0x70)).probe() == 0x70


def test_probe_nothing_at_address(bus):
    with pytest.raises(SensorError) as err:
        make(bus, address=0x69).probe()
    e = err.value
    assert (e.reason, e.errno, e.address) == ("no_ack", 121, 0x69)
    assert "MPU6050 at 0x69" in str(e) and "wiring" in str(e)


# --- wake and configuration ---------------------------------------------------------
def test_powers_up_asleep_and_reads_are_refused(bus):
    imu = make(bus)
    assert bus.asleep
    with pytest.raises(SensorError) as err:
        imu.read()
    assert err.value.reason == "asleep"


def test_wake_clears_sleep_selects_pll_and_configures(bus):
    make(bus, accel_range_g=8, gyro_range_dps=1000, dlpf_hz=21).wake()
    regs = bus.regs
    assert regs[PWR_MGMT_1] == 0x01  # SLEEP=0, CLKSEL=1 (PLL, X gyro)
    assert regs[CONFIG] & 0x07 == 4
    assert regs[GYRO_CONFIG] == 2 << 3
    assert regs[ACCEL_CONFIG] == 2 << 3
    assert regs[SMPLRT_DIV] == 0
    assert not bus.asleep


def test_wake_waits_for_the_gyro_to_start(bus):
    slept: list[float] = []
    MPU6050(bus, sleep=slept.append).wake()
    assert sum(slept) >= 0.03


def test_wake_detects_registers_that_do_not_stick(bus):
    class Stubborn(FakeMPU6050Bus):
        def _write_reg_bytes(self, reg, data):
            if reg != ACCEL_CONFIG:
                super()._write_reg_bytes(reg, data)
    with pytest.raises(SensorError) as err:
        make(Stubborn(noise=False), accel_range_g=16).wake()
    assert err.value.reason == "config_mismatch"
    assert "0x1C" in str(err.value)


def test_chip_reset_is_noticed_and_wake_recovers(bus):
    imu = make(bus)
    imu.wake()
    imu.read()
    bus.write_byte_data(0x68, PWR_MGMT_1, 0x80)  # DEVICE_RESET, e.g. a brown-out
    with pytest.raises(SensorError, match="asleep"):
        imu.read()
    imu.wake()
    assert imu.read().az == pytest.approx(1.0)


@pytest.mark.parametrize("kw,bad", [({"accel_range_g": 3}, "3"), ({"gyro_range_dps": 300}, "300"),
                                    ({"dlpf_hz": 42}, "42"), ({"accel_range_g": True}, "True")])
def test_bad_settings_rejected_naming_the_value(bus, kw, bad):
    with pytest.raises(ValueError, match=bad):
        make(bus, **kw)


# --- scaling, byte order, sign ------------------------------------------------------------
@pytest.mark.parametrize("range_g,lsb", [(2, 16384), (4, 8192), (8, 4096), (16, 2048)])
def test_accel_scaling_per_range(bus, range_g, lsb):
    imu = make(bus, accel_range_g=range_g)
    imu.wake()
    bus.set_raw((0.5, -0.25, 1.0), (0.0, 0.0, 0.0))
    r = imu.read()
    assert (r.ax, r.ay, r.az) == pytest.approx((0.5, -0.25, 1.0), abs=1.0 / lsb)


@pytest.mark.parametrize("range_dps,lsb", [(250, 131.0), (500, 65.5), (1000, 32.8), (2000, 16.4)])
def test_gyro_scaling_per_range(bus, range_dps, lsb):
    imu = make(bus, gyro_range_dps=range_dps)
    imu.wake()
    bus.set_raw((0.0, 0.0, 1.0), (100.0, -45.5, 0.25))
    r = imu.read()
    assert (r.gx, r.gy, r.gz) == pytest.approx((100.0, -45.5, 0.25), abs=1.0 / lsb)


def test_saturation_reads_full_scale_not_wrapped(bus):
    imu = make(bus)
    imu.wake()
    bus.set_raw((3.0, -3.0, 1.0), (400.0, -400.0, 0.0))
    r = imu.read()
    assert r.ax == pytest.approx(32767 / 16384) and r.ay == -2.0
    assert r.gx == pytest.approx(32767 / 131) and r.gy == pytest.approx(-32768 / 131)


def test_burst_bytes_decoded_big_endian_signed():
    data = [0x40, 0x00,  0xC0, 0x00,  0xFF, 0xFF,   # ax +1 g, ay -1 g, az -1 LSB
            0x12, 0x34,                            # temperature, not in the reading
            0x00, 0x83,  0xFF, 0x7D,  0x80, 0x00]  # gx +131, gy -131, gz -32768
    bus = ScriptedBus(data)
    r = make(bus).read()
    assert r == ImuReading(1.0, -1.0, -1 / 16384, 1.0, -1.0, -32768 / 131)
    assert bus.calls == [("block", 0x68, 0x3B, 14)]  # one burst, one instant


def test_short_burst_is_an_error():
    with pytest.raises(SensorError) as err:
        make(ScriptedBus([0x40, 0x00])).read()
    assert err.value.reason == "bus_error"


def test_motion_gives_consistent_accel_and_gyro(bus):
    imu = make(bus)
    imu.wake()
    bus.set_motion(40.0, 25.0)
    r = imu.read()
    assert math.degrees(math.atan2(-r.ax, r.az)) == pytest.approx(40.0, abs=0.05)
    assert math.sqrt(r.ax ** 2 + r.ay ** 2 + r.az ** 2) == pytest.approx(1.0, abs=1e-3)
    assert (r.gx, r.gy, r.gz) == pytest.approx((0.0, 25.0, 0.0), abs=0.01)
    bus.set_motion(-20.0, -5.0, axis="x")
    r = imu.read()
    assert math.degrees(math.atan2(r.ay, r.az)) == pytest.approx(-20.0, abs=0.05)
    assert r.gx == pytest.approx(-5.0, abs=0.01)


def test_noise_is_seeded_and_realistic():
    def sample(seed: int) -> list[float]:
        b = FakeMPU6050Bus(seed=seed)
        imu = make(b)
        imu.wake()
        return [imu.read().az for _ in range(400)]
    a, b = sample(1), sample(1)
    assert a == b
    mean = sum(a) / len(a)
    sd = math.sqrt(sum((x - mean) ** 2 for x in a) / len(a))
    assert mean == pytest.approx(1.0, abs=0.002) and 0.001 < sd < 0.01


def test_temperature(bus):
    imu = make(bus)
    imu.wake()
    assert imu.read_temperature_c() == pytest.approx(25.0, abs=0.01)


# --- bus errors -------------------------------------------------------------------------
@pytest.mark.parametrize("errno", [121, 5])
def test_transient_errors_retried(bus, errno):
    imu = make(bus, retries=3)
    imu.wake()
    bus.fail_next(3, errno=errno)
    assert imu.read().az == pytest.approx(1.0)


@pytest.mark.parametrize("errno,reason", [(121, "no_ack"), (5, "bus_error")])
def test_persistent_errors_raise(bus, errno, reason):
    imu = make(bus, retries=2)
    imu.wake()
    bus.fail_next(3, errno=errno)
    with pytest.raises(SensorError) as err:
        imu.read()
    e = err.value
    assert (e.sensor, e.reason, e.errno) == ("mpu6050", reason, errno)
    assert isinstance(e.__cause__, OSError)
    assert imu.read().az == pytest.approx(1.0)


def test_random_failures_never_give_made_up_values():
    bus = FakeMPU6050Bus(noise=False, fail_rate=0.1, seed=4)
    imu = make(bus, retries=5)
    imu.wake()
    bus.set_motion(30.0, 10.0)
    for _ in range(200):
        r = imu.read()
        assert r.gy == pytest.approx(10.0, abs=0.01)


def test_drivers_on_one_bus_share_one_lock(bus):
    """smbus2 sets the address and transfers in two calls: drivers must not interleave."""
    assert make(bus)._lock is ADS1115(bus)._lock
    assert make(bus)._lock is not make(FakeMPU6050Bus())._lock
