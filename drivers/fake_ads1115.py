"""A fake ADS1115 on a fake I2C bus, faithful enough to catch driver mistakes.

Tests and the simulator need an ADC that fails the way the real one does:
conversions take time, the conversion register keeps the *previous* result
until the new one is done, the config register reads back, the wire is
big-endian (so ``read_word_data`` comes back byte-swapped, as on a real SMBus),
and the bus NACKs or errors on demand. Time comes from an injectable clock so a
test of a 8 SPS conversion runs in microseconds; a board profile on the bus
(drivers/fake_i2c.py) gives each transfer the time a Pi's bus would take.

Datasheet facts modelled (TI SBAS444): pointer 0 conversion, 1 config, 2/3
thresholds (reset 0x8000 and 0x7FFF); config OS[15] MUX[14:12] PGA[11:9]
MODE[8] DR[7:5] COMP_MODE[4] COMP_POL[3] COMP_LAT[2] COMP_QUE[1:0], reset
0x8583; writing OS=1 in power-down starts one conversion and has no effect
while one runs; OS reads 0 while converting, 1 otherwise.

The ALERT/RDY pin (`attach_ready_pin`): with the MSB of Hi_thresh 1, the MSB
of Lo_thresh 0 and COMP_QUE not 11 it is a conversion-ready pin. In
single-shot mode it asserts at the end of a conversion and stays asserted
until the next one starts (it follows the OS bit); in continuous mode it
pulses for about 8 us at the end of each conversion. COMP_POL sets the
asserted level (0: low, the reset value); otherwise the open-drain output is
released and the pull-up holds the line high. The traditional and window
comparator uses of the pin are not modelled: released.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from drivers.fake_i2c import BusWire, FakeI2CDevice
from drivers.fake_time import FakeClock, simulating

__all__ = ["FakeADS1115Bus", "FakeClock", "FakeI2CDevice", "BusWire"]  # FakeClock, FakeI2CDevice: their old home

PGA_FULL_SCALE_V = (6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256)  # by PGA code
DATA_RATE_SPS = (8, 16, 32, 64, 128, 250, 475, 860)  # by DR code
MUX_SINGLE_ENDED = {4: 0, 5: 1, 6: 2, 7: 3}  # MUX code -> AINx against GND
MUX_DIFFERENTIAL = {0: (0, 1), 1: (0, 3), 2: (1, 3), 3: (2, 3)}  # MUX code -> (AINp, AINn)
READY_PULSE_S = 8e-6  # continuous mode: the conversion-ready pulse

Source = Callable[[int, float], float]  # (channel, t) -> volts


class FakeADS1115Bus(FakeI2CDevice):
    """An I2C bus with one ADS1115 on it.

    Inputs: ``set_input(channel, volts_or_callable)``, ``set_counts(channel, n)``
    or a ``source(channel, t) -> volts`` for every channel without its own
    input. A conversion samples its input at its midpoint and takes 1/DR
    seconds (times ``1 + rate_error``, the oscillator's +-10 %).

    >>> clock = FakeClock()
    >>> bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep)
    >>> bus.set_input(0, 1.0)
    >>> bus.write_i2c_block_data(0x48, 1, [0xC3, 0xE3])   # AIN0, 4.096 V, single, 860 SPS
    >>> bus.read_i2c_block_data(0x48, 1, 2)[0] >> 7       # OS = 0: converting
    0
    >>> clock.sleep(1 / 860)
    >>> bus.read_i2c_block_data(0x48, 0, 2)               # 1.0 V = 8000 counts, big-endian
    [31, 64]
    """

    def __init__(self, address: int = 0x48, *, source: Source | None = None,
                 clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, fail_rate: float = 0.0,
                 seed: int = 0, rate_error: float = 0.0, wire: BusWire | None = None) -> None:
        super().__init__(address, clock=clock, sleep=sleep, fail_rate=fail_rate, seed=seed,
                         wire=wire)
        self.source = source
        self.rate_error = rate_error
        self.inputs: dict[int, tuple[str, float | Callable[[float], float]]] = {}
        self.config = 0x8583
        self.conversion = 0
        self.lo_thresh = 0x8000
        self.hi_thresh = 0x7FFF
        self.stalled = False
        self.conversions_started = 0
        self._busy: tuple[float, float, int, int] | None = None  # (start, done_at, mux, pga)
        self._last_done = -math.inf

    # -- inputs ------------------------------------------------------------
    def set_input(self, channel: int, volts: float | Callable[[float], float]) -> None:
        """AINx in volts against GND: a number, or a callable of time."""
        self.inputs[_check_channel(channel)] = ("volts", volts)

    def set_counts(self, channel: int, counts: int) -> None:
        """AINx as the count it should read at whatever PGA is configured."""
        self.inputs[_check_channel(channel)] = ("counts", int(counts))

    def stall(self, on: bool = True) -> None:
        """Conversions never finish (OS stays 0): a chip in a bad state."""
        self.stalled = on

    def volts(self, channel: int, t: float) -> float:
        """The voltage on AINx at time t (0 V when nothing is connected)."""
        kind, value = self.inputs.get(channel, ("src", 0.0))
        if kind == "src":
            return float(self.source(channel, t)) if self.source else 0.0
        if kind == "counts":
            return float(value) * self._full_scale() / 32768.0  # type: ignore[arg-type]
        return float(value(t)) if callable(value) else float(value)

    # -- chip model --------------------------------------------------------
    @property
    def conversion_time_s(self) -> float:
        """Time one conversion takes at the configured data rate."""
        return (1.0 + self.rate_error) / DATA_RATE_SPS[(self.config >> 5) & 0x7]

    def _full_scale(self, pga: int | None = None) -> float:
        return PGA_FULL_SCALE_V[(self.config >> 9) & 0x7 if pga is None else pga]

    def _code(self, mux: int, pga: int, t: float) -> int:
        """The signed 16-bit result for MUX/PGA at time t, clipped to full scale."""
        if mux in MUX_SINGLE_ENDED:
            v = self.volts(MUX_SINGLE_ENDED[mux], t)
        else:
            p, n = MUX_DIFFERENTIAL[mux]
            v = self.volts(p, t) - self.volts(n, t)
        code = int(round(v / self._full_scale(pga) * 32768.0))
        return max(-32768, min(32767, code))

    def _settle(self) -> None:
        """Finish a conversion whose time has come; run continuous mode on."""
        now = self.clock()
        if not self._busy or self.stalled or now < self._busy[1]:
            return
        start, done, mux, pga = self._busy
        self._busy = None
        self._last_done = done
        if (self.config >> 8) & 1:  # single-shot: power down after one
            self.conversion = self._code(mux, pga, (start + done) / 2)
            return
        period = done - start  # continuous: skip to the conversion under way now
        n = int((now - done) // period)
        last_done = done + n * period
        self.conversion = self._code(mux, pga, last_done - period / 2)
        self._last_done = last_done
        self._start(last_done)

    def _start(self, t: float) -> None:
        self.conversions_started += 1
        mux, pga = (self.config >> 12) & 0x7, (self.config >> 9) & 0x7
        self._busy = (t, t + self.conversion_time_s, mux, pga)

    def _read_reg_bytes(self, reg: int, length: int) -> list[int]:
        self._settle()
        value = self._register(reg & 0x3)
        data = [(value >> 8) & 0xFF, value & 0xFF]
        return (data * ((length + 1) // 2))[:length]  # the chip repeats on long reads

    def _register(self, reg: int) -> int:
        if reg == 0:
            return self.conversion & 0xFFFF
        if reg == 1:
            os_bit = 0 if self._busy else 0x8000
            return (self.config & 0x7FFF) | os_bit
        return self.lo_thresh if reg == 2 else self.hi_thresh

    def _write_reg_bytes(self, reg: int, data: Sequence[int]) -> None:
        self._settle()
        if len(data) < 2:
            return  # a pointer-only write: the next read uses this register
        value = (data[0] << 8) | data[1]
        reg &= 0x3
        if reg == 1:
            self._write_config(value)
        elif reg == 2:
            self.lo_thresh = value
        elif reg == 3:
            self.hi_thresh = value

    def _write_config(self, value: int) -> None:
        """Store the config; OS=1 starts a conversion only when idle."""
        self.config = value & 0x7FFF
        continuous = not (value >> 8) & 1
        if self._busy is None and (value & 0x8000 or continuous):
            self._start(self.clock())


    # -- the ALERT/RDY pin ----------------------------------------------------
    def ready_mode(self) -> bool:
        """Thresholds and COMP_QUE set for conversion-ready (datasheet: Hi MSB 1, Lo MSB 0, QUE != 11)."""
        return bool(self.hi_thresh & 0x8000) and not self.lo_thresh & 0x8000 and self.config & 0x3 != 0x3

    def ready_level(self) -> bool:
        """The level on ALERT/RDY now: True is high (asserted when COMP_POL=1, else released)."""
        with simulating(self.clock):
            self.wire.ioctl()  # the GPIO read that asks for it is a system call on the Pi
            if not self.ready_mode():
                return True  # open drain released: the pull-up holds it high
            self._settle()
            if (self.config >> 8) & 1:
                asserted = self._busy is None  # single-shot: follows OS
            else:
                asserted = self.clock() - self._last_done < READY_PULSE_S
            active_high = bool(self.config & 0x8)
            return asserted == active_high

    def attach_ready_pin(self, factory: Any, pin: int) -> Any:
        """Wire ALERT/RDY to GPIO `pin` of a gpiozero MockFactory (before anything opens that pin)."""
        from drivers.fake_pins import wired_input_pin
        return wired_input_pin(factory, pin, self.ready_level)


def _check_channel(channel: int) -> int:
    if channel not in (0, 1, 2, 3):
        raise ValueError(f"ADS1115 channel must be 0..3, got {channel!r}")
    return channel
