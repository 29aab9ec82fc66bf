"""The board model: wire time per transfer as the arithmetic says, the Pi's transfer rules,
fake time that stands for a slower CPU."""
from __future__ import annotations

import errno
import time

import pytest
from smbus2 import i2c_msg

from drivers.board_model import PROFILES, i2c_clocks, i2c_transfer_s, profile, spi_transfer_s
from drivers.fake_ads1115 import BusWire, FakeADS1115Bus
from drivers.fake_mpu6050 import FakeMPU6050Bus
from drivers.fake_time import FakeClock

ZERO_100K = PROFILES["zero2w-100k"]
CONFIG = [0x01, 0xC3, 0xE3]  # pointer 1, AIN0, 4.096 V, single-shot, 860 SPS


def rig(board=ZERO_100K):
    clock = FakeClock(10.0)
    wire = BusWire(board, clock)
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, wire=wire)
    return clock, wire, bus


@pytest.mark.parametrize("messages, clocks", [
    ([(False, 3)], 38),                # START, address, pointer, two bytes, STOP
    ([(False, 1), (True, 2)], 48),     # pointer write, repeated START, address, two bytes
    ([(False, 3), (False, 1), (True, 2)], 85),  # start the next conversion, fetch the last result
    ([(False, 1), (True, 14)], 156),   # the MPU-6050's burst
])
def test_clocks_per_transfer(messages, clocks):
    assert i2c_clocks(messages) == clocks
    assert i2c_transfer_s(messages, 100_000) == pytest.approx(clocks * 10e-6)
    assert i2c_transfer_s(messages, 400_000) == pytest.approx(clocks * 2.5e-6)


def test_a_config_write_at_100_khz_takes_what_the_arithmetic_says():
    clock, wire, bus = rig()
    t0 = clock()
    bus.i2c_rdwr(i2c_msg.write(0x48, CONFIG))
    assert clock() - t0 == pytest.approx(ZERO_100K.transfer_overhead_s + 38 / 100_000)
    assert wire.transactions == 1 and wire.busy_s == pytest.approx(clock() - t0)


def test_the_conversion_starts_when_its_config_message_has_crossed_the_wire():
    clock, wire, bus = rig()
    t0 = clock()
    bus.i2c_rdwr(i2c_msg.write(0x48, CONFIG), i2c_msg.write(0x48, [0]), i2c_msg.read(0x48, 2))
    started = bus._busy[0]  # type: ignore[index]
    assert started - t0 == pytest.approx(ZERO_100K.transfer_overhead_s + (1 + 4 * 9) / 100_000)
    assert clock() - t0 == pytest.approx(ZERO_100K.transfer_overhead_s + 85 / 100_000)


def test_a_read_only_as_the_last_message_as_on_the_pis_controller():
    _, wire, bus = rig()
    with pytest.raises(OSError) as err:
        bus.i2c_rdwr(i2c_msg.write(0x48, [0]), i2c_msg.read(0x48, 2), i2c_msg.write(0x48, CONFIG))
    assert err.value.errno == errno.EOPNOTSUPP and wire.transactions == 0


def test_smbus_calls_select_the_address_i2c_rdwr_does_not():
    clock = FakeClock()
    wire = BusWire(ZERO_100K, clock)
    adc = FakeADS1115Bus(clock=clock, sleep=clock.sleep, wire=wire)
    imu = FakeMPU6050Bus(clock=clock, sleep=clock.sleep, wire=wire)
    adc.read_i2c_block_data(0x48, 1, 2)
    imu.read_i2c_block_data(0x68, 0x75, 1)
    imu.read_i2c_block_data(0x68, 0x75, 1)
    assert wire.address_switches == 2  # to 0x48, then to 0x68; the second read needs none
    adc.i2c_rdwr(i2c_msg.write(0x48, [1]), i2c_msg.read(0x48, 2))
    imu.read_i2c_block_data(0x68, 0x75, 1)
    assert wire.address_switches == 2 and wire.transactions == 5


def test_two_chips_on_one_wire_share_its_time():
    clock = FakeClock()
    wire = BusWire(PROFILES["zero2w-400k"], clock)
    imu = FakeMPU6050Bus(clock=clock, sleep=clock.sleep, wire=wire)
    t0 = clock()
    imu.i2c_rdwr(i2c_msg.write(0x68, [0x3B]), i2c_msg.read(0x68, 14))
    assert clock() - t0 == pytest.approx(80e-6 + 156 / 400_000)


def test_without_a_board_transfers_take_no_time():
    clock, wire, bus = rig(board=None)
    t0 = clock()
    bus.write_i2c_block_data(0x48, 1, CONFIG[1:])
    assert clock() == t0 and wire.transactions == 1


def test_a_failure_can_strike_after_the_config_went_through():
    """The message before the failing one has happened: the conversion runs."""
    clock, wire, bus = rig()
    bus.rng.randrange = lambda n: 1  # type: ignore[method-assign]
    bus.fail_next(1)
    with pytest.raises(OSError) as err:
        bus.i2c_rdwr(i2c_msg.write(0x48, CONFIG), i2c_msg.write(0x48, [0]), i2c_msg.read(0x48, 2))
    assert err.value.errno == errno.EREMOTEIO
    assert bus._busy is not None and bus.conversions_started == 1


def test_spi_wire_time():
    assert spi_transfer_s(3, 500_000) == pytest.approx(48e-6)  # MCP3008: 24 clocks
    assert PROFILES["zero2w-mcp3008"].spi_s(3) == pytest.approx(80e-6 + 48e-6)


def test_profiles_by_name():
    assert profile("pi4-400k").i2c_hz == 400_000
    with pytest.raises(ValueError, match="zero2w-400k"):
        profile("pi3")


# --- fake time ------------------------------------------------------------------------------
def test_sleeps_wake_late_by_the_boards_latency_and_are_counted():
    clock = FakeClock(wake_latency_s=150e-6, wake_jitter=0.5, seed=3)
    lates = []
    for _ in range(200):
        t0 = clock()
        clock.sleep(0.001)
        lates.append(clock() - t0 - 0.001)
    assert clock.wakeups == 200
    assert 75e-6 <= min(lates) and max(lates) <= 225e-6
    assert sum(lates) / len(lates) == pytest.approx(150e-6, rel=0.15)
    clock.sleep(0.0)
    assert clock.wakeups == 200  # a zero sleep is no wake-up


def spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_cpu_time_is_charged_times_the_factor_but_not_the_simulations():
    clock = FakeClock()
    clock.charge_cpu(20.0)
    t0 = clock()
    spin(0.004)  # the board's own work: charged at the next simulated section
    with clock.simulating():
        spin(0.004)  # the fake chip's: not charged
    charged = clock.charged_cpu_s
    assert 0.0035 <= charged <= 0.006
    assert clock() - t0 == pytest.approx(20.0 * charged)
    clock.charge_cpu(0.0)
    spin(0.002)
    with clock.simulating():
        pass
    assert clock.charged_cpu_s == 0.0
