"""TI ADS1115 16-bit ADC over I2C: single-shot reads of AIN0..AIN3 against GND.

Why single-shot and not continuous mode: the sampler reads three channels in
turn, and switching the multiplexer in continuous mode leaves a conversion of
the old channel in flight. Writing the whole config with OS=1 for every read and
waiting for OS to report "done" ties each result to the channel asked for.

The bus is injected (anything with smbus2.SMBus's block/byte methods), so the
same code runs on the Pi, against ``FakeADS1115Bus`` in tests and in the
simulator. Registers are described below as data, from the datasheet (TI
SBAS444): all 16-bit registers are big-endian on the wire, which is why
``read_word_data`` (little-endian SMBus words) is never used.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from drivers.i2c import SensorError, bus_lock, i2c_call, to_signed16

SENSOR = "ads1115"


@dataclass(frozen=True)
class Field:
    """A bit field of a register: `width` bits starting at bit `shift`."""

    shift: int
    width: int

    def encode(self, value: int) -> int:
        mask = (1 << self.width) - 1
        if not 0 <= value <= mask:
            raise ValueError(f"field value {value} does not fit in {self.width} bits")
        return value << self.shift

    def decode(self, word: int) -> int:
        return (word >> self.shift) & ((1 << self.width) - 1)


# --- register map (datasheet "Register Map") -------------------------------
POINTER_CONVERSION = 0x00
POINTER_CONFIG = 0x01

CONFIG_FIELDS: dict[str, Field] = {
    "os": Field(15, 1),         # write 1: start one conversion; read 1: idle, 0: converting
    "mux": Field(12, 3),        # 0b100 + x: AINx against GND
    "pga": Field(9, 3),         # full-scale range
    "mode": Field(8, 1),        # 1: single-shot / power-down
    "dr": Field(5, 3),          # data rate
    "comp_mode": Field(4, 1),
    "comp_pol": Field(3, 1),
    "comp_lat": Field(2, 1),
    "comp_que": Field(0, 2),    # 0b11: comparator off, ALERT/RDY high-Z
}
MUX_SINGLE_ENDED_BASE = 0b100
MODE_SINGLE_SHOT = 1
COMP_QUE_DISABLE = 0b11
PGA_CODES: dict[float, int] = {6.144: 0, 4.096: 1, 2.048: 2, 1.024: 3, 0.512: 4, 0.256: 5}
DR_CODES: dict[int, int] = {8: 0, 16: 1, 32: 2, 64: 3, 128: 4, 250: 5, 475: 6, 860: 7}
OSCILLATOR_TOLERANCE = 0.10  # the data rate may be up to 10 % slow


def pga_code(pga_v: float) -> int:
    """The PGA code of a full-scale voltage; ValueError names a bad one."""
    for volts, code in PGA_CODES.items():
        if math.isclose(pga_v, volts, rel_tol=1e-6):
            return code
    raise ValueError(f"ADS1115 pga_v={pga_v!r} is not one of {sorted(PGA_CODES)}")


def dr_code(rate_sps: int) -> int:
    """The DR code of a data rate; ValueError names a bad one."""
    if isinstance(rate_sps, bool) or rate_sps not in DR_CODES:
        raise ValueError(f"ADS1115 rate_sps={rate_sps!r} is not one of {sorted(DR_CODES)}")
    return DR_CODES[rate_sps]


class ADS1115:
    """One ADS1115; `read(channel)` returns the signed count of AINx against GND.

    Example, against the fake chip with a fake clock (the real thing takes an
    ``smbus2.SMBus(1)``):

    >>> from drivers.fake_ads1115 import FakeADS1115Bus, FakeClock
    >>> clock = FakeClock()
    >>> bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep)
    >>> bus.set_input(0, 1.0); bus.set_input(2, 3.3)
    >>> adc = ADS1115(bus, pga_v=4.096, rate_sps=860, clock=clock, sleep=clock.sleep)
    >>> adc.read(0), adc.read(2)
    (8000, 26400)
    >>> round(adc.volts(adc.read(2)), 3)
    3.3
    """

    def __init__(self, bus: Any, address: int = 0x48, pga_v: float = 4.096,
                 rate_sps: int = 860, retries: int = 3, timeout_s: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 lock: threading.RLock | None = None) -> None:
        self._pga = pga_code(pga_v)
        self._dr = dr_code(rate_sps)
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries!r}")
        self.bus = bus
        self.address = address
        self.pga_v = float(pga_v)
        self.rate_sps = rate_sps
        self.retries = retries
        self.timeout_s = self._default_timeout() if timeout_s is None else float(timeout_s)
        if self.timeout_s < (1.0 + OSCILLATOR_TOLERANCE) * self.conversion_time_s:
            raise ValueError(f"ADS1115 timeout_s={timeout_s!r} is shorter than one conversion "
                             f"at {rate_sps} SPS ({self.conversion_time_s * 1.1:.4f} s)")
        self._clock = clock
        self._sleep = sleep
        self._lock = lock or bus_lock(bus)
        self._unsure = True  # True until a conversion finished cleanly: the chip may be busy
        self._oversleep = 0.0  # how late sleeps wake, learnt

    # --- public --------------------------------------------------------------
    @property
    def conversion_time_s(self) -> float:
        """Nominal time of one conversion, 1/DR (the chip may be 10 % slower)."""
        return 1.0 / self.rate_sps

    @property
    def lsb_v(self) -> float:
        """Volts per count at the configured PGA."""
        return self.pga_v / 32768.0

    def volts(self, count: int) -> float:
        """A count read by this ADC, in volts."""
        return count * self.lsb_v

    def read(self, channel: int) -> int:
        """One fresh single-shot conversion of AIN`channel` against GND, as a signed count.

        Raises SensorError ("no_ack", "bus_error", "timeout", ...) rather than
        ever returning a previous result.
        """
        word = self.config_word(channel)
        with self._lock:
            return self._convert(word)

    def probe(self) -> int:
        """The config register as the chip answers it (it has no ID register: answering is the probe).

        Raises SensorError when nothing answers at the address."""
        with self._lock:
            return self._read_register(POINTER_CONFIG)

    def config_word(self, channel: int) -> int:
        """The config that starts a single-shot conversion of AIN`channel`."""
        if isinstance(channel, bool) or channel not in (0, 1, 2, 3):
            raise ValueError(f"ADS1115 channel must be 0..3, got {channel!r}")
        f = CONFIG_FIELDS
        return (f["os"].encode(1) | f["mux"].encode(MUX_SINGLE_ENDED_BASE + channel)
                | f["pga"].encode(self._pga) | f["mode"].encode(MODE_SINGLE_SHOT)
                | f["dr"].encode(self._dr) | f["comp_que"].encode(COMP_QUE_DISABLE))

    # --- the conversion --------------------------------------------------------
    def _convert(self, word: int) -> int:
        """Start, wait, check, fetch. Why each step is there:

        - an earlier read that failed half-way may have left a conversion
          running; OS=1 written then is ignored and the old channel's result
          would come back, so wait for idle first;
        - the first status poll comes at about 1/DR (the sleep is shortened by
          how late sleeps have been waking), to leave the bus free while the
          chip converts;
        - the config read back with OS=1 must hold our MUX/PGA/DR, proving the
          result is of this conversion and not of a config someone else wrote.
        """
        if self._unsure:
            self._wait_idle()
        self._unsure = True
        self._write_config(word)
        started = self._clock()
        self._sleep_through_conversion(started)
        status = self._wait_done(started)
        if (status & 0x7FFF) != (word & 0x7FFF):
            raise SensorError(SENSOR, "config_mismatch", address=self.address,
                              message=f"{self._where()} reads config 0x{status:04X}, "
                                      f"wrote 0x{word:04X}: it reset or another program "
                                      "uses the bus")
        value = self._read_register(POINTER_CONVERSION)
        self._unsure = False
        return value

    def _sleep_through_conversion(self, started: float) -> None:
        """Sleep until about the end of the conversion, allowing for how late sleeps wake.

        `time.sleep` wakes some 60-110 us late on Linux (timer slack and
        scheduling); at 860 SPS that is a tenth of the conversion, so the
        lateness is learnt (a moving average) and taken off the next sleep."""
        want = max(self.conversion_time_s - self._oversleep, 0.0)
        self._sleep(want)
        late = self._clock() - started - want
        self._oversleep += 0.1 * (min(max(late, 0.0), self.conversion_time_s / 4) - self._oversleep)

    def _wait_done(self, started: float) -> int:
        """Poll the config until OS=1; at least one poll comes after the deadline.

        Until the nominal end of the conversion, sleep just that long; after
        it (a slow oscillator), poll every tenth of a conversion."""
        interval = max(self.conversion_time_s / 10.0, 0.0002)
        nominal_end = started + self.conversion_time_s
        while True:
            late = self._clock() - started > self.timeout_s
            status = self._read_register(POINTER_CONFIG) & 0xFFFF
            if status & 0x8000:
                return status
            if late:
                raise SensorError(SENSOR, "timeout", address=self.address,
                                  message=f"{self._where()} did not finish a conversion in "
                                          f"{self.timeout_s * 1000:.1f} ms (OS bit stayed 0): "
                                          "check its power supply; the chip may have reset")
            left = nominal_end - self._clock()
            self._sleep(left + 0.00002 if left > 0 else interval)

    def _wait_idle(self) -> None:
        """Let a conversion left over from an earlier, failed read finish."""
        self._wait_done(self._clock())

    def _default_timeout(self) -> float:
        """A few slow conversion times plus scheduling slack."""
        return 3.0 * (1.0 + OSCILLATOR_TOLERANCE) / self.rate_sps + 0.002

    # --- bus access --------------------------------------------------------------
    def _write_config(self, word: int) -> None:
        data = [(word >> 8) & 0xFF, word & 0xFF]  # MSB first on the wire
        self._call(lambda: self.bus.write_i2c_block_data(self.address, POINTER_CONFIG, data))

    def _read_register(self, pointer: int) -> int:
        """A 16-bit register, big-endian on the wire; conversion results signed."""
        msb, lsb = self._call(lambda: self.bus.read_i2c_block_data(self.address, pointer, 2))
        if pointer == POINTER_CONVERSION:
            return to_signed16(msb, lsb)
        return (msb << 8) | lsb

    def _call(self, fn: Callable[[], Any]) -> Any:
        return i2c_call(SENSOR, self.address, fn, self.retries, self._sleep)

    def _where(self) -> str:
        return f"ADS1115 at 0x{self.address:02X}"

    def __repr__(self) -> str:
        return (f"ADS1115(address=0x{self.address:02X}, pga_v={self.pga_v}, "
                f"rate_sps={self.rate_sps})")
