"""The ADS1115's lean path: pipelined reads, the ALERT/RDY pin (datasheet behaviour of the
fake, the driver trusting it only when it proves itself), the OS-bit fallback, transfers and
wake-ups per read. All in fake time."""
from __future__ import annotations

import errno

import pytest
from gpiozero import InputDevice
from gpiozero.pins.mock import MockFactory
from hypothesis import given, settings, strategies as st
from smbus2 import i2c_msg

from drivers.ads1115 import ADS1115
from drivers.board_model import PROFILES
from drivers.fake_ads1115 import BusWire, FakeADS1115Bus, FakeClock
from drivers.i2c import SensorError

VOLTS = {0: 0.40, 1: 1.25, 2: 2.50, 3: 0.05}
PIN = 17


def counts(volts: float) -> int:
    return round(volts / 4.096 * 32768)


def chip(clock: FakeClock, board=None, **kw) -> FakeADS1115Bus:
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, wire=BusWire(board, clock), **kw)
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    return bus


def ready_pin(bus: FakeADS1115Bus | None, factory: MockFactory):
    """The driver's view of GPIO 17, wired to the chip's ALERT/RDY (or to nothing)."""
    if bus is not None:
        bus.attach_ready_pin(factory, PIN)
    pin = InputDevice(PIN, pull_up=True, pin_factory=factory).pin
    return lambda: not pin.state


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(50.0)


def make(bus, clock, **kw) -> ADS1115:
    return ADS1115(bus, clock=clock, sleep=clock.sleep, **kw)


# --- the fake's pin, as the datasheet has it ---------------------------------------------
def arm(bus: FakeADS1115Bus, lo: int = 0x0000, hi: int = 0x8000) -> None:
    bus.write_i2c_block_data(0x48, 2, [lo >> 8, lo & 0xFF])
    bus.write_i2c_block_data(0x48, 3, [hi >> 8, hi & 0xFF])


def test_pin_low_when_ready_high_while_converting(clock):
    bus = chip(clock)
    arm(bus)
    assert bus.ready_level() is True  # COMP_QUE=11 at reset: the pin is released
    bus.write_i2c_block_data(0x48, 1, [0xC3, 0xE0])  # start AIN0, COMP_QUE 00
    assert bus.ready_level() is True  # converting: not ready
    clock.sleep(1 / 860)
    assert bus.ready_level() is False  # single-shot: stays asserted until the next start


def test_pin_polarity_and_disabled_comparator(clock):
    bus = chip(clock)
    arm(bus)
    bus.write_i2c_block_data(0x48, 1, [0xC3, 0xE8])  # COMP_POL=1: active high
    clock.sleep(1 / 860)
    assert bus.ready_level() is True
    bus.write_i2c_block_data(0x48, 1, [0xC3, 0xE3])  # COMP_QUE=11: pin released
    clock.sleep(1 / 860)
    assert bus.ready_level() is True


def test_pin_needs_the_threshold_msbs(clock):
    bus = chip(clock)  # thresholds at reset: Lo 0x8000, Hi 0x7FFF: a comparator, not RDY
    bus.write_i2c_block_data(0x48, 1, [0xC3, 0xE0])
    clock.sleep(1 / 860)
    assert bus.ready_level() is True


def test_continuous_mode_pulses_about_8_us(clock):
    bus = chip(clock)
    arm(bus)
    bus.write_i2c_block_data(0x48, 1, [0x42, 0xE0])  # continuous, 860 SPS
    clock.sleep(1 / 860 + 2e-6)
    assert bus.ready_level() is False
    clock.sleep(10e-6)
    assert bus.ready_level() is True


# --- the driver on the pin -----------------------------------------------------------------
def test_pipelined_reads_are_each_channels_own(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    assert adc.read_many((0, 1, 2)) == [counts(VOLTS[c]) for c in (0, 1, 2)]
    assert adc.read_many((2, 2, 3, 0)) == [counts(VOLTS[c]) for c in (2, 2, 3, 0)]
    assert adc.ready is not None and adc.ready_hits >= 7


@settings(max_examples=40, deadline=None)
@given(seq=st.lists(st.integers(0, 3), min_size=1, max_size=8), rate_error=st.floats(-0.1, 0.1),
       board=st.sampled_from([None, "zero2w-100k", "zero2w-400k", "pi4-400k"]), wired=st.booleans())
def test_any_sequence_on_any_board_is_fresh(seq, rate_error, board, wired):
    clock = FakeClock()
    f = MockFactory()
    bus = chip(clock, PROFILES[board] if board else None, rate_error=rate_error)
    adc = make(bus, clock, ready=ready_pin(bus, f) if wired else None)
    for _ in range(3):
        assert adc.read_many(seq) == [counts(VOLTS[c]) for c in seq]
    f.reset()


def test_three_channels_cost_four_transfers_with_the_pin_seven_without(clock, factory):
    bus = chip(clock)
    with_pin = make(bus, clock, ready=ready_pin(bus, factory))
    with_pin.read_many((0, 1, 2))  # first read: waits for idle, sets the thresholds
    before = bus.transactions
    with_pin.read_many((0, 1, 2))
    assert bus.transactions - before == 4  # start, start+fetch, start+fetch, fetch
    plain_bus = chip(clock)
    plain = make(plain_bus, clock)
    plain.read_many((0, 1, 2))
    before = plain_bus.transactions
    plain.read_many((0, 1, 2))
    assert plain_bus.transactions - before == 7  # and one status read per conversion


def test_the_pin_path_reads_no_status(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    adc.read_many((0, 1, 2))
    bus.log.clear()
    adc.read_many((0, 1, 2))
    assert [(op, reg) for _, op, reg, _ in bus.log] == [
        ("write", 1), ("write", 1), ("read", 0), ("write", 1), ("read", 0), ("read", 0)]


@pytest.mark.parametrize("wired", [True, False])
def test_one_sleep_per_conversion(wired, factory):
    """With a board's wake-up latency and its jitter, after the first reads have taught the driver."""
    board = PROFILES["zero2w-400k"]
    clock = FakeClock(wake_latency_s=board.wake_latency_s, wake_jitter=board.wake_jitter, seed=5)
    bus = chip(clock, board)
    adc = make(bus, clock, ready=ready_pin(bus, factory) if wired else None)
    for _ in range(50):
        adc.read_many((0, 1, 2))
    before = clock.wakeups
    for _ in range(200):
        adc.read_many((0, 1, 2))
    assert (clock.wakeups - before) / 600 <= 1.05


def test_during_runs_while_the_first_conversion_converts(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    adc.read_many((0,))
    seen = []
    adc.read_many((0, 1, 2), during=lambda: seen.append(bus._busy is not None))
    assert seen == [True]


# --- when the pin cannot be trusted ---------------------------------------------------------
def test_a_pin_not_wired_means_os_polling_and_says_why(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(None, factory))  # GPIO 17 floats high on its pull-up
    assert adc.check_ready_pin() is False
    assert adc.ready is None and "never asserted" in adc.ready_fault
    assert adc.read_many((0, 1, 2)) == [counts(VOLTS[c]) for c in (0, 1, 2)]


def test_a_pin_stuck_at_ready_never_hands_over_an_old_result(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=lambda: True)  # shorted to ground: "ready" all the time
    for seq in ((0, 1, 2), (2, 1, 0), (3, 3, 1)):
        assert adc.read_many(seq) == [counts(VOLTS[c]) for c in seq]
    assert adc.ready is None and "stuck at ready" in adc.ready_fault


def test_a_chip_that_resets_loses_its_thresholds_and_is_polled_until_rearmed(clock, factory):
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    adc.read_many((0, 1, 2))
    bus.lo_thresh, bus.hi_thresh = 0x8000, 0x7FFF  # power glitch: the reset values
    for _ in range(5):
        assert adc.read_many((0, 1, 2)) == [counts(VOLTS[c]) for c in (0, 1, 2)]


def test_errors_anywhere_in_a_pipelined_read_never_give_a_wrong_value(factory):
    clock = FakeClock()
    bus = chip(clock, PROFILES["zero2w-100k"], fail_rate=0.15, seed=3)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    good = failed = 0
    for i in range(300):
        seq = [(i + k) % 4 for k in range(3)]
        try:
            got = adc.read_many(seq)
        except SensorError as e:
            assert e.reason == "no_ack"
            failed += 1
            continue
        assert got == [counts(VOLTS[c]) for c in seq]
        good += 1
    assert good > 250


def test_a_failed_combined_transfer_starts_over_and_runs_during_once(clock, factory):
    """The start-and-fetch fails after its config went through: the new conversion runs and
    will overwrite the result, so the whole read starts again (and `during` is not repeated)."""
    bus = chip(clock)
    adc = make(bus, clock, ready=ready_pin(bus, factory))
    adc.read_many((0, 1, 2))
    bus.rng.randrange = lambda n: n - 2 if n == 3 else 0  # type: ignore[method-assign]
    calls = []

    def during() -> None:
        calls.append(bus.conversions_started)
        bus.fail_next(1, errno.EIO)  # strikes the next transfer: the first start-and-fetch
    started = bus.conversions_started
    assert adc.read_many((0, 1, 2), during=during) == [counts(VOLTS[c]) for c in (0, 1, 2)]
    assert len(calls) == 1
    assert bus.conversions_started - started == 5  # AIN0, AIN1 (lost with its fetch), then all three


def test_bad_channels_still_refused(clock):
    adc = make(chip(clock), clock)
    with pytest.raises(ValueError):
        adc.read_many((0, 4))
    with pytest.raises(ValueError):
        adc.read_many((True,))


def test_combined_transfer_errors_that_are_not_the_bus_are_raised_at_once(clock):
    bus = chip(clock)
    adc = make(bus, clock)
    adc.read_many((0,))
    bus.i2c_rdwr(i2c_msg.write(0x48, [1]), i2c_msg.read(0x48, 2))
    bus.fail_next(5, errno.EBADF)
    with pytest.raises(SensorError) as err:
        adc.read_many((0, 1))
    assert err.value.reason == "os_error"
