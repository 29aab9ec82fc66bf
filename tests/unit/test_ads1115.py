"""ADS1115 driver against the fake chip: wire format, freshness, timing, errors.
And the MCP3008 alternative (gpiozero, mock SPI) behind the same read(channel).

Every test runs on fake time (FakeClock) except the thread test, which needs
real interleaving and takes a fraction of a second.
"""
from __future__ import annotations

import threading
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockSPIDevice
from hypothesis import given, settings, strategies as st

from drivers.ads1115 import ADS1115, to_signed16
from drivers.i2c import SensorError
from drivers.fake_ads1115 import FakeADS1115Bus, FakeClock
from drivers.mcp3008 import MCP3008Reader

VOLTS = {0: 0.40, 1: 1.25, 2: 2.50, 3: 0.05}  # distinct per channel, to spot stale reads


def counts(volts: float, pga_v: float = 4.096) -> int:
    return round(volts / pga_v * 32768)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(100.0)


@pytest.fixture
def bus(clock: FakeClock) -> FakeADS1115Bus:
    b = FakeADS1115Bus(clock=clock, sleep=clock.sleep)
    for ch, v in VOLTS.items():
        b.set_input(ch, v)
    return b


def make(bus: FakeADS1115Bus, clock: FakeClock, **kw) -> ADS1115:
    return ADS1115(bus, clock=clock, sleep=clock.sleep, **kw)


# --- wire format ----------------------------------------------------------------
def test_config_written_msb_first(bus, clock):
    make(bus, clock).read(0)
    writes = [e for e in bus.log if e[1] == "write"]
    # OS=1, MUX=100 (AIN0), PGA=001 (4.096 V), MODE=1, DR=111 (860), COMP_QUE=11
    assert writes == [(writes[0][0], "write", 1, (0xC3, 0xE3))]


def test_config_word_per_channel_and_settings(bus, clock):
    adc = make(bus, clock, pga_v=2.048, rate_sps=128)
    assert adc.config_word(3) == 0x8000 | 0x7000 | 0x0400 | 0x0100 | 0x0080 | 0x0003


def test_result_read_big_endian(bus, clock):
    bus.set_input(0, 1.0)  # 8000 = 0x1F40; read little-endian it would be 0x401F
    assert make(bus, clock).read(0) == 8000


def test_driver_never_uses_little_endian_word_reads(bus, clock):
    def forbidden(*a, **k):
        raise AssertionError("read_word_data is little-endian; the ADS1115 is big-endian")
    bus.read_word_data = forbidden  # type: ignore[method-assign]
    assert make(bus, clock).read(1) == counts(1.25)


def test_fake_word_read_is_byte_swapped_like_smbus(bus, clock):
    make(bus, clock).read(0)
    raw = bus.read_word_data(0x48, 0)
    assert ((raw & 0xFF) << 8 | raw >> 8) == counts(0.40)


@pytest.mark.parametrize("volts,expected", [(-0.001, -8), (-0.1, -800), (-5.0, -32768)])
def test_negative_counts_are_signed(bus, clock, volts, expected):
    bus.set_input(2, volts)
    assert make(bus, clock).read(2) == expected


def test_set_counts_and_clipping_to_full_scale(bus, clock):
    adc = make(bus, clock)
    bus.set_counts(1, -3)
    bus.set_input(3, 5.0)  # above the 4.096 V full scale
    assert adc.read(1) == -3
    assert adc.read(3) == 32767


def test_to_signed16():
    assert to_signed16(0x80, 0x00) == -32768
    assert to_signed16(0xFF, 0xFF) == -1
    assert to_signed16(0x7F, 0xFF) == 32767


@pytest.mark.parametrize("pga_v", [6.144, 4.096, 2.048, 1.024, 0.512, 0.256])
def test_every_pga_scales(bus, clock, pga_v):
    bus.set_input(0, 0.2)
    assert make(bus, clock, pga_v=pga_v).read(0) == counts(0.2, pga_v)


def test_source_callable_is_sampled_at_conversion_time(clock):
    bus = FakeADS1115Bus(source=lambda ch, t: 0.01 * ch + (t - 100.0), clock=clock,
                         sleep=clock.sleep)
    adc = make(bus, clock, rate_sps=8)
    first = adc.read(1)
    clock.sleep(1.0)
    assert adc.read(1) - first == pytest.approx(counts(1.0 + 1 / 8), abs=2)


# --- freshness: never the previous channel's result ---------------------------
def test_fake_returns_stale_value_when_read_too_early(bus, clock):
    """The trap the driver must avoid: the fake is as unforgiving as the chip."""
    adc = make(bus, clock)
    assert adc.read(0) == counts(0.40)
    bus.write_i2c_block_data(0x48, 1, [0xD3, 0xE3])  # start AIN1
    msb, lsb = bus.read_i2c_block_data(0x48, 0, 2)
    assert to_signed16(msb, lsb) == counts(0.40)  # still AIN0's


def test_switching_channels_returns_each_channels_value(bus, clock):
    adc = make(bus, clock)
    for ch in (0, 1, 2, 3, 3, 1, 0, 2, 1):
        assert adc.read(ch) == counts(VOLTS[ch])


@settings(max_examples=60, deadline=None)
@given(seq=st.lists(st.integers(0, 3), min_size=1, max_size=25),
       rate=st.sampled_from([8, 128, 860]), rate_error=st.floats(-0.1, 0.1))
def test_any_channel_sequence_is_fresh(seq, rate, rate_error):
    clock = FakeClock()
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, rate_error=rate_error)
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    adc = make(bus, clock, rate_sps=rate)
    assert [adc.read(ch) for ch in seq] == [counts(VOLTS[ch]) for ch in seq]


def fail_at(bus: FakeADS1115Bus, k: int, errno: int = 121) -> None:
    """Make the k-th next transaction (1-based) fail once."""
    real = type(bus)._transaction
    calls = {"n": 0}

    def flaky(*a, **kw):
        calls["n"] += 1
        if calls["n"] == k:
            raise OSError(errno, "Remote I/O error")
        return real(bus, *a, **kw)
    bus._transaction = flaky  # type: ignore[method-assign]


def test_conversion_left_running_by_a_failed_read_is_not_returned(clock):
    """A read that failed mid-conversion leaves AIN1 converting; OS=1 written then is ignored."""
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, rate_error=0.1)  # 10 % slow chip
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    adc = make(bus, clock, rate_sps=8, retries=0)
    assert adc.read(0) == counts(VOLTS[0])
    fail_at(bus, 2)  # the first status poll of the next read, while AIN1 still converts
    with pytest.raises(SensorError):
        adc.read(1)
    assert adc.read(2) == counts(VOLTS[2])


# --- OS polling and timing ------------------------------------------------------
def test_first_poll_waits_one_conversion_time(bus, clock):
    adc = make(bus, clock, rate_sps=128)
    adc.read(0)
    write_t = next(t for t, op, reg, _ in bus.log if op == "write")
    polls = [t for t, op, reg, _ in bus.log if op == "read" and reg == 1 and t > write_t]
    assert polls[0] - write_t >= 1 / 128 - 1e-9


def test_slow_oscillator_is_polled_not_hammered(clock):
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, rate_error=0.10)
    bus.set_input(0, 1.0)
    adc = make(bus, clock, rate_sps=860)
    adc.read(0)  # first read also checks the chip is idle
    before = bus.transactions
    assert adc.read(0) == 8000
    polls = bus.transactions - before - 2  # minus the config write and the result read
    assert 1 <= polls <= 3


def test_steady_state_read_costs_three_transactions(bus, clock):
    adc = make(bus, clock)
    adc.read(0)
    before = bus.transactions
    adc.read(1)
    assert bus.transactions - before == 3  # write config, one poll, read result


def test_stalled_chip_times_out_after_a_few_conversion_times(bus, clock):
    adc = make(bus, clock, rate_sps=860)
    assert 2 / 860 < adc.timeout_s < 6 / 860 + 0.003
    adc.read(0)
    bus.stall()
    t0 = clock()
    with pytest.raises(SensorError) as err:
        adc.read(1)
    e = err.value
    assert (e.sensor, e.reason, e.address) == ("ads1115", "timeout", 0x48)
    assert "ADS1115 at 0x48" in str(e)
    assert adc.timeout_s <= clock() - t0 <= adc.timeout_s + 0.001


@pytest.mark.parametrize("timeout_s", [0.0, -1.0, 0.001])
def test_timeout_shorter_than_a_conversion_rejected(bus, timeout_s):
    with pytest.raises(ValueError, match="timeout_s"):
        ADS1115(bus, rate_sps=128, timeout_s=timeout_s)


def test_conversion_time_property(bus, clock):
    assert make(bus, clock, rate_sps=8).conversion_time_s == pytest.approx(0.125)
    assert make(bus, clock, rate_sps=860).conversion_time_s == pytest.approx(1 / 860)


def test_hung_bus_blocks_then_reads_correctly(bus, clock):
    adc = make(bus, clock)
    bus.hang(0.2)
    t0 = clock()
    assert adc.read(2) == counts(VOLTS[2])
    assert clock() - t0 >= 0.2


def test_config_changed_behind_our_back_is_reported(clock):
    class Meddled(FakeADS1115Bus):
        def _write_config(self, value: int) -> None:
            super()._write_config(value ^ 0x0200)  # someone else's PGA
    bus = Meddled(clock=clock, sleep=clock.sleep)
    with pytest.raises(SensorError) as err:
        make(bus, clock).read(0)
    assert err.value.reason == "config_mismatch"


# --- validation -------------------------------------------------------------
@pytest.mark.parametrize("pga_v", [5.0, 0.0, 3.3, -4.096])
def test_bad_pga_rejected_naming_the_value(bus, pga_v):
    with pytest.raises(ValueError, match=repr(pga_v)):
        ADS1115(bus, pga_v=pga_v)


@pytest.mark.parametrize("rate", [0, 7, 100, 861, 1000, 8.5, True])
def test_bad_rate_rejected_naming_the_value(bus, rate):
    with pytest.raises(ValueError, match=repr(rate).replace(".", r"\.")):
        ADS1115(bus, rate_sps=rate)


@pytest.mark.parametrize("channel", [-1, 4, 7, True])
def test_bad_channel_rejected(bus, clock, channel):
    with pytest.raises(ValueError, match="channel"):
        make(bus, clock).read(channel)


def test_accepted_settings(bus):
    for pga in (6.144, 4.096, 2.048, 1.024, 0.512, 0.256):
        for rate in (8, 16, 32, 64, 128, 250, 475, 860):
            ADS1115(bus, pga_v=pga, rate_sps=rate)


# --- bus errors -------------------------------------------------------------
@pytest.mark.parametrize("errno,reason", [(121, "no_ack"), (5, "bus_error")])
def test_transient_errors_are_retried(bus, clock, errno, reason):
    adc = make(bus, clock, retries=3)
    bus.fail_next(3, errno=errno)
    assert adc.read(1) == counts(VOLTS[1])


@pytest.mark.parametrize("errno,reason", [(121, "no_ack"), (5, "bus_error")])
def test_persistent_errors_raise_sensor_error(bus, clock, errno, reason):
    adc = make(bus, clock, retries=3)
    bus.fail_next(4, errno=errno)
    with pytest.raises(SensorError) as err:
        adc.read(1)
    e = err.value
    assert (e.sensor, e.reason, e.errno, e.address) == ("ads1115", reason, errno, 0x48)
    assert isinstance(e.__cause__, OSError)
    assert "ADS1115 at 0x48" in str(e) and f"errno {errno}" in str(e)
    assert adc.read(1) == counts(VOLTS[1])  # and the next read recovers


def test_zero_retries(bus, clock):
    bus.fail_next(1)
    with pytest.raises(SensorError):
        make(bus, clock, retries=0).read(0)


@pytest.mark.parametrize("rate_error", [0.0, 0.1])
def test_error_at_any_point_of_a_read_never_yields_a_wrong_value(clock, rate_error):
    """Fail each transaction position in turn: every read either raises or is right."""
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, rate_error=rate_error)
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    adc = make(bus, clock, rate_sps=64, retries=0)
    for k in range(1, 7):
        for ch in (0, 1, 2, 3):
            fail_at(bus, k)
            try:
                assert adc.read(ch) == counts(VOLTS[ch])
            except SensorError as e:
                assert e.reason == "no_ack"
            del bus._transaction
            assert adc.read((ch + 1) % 4) == counts(VOLTS[(ch + 1) % 4])


def test_random_failures_with_retries_give_only_true_values(clock):
    bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep, fail_rate=0.05, seed=7)
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    adc = make(bus, clock, retries=3)
    for i in range(300):
        assert adc.read(i % 3) == counts(VOLTS[i % 3])


def test_wrong_address_is_no_ack(bus, clock):
    with pytest.raises(SensorError) as err:
        make(bus, clock, address=0x49).read(0)
    e = err.value
    assert (e.reason, e.errno, e.address) == ("no_ack", 121, 0x49)
    assert "0x49" in str(e) and "address" in str(e)


def test_other_os_errors_are_not_retried(bus, clock):
    bus.fail_next(1, errno=9)  # EBADF: the bus was closed
    with pytest.raises(SensorError) as err:
        make(bus, clock, retries=3).read(0)
    assert err.value.reason == "os_error"
    assert bus.transactions == 1


# --- threads ------------------------------------------------------------------
def test_threads_sharing_one_adc_get_their_own_channels():
    """Real time, so threads really interleave inside a conversion."""
    bus = FakeADS1115Bus()
    for ch, v in VOLTS.items():
        bus.set_input(ch, v)
    adc = ADS1115(bus, rate_sps=860)
    wrong: list[tuple[int, object]] = []

    def worker(ch: int) -> None:
        for _ in range(25):
            try:
                value: object = adc.read(ch)
            except SensorError as e:  # without the lock: config_mismatch, timeout
                value = e.reason
            if value != counts(VOLTS[ch]):
                wrong.append((ch, value))

    threads = [threading.Thread(target=worker, args=(ch,)) for ch in (0, 1, 2)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not wrong
    assert time.monotonic() - t0 < 5


def test_lock_is_held_for_the_whole_conversion(bus, clock):
    adc = make(bus, clock)
    seen: list[bool] = []
    real = bus._transaction

    def spy(*a, **k):
        seen.append(adc._lock._is_owned())  # type: ignore[attr-defined]
        return real(*a, **k)
    bus._transaction = spy  # type: ignore[method-assign]
    adc.read(0)
    assert seen and all(seen)


# --- the alternative ADC: MCP3008 through gpiozero, same read(channel) ----------------
class MockMCP3008(MockSPIDevice):
    """The chip's side of the SPI exchange: start bit, SGL/DIFF, D2..D0, then
    a sample clock, a null bit and ten result bits, MSB first."""

    def __init__(self, values: dict[int, int], factory: MockFactory) -> None:
        super().__init__(clock_pin=11, mosi_pin=10, miso_pin=9, select_pin=8,
                         pin_factory=factory)
        self.values = values
        self.requests: list[tuple[int, int]] = []

    def on_bit(self) -> None:
        if 1 not in self.rx_buf:
            return
        start = self.rx_buf.index(1)
        if len(self.rx_buf) == start + 5:
            single, d2, d1, d0 = self.rx_buf[start + 1:start + 5]
            channel = d2 << 2 | d1 << 1 | d0
            self.requests.append((single, channel))
            self.tx_word(self.values.get(channel, 0), 12)  # 2 idle bits, then 10 result bits


@pytest.fixture
def mock_factory():
    """gpiozero's habit: a mock factory per test, reset afterwards. Software SPI in
    gpiozero 2.0 looks up the global factory, so it is set globally too."""
    saved = Device.pin_factory
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = saved


def test_mcp3008_reads_raw_counts_per_channel(mock_factory):
    chip = MockMCP3008({0: 17, 1: 512, 2: 1023}, mock_factory)
    with MCP3008Reader(channels=(0, 1, 2), pin_factory=mock_factory) as reader:
        assert [reader.read(ch) for ch in (2, 0, 1, 1)] == [1023, 17, 512, 512]
    assert chip.requests == [(1, 2), (1, 0), (1, 1), (1, 1)]  # single-ended requests


def test_mcp3008_unconfigured_channel_rejected(mock_factory):
    MockMCP3008({}, mock_factory)
    with MCP3008Reader(channels=(0, 1), pin_factory=mock_factory) as reader:
        with pytest.raises(ValueError, match="2"):
            reader.read(2)


@pytest.mark.parametrize("channels", [(0, 8), (-1,), (1, 1)])
def test_mcp3008_bad_channels_rejected(channels):
    with pytest.raises(ValueError):
        MCP3008Reader(channels=channels, device_factory=lambda **kw: None)


class ValueOnlyDevice:
    def __init__(self, channel: int, pin_factory=None, **kw) -> None:
        self.value = channel / 4
        self.closed = False
        self.kw = kw

    def close(self) -> None:
        self.closed = True


def test_mcp3008_value_scaled_and_spi_kwargs_passed():
    reader = MCP3008Reader(channels=(0, 2, 4), device_factory=ValueOnlyDevice, port=0, device=1)
    devices = list(reader._devices.values())
    assert [reader.read(c) for c in (0, 2, 4)] == [0, 512, 1023]
    assert devices[0].kw == {"port": 0, "device": 1}
    reader.close()
    reader.close()
    assert all(d.closed for d in devices)


def test_both_adcs_share_the_read_interface(bus, clock):
    readers = [make(bus, clock), MCP3008Reader(device_factory=ValueOnlyDevice)]
    for r in readers:
        assert isinstance(r.read(1), int)


def test_fake_continuous_mode_keeps_converting(bus, clock):
    """Not used by the driver, but the simulator may: the fake must not fall over."""
    bus.write_i2c_block_data(0x48, 1, [0x42, 0xE3])  # AIN0, 4.096 V, continuous, 860 SPS
    clock.sleep(10.0)
    msb, lsb = bus.read_i2c_block_data(0x48, 0, 2)
    assert to_signed16(msb, lsb) == counts(VOLTS[0])
    assert bus.read_i2c_block_data(0x48, 1, 2)[0] & 0x80 == 0  # always converting
