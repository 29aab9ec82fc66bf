"""A fake ADS1115 on a fake I2C bus, faithful enough to catch driver mistakes.

Tests and the simulator need an ADC that fails the way the real one does:
conversions take time, the conversion register keeps the *previous* result
until the new one is done, the config register reads back, the wire is
big-endian (so ``read_word_data`` comes back byte-swapped, as on a real SMBus),
and the bus NACKs or errors on demand. Time comes from an injectable clock so a
test of a 8 SPS conversion runs in microseconds.

Datasheet facts modelled (TI SBAS444): pointer 0 conversion, 1 config, 2/3
thresholds; config OS[15] MUX[14:12] PGA[11:9] MODE[8] DR[7:5] COMP_*[4:0],
reset 0x8583; writing OS=1 in power-down starts one conversion and has no
effect while one runs; OS reads 0 while converting, 1 otherwise.
"""
from __future__ import annotations

import errno as _errno
import math
import random
import threading
import time
from collections import deque
from typing import Callable, Sequence

PGA_FULL_SCALE_V = (6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256)  # by PGA code
DATA_RATE_SPS = (8, 16, 32, 64, 128, 250, 475, 860)  # by DR code
MUX_SINGLE_ENDED = {4: 0, 5: 1, 6: 2, 7: 3}  # MUX code -> AINx against GND
MUX_DIFFERENTIAL = {0: (0, 1), 1: (0, 3), 2: (1, 3), 3: (2, 3)}  # MUX code -> (AINp, AINn)

Source = Callable[[int, float], float]  # (channel, t) -> volts


class FakeClock:
    """A monotonic clock that `sleep` advances at once: fake time for fast tests.

    Sleeping yields the GIL (``time.sleep(0)``) so threads still interleave.

    >>> c = FakeClock(); c.sleep(0.5); c()
    0.5
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance time; negative sleeps are ignored, as time.sleep would refuse them."""
        with self._lock:
            self.now += max(0.0, seconds)
        time.sleep(0)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


class FakeI2CDevice:
    """What every fake chip shares: one address, fault injection, hangs, a log.

    Why a base: the ADS1115 and MPU-6050 fakes must fail identically (errno
    121 on a wrong address or on demand, errno 5 for bus errors), so the
    drivers' shared retry rule is tested the same way for both.
    """

    def __init__(self, address: int, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, fail_rate: float = 0.0,
                 seed: int = 0, transfer_time_s: float = 0.0) -> None:
        self.address = address
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.fail_rate = fail_rate
        self.rng = random.Random(seed)
        self.transfer_time_s = transfer_time_s
        self.log: deque[tuple[float, str, int, tuple[int, ...]]] = deque(maxlen=10000)
        self.transactions = 0
        self._failures: deque[int] = deque()
        self._hang_until = -math.inf
        self._bus_lock = threading.RLock()  # the kernel serialises transfers on one bus

    # -- fault injection -------------------------------------------------
    def fail_next(self, n: int = 1, errno: int = _errno.EREMOTEIO) -> None:
        """Make the next `n` transactions raise OSError(errno) (121 no ack, 5 bus error)."""
        self._failures.extend([errno] * n)

    def hang(self, seconds: float) -> None:
        """Make transactions block until `seconds` from now (a stuck bus)."""
        self._hang_until = self.clock() + seconds

    def _transaction(self, addr: int, op: str, reg: int, data: Sequence[int] = ()) -> None:
        """Apply hang, wrong address and injected failures before a transfer."""
        wait = self._hang_until - self.clock()
        if wait > 0:
            self.sleep(wait)
        if self.transfer_time_s:
            self.sleep(self.transfer_time_s)
        self.transactions += 1
        self.log.append((self.clock(), op, reg, tuple(data)))
        if addr != self.address:
            raise OSError(_errno.EREMOTEIO, "Remote I/O error")
        if self._failures:
            code = self._failures.popleft()
            raise OSError(code, "Remote I/O error" if code == _errno.EREMOTEIO else "I/O error")
        if self.fail_rate and self.rng.random() < self.fail_rate:
            raise OSError(_errno.EREMOTEIO, "Remote I/O error")

    # -- smbus2.SMBus-shaped API, in terms of register reads/writes -------
    def _read_reg_bytes(self, reg: int, length: int) -> list[int]:
        raise NotImplementedError

    def _write_reg_bytes(self, reg: int, data: Sequence[int]) -> None:
        raise NotImplementedError

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int,
                            force: bool | None = None) -> list[int]:
        with self._bus_lock:
            self._transaction(i2c_addr, "read", register)
            return self._read_reg_bytes(register, length)

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: Sequence[int],
                             force: bool | None = None) -> None:
        with self._bus_lock:
            self._transaction(i2c_addr, "write", register, data)
            self._write_reg_bytes(register, [int(b) & 0xFF for b in data])

    def read_byte_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int:
        return self.read_i2c_block_data(i2c_addr, register, 1)[0]

    def write_byte_data(self, i2c_addr: int, register: int, value: int,
                        force: bool | None = None) -> None:
        self.write_i2c_block_data(i2c_addr, register, [value])

    def read_word_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int:
        """SMBus word read: first byte on the wire is the LOW byte (as smbus2 does)."""
        first, second = self.read_i2c_block_data(i2c_addr, register, 2)
        return first | (second << 8)

    def write_word_data(self, i2c_addr: int, register: int, value: int,
                        force: bool | None = None) -> None:
        self.write_i2c_block_data(i2c_addr, register, [value & 0xFF, (value >> 8) & 0xFF])

    def close(self) -> None:
        """SMBus has close(); nothing to release here."""


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
                 seed: int = 0, rate_error: float = 0.0, transfer_time_s: float = 0.0) -> None:
        super().__init__(address, clock=clock, sleep=sleep, fail_rate=fail_rate, seed=seed,
                         transfer_time_s=transfer_time_s)
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
        self._continuous_next: float | None = None

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
        if (self.config >> 8) & 1:  # single-shot: power down after one
            self.conversion = self._code(mux, pga, (start + done) / 2)
            return
        period = done - start  # continuous: skip to the conversion under way now
        n = int((now - done) // period)
        last_done = done + n * period
        self.conversion = self._code(mux, pga, last_done - period / 2)
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


def _check_channel(channel: int) -> int:
    if channel not in (0, 1, 2, 3):
        raise ValueError(f"ADS1115 channel must be 0..3, got {channel!r}")
    return channel
