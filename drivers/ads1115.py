"""TI ADS1115 16-bit ADC over I2C: single-shot reads of AIN0..AIN3 against GND.

Why single-shot and not continuous mode: the sampler reads three channels in
turn, and switching the multiplexer in continuous mode leaves a conversion of
the old channel in flight. Writing the whole config with OS=1 for every read and
waiting for the chip to report "done" ties each result to the channel asked for.

Why the bus path is this lean (a Pi Zero 2 W must hold 100 Hz, ADR 0021):

- every transfer is an smbus2 ``i2c_rdwr`` of messages built once: no config
  word computed per read, no address-select ioctl;
- `read_many` starts the next channel and fetches the finished one in one
  combined transfer (write config, write pointer 0, read two bytes): the
  result of conversion N stays in the conversion register until conversion
  N+1 ends, a whole conversion time later, and the Pi's controller takes a
  read as the last message of a transfer;
- "done?" is asked once per conversion, after one sleep to the end the driver
  has learnt, of the ALERT/RDY pin when it is wired (a GPIO read, no bus
  transaction) and otherwise of the OS bit (a status read that also proves the
  config is ours).

The bus is injected (smbus2.SMBus, or ``FakeADS1115Bus`` in tests and the
simulator), and so is the ALERT/RDY input (a gpiozero ``InputDevice`` with
the pull-up on). Registers are described as data, from the datasheet
(TI SBAS444, drivers/ads1115_registers.py): all 16-bit registers are
big-endian on the wire, which is why ``read_word_data`` (little-endian SMBus
words) is never used.
"""
from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any, Callable, Sequence

from smbus2 import i2c_msg

from drivers.ads1115_registers import (COMP_QUE_DISABLE, COMP_QUE_ONE, CONFIG_FIELDS, MODE_SINGLE_SHOT,
                                       MUX_SINGLE_ENDED_BASE, OSCILLATOR_TOLERANCE, POINTER_CONFIG,
                                       POINTER_CONVERSION, POINTER_HI_THRESH, POINTER_LO_THRESH,
                                       READY_HI_THRESH, READY_LO_THRESH, READY_MISSES_ALLOWED,
                                       dr_code, pga_code)
from drivers.conversion_timing import LearntEnd, Started
from drivers.i2c import RETRYABLE_ERRNOS, SensorError, bus_lock, from_oserror, i2c_call, to_signed16

SENSOR = "ads1115"
__all__ = ["ADS1115", "SENSOR", "SensorError", "to_signed16"]


class _Restart(Exception):
    """A combined transfer failed: whether the next conversion started is unknown, so start over."""

    def __init__(self, error: SensorError) -> None:
        super().__init__(str(error))
        self.error = error


class ADS1115:
    """One ADS1115; `read(channel)` returns the signed count of AINx against GND.

    Example, against the fake chip with a fake clock (the real thing takes an
    ``smbus2.SMBus(1)``, and optionally `ready`, a function that says whether
    the ALERT/RDY line reads "conversion ready" now: a read of the GPIO it is
    wired to, pull-up on, low = ready):

    >>> from drivers.fake_ads1115 import FakeADS1115Bus, FakeClock
    >>> clock = FakeClock()
    >>> bus = FakeADS1115Bus(clock=clock, sleep=clock.sleep)
    >>> bus.set_input(0, 1.0); bus.set_input(2, 3.3)
    >>> adc = ADS1115(bus, pga_v=4.096, rate_sps=860, clock=clock, sleep=clock.sleep)
    >>> adc.read(0), adc.read(2)
    (8000, 26400)
    >>> adc.read_many((2, 0))
    [26400, 8000]
    >>> round(adc.volts(adc.read(2)), 3)
    3.3
    """

    def __init__(self, bus: Any, address: int = 0x48, pga_v: float = 4.096,
                 rate_sps: int = 860, retries: int = 3, timeout_s: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 lock: threading.RLock | None = None,
                 ready: Callable[[], bool] | None = None) -> None:
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
        self.ready = ready  # reads ALERT/RDY: True = conversion ready; None: poll the OS bit
        self.ready_hits = self.ready_misses = 0
        self.ready_fault = ""
        self._comp_que = COMP_QUE_DISABLE if ready is None else COMP_QUE_ONE
        self._words = {ch: self.config_word(ch) for ch in range(4)}
        self._msgs = {ch: self._messages(ch) for ch in range(4)}
        self._starts = {ch: partial(bus.i2c_rdwr, msgs[0]) for ch, msgs in self._msgs.items()}
        self._status = (i2c_msg.write(address, [POINTER_CONFIG]), i2c_msg.read(address, 2))
        self._result = (i2c_msg.write(address, [POINTER_CONVERSION]), i2c_msg.read(address, 2))
        self._pointer: int | None = None  # the register the chip points at now (None: not sure)
        self._unsure = True  # True until a conversion finished cleanly: the chip may be busy
        self._armed = False  # the thresholds hold the conversion-ready setting
        # from the end of the starting transfer to "done", learnt: started alone, or combined
        t = self.conversion_time_s
        self._end = LearntEnd(t, (1.0 + OSCILLATOR_TOLERANCE) * t, clock, sleep)  # when to ask "done?"
        self._shortest = (1.0 - OSCILLATOR_TOLERANCE) * t
        self._interval = max(t / 10.0, 0.0002)  # between questions once the learnt end has passed
        self._valid: set[tuple[int, ...]] = set()

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
        return self.read_many((channel,))[0]

    def read_many(self, channels: Sequence[int],
                  during: Callable[[], None] | None = None) -> list[int]:
        """Fresh conversions of `channels` in turn; `during()` runs while the first one converts.

        Why `during`: the sampler reads the IMU there, in time the bus would
        otherwise sit idle. It runs once, even when a failed combined transfer
        makes the conversions start over. SensorError as for `read`.
        """
        channels = tuple(channels)
        if channels not in self._valid:
            for ch in channels:
                self._check_channel(ch)
            self._valid.add(channels)
        with self._lock:
            for attempt in range(self.retries + 1):
                try:
                    return self._convert(channels, during)
                except _Restart as restart:
                    during = None
                    if attempt == self.retries:
                        raise restart.error from None
        raise AssertionError("unreachable")

    def probe(self) -> int:
        """The config register as the chip answers it (it has no ID register: answering is the probe).

        Raises SensorError when nothing answers at the address."""
        with self._lock:
            return self._read_register(self._status)

    def check_ready_pin(self) -> bool:
        """Convert through the ALERT/RDY pin a few times; False, and OS polling from then on, if it fails."""
        for _ in range(READY_MISSES_ALLOWED):
            if self.ready is None:
                return False
            self.read(0)
        return self.ready is not None and self.ready_hits > 0

    def config_word(self, channel: int) -> int:
        """The config that starts a single-shot conversion of AIN`channel`."""
        self._check_channel(channel)
        f = CONFIG_FIELDS
        return (f["os"].encode(1) | f["mux"].encode(MUX_SINGLE_ENDED_BASE + channel)
                | f["pga"].encode(self._pga) | f["mode"].encode(MODE_SINGLE_SHOT)
                | f["dr"].encode(self._dr) | f["comp_que"].encode(self._comp_que))

    # --- the conversions -------------------------------------------------------
    def _convert(self, channels: Sequence[int], during: Callable[[], None] | None) -> list[int]:
        """Start the first, then per channel: wait, start the next while fetching this one.

        - an earlier read that failed half-way may have left a conversion
          running; OS=1 written then is ignored and the old channel's result
          would come back, so wait for idle first (and set the thresholds
          again: a chip that reset has lost them);
        - each result is fetched in the transfer that starts the next
          conversion, long before that one can overwrite it.
        """
        if self._unsure:
            self._wait_done(self._clock(), None)
            self._armed = False
        if self.ready is not None and not self._armed:
            self._arm()
        self._unsure = True
        started = self._start(channels[0])
        if during is not None:
            during()
        values = []
        last = len(channels) - 1
        for i, ch in enumerate(channels):
            self._await(started, self._words[ch])
            if i < last:
                started, value = self._swap(channels[i + 1])
            else:
                value = self._read_register(self._result)
            values.append(value)
        self._unsure = False
        return values

    def _start(self, channel: int) -> Started:
        before = self._clock()
        self._pointer = None
        self._call(self._starts[channel])
        self._pointer = POINTER_CONFIG
        return Started(before, self._clock(), self._pin_released(before), 0)

    def _swap(self, channel: int) -> tuple[Started, int]:
        """Config of `channel` (starts it), pointer 0, read: the finished result, in one transfer.

        Not retried as one transaction: after a failure nobody knows whether
        the new conversion started and will overwrite the result."""
        msgs = self._msgs[channel]
        before = self._clock()
        self._pointer = None
        try:
            self.bus.i2c_rdwr(*msgs)
        except OSError as exc:
            err = from_oserror(SENSOR, self.address, exc, 1)
            if exc.errno in RETRYABLE_ERRNOS:
                raise _Restart(err) from exc
            raise err from exc
        raw = bytes(msgs[2])
        self._pointer = POINTER_CONVERSION
        started = Started(before, self._clock(), self._pin_released(before), 1)
        return started, to_signed16(raw[0], raw[1])

    def _await(self, started: Started, word: int) -> None:
        """Sleep once, to where conversions have been ending, then ask whether this one is done."""
        self._end.sleep_until_due(started)
        trusted = started.trusted
        if trusted and self.ready():  # type: ignore[misc]  # the usual case: one look, done
            self._end.learn(True, 0.0, started)
        elif self._wait_done(started.after, None if trusted else word, trusted, started,
                             looked=trusted) is not None:
            return  # the OS bit answered
        if trusted:
            self.ready_hits += 1
            self.ready_misses = 0

    def _wait_done(self, since: float, word: int | None, use_pin: bool = False,
                   learn: Started | None = None, looked: bool = False) -> int | None:
        """Ask until done: the pin's level, or the OS bit (status returned); learn how long it took.

        The first question comes after the learnt end (drivers/conversion_timing.py),
        so nearly every conversion costs one sleep and one question. `word`: the config the
        status must show (OS aside), None to skip the check; `learn`: the
        conversion being waited for (None: a wait for idle); `looked`: the
        pin was asked once already, in vain. The timeout counts from `since`,
        when the conversion had certainly started."""
        first = not looked
        if looked:
            self._sleep(self._interval)
        while True:
            if use_pin:
                status = None
                done = self.ready()  # type: ignore[misc]
            else:
                status = self._read_register(self._status) & 0xFFFF
                done = bool(status & 0x8000)
            now = self._clock()
            if done:
                if learn is not None:
                    self._end.learn(first, now, learn)
                if status is not None and word is not None and (status & 0x7FFF) != (word & 0x7FFF):
                    raise self._mismatch(status, word)
                return status
            if now - since > self.timeout_s:
                if not use_pin:
                    raise SensorError(SENSOR, "timeout", address=self.address,
                                      message=f"{self._where()} did not finish a conversion in "
                                              f"{self.timeout_s * 1000:.1f} ms (OS bit stayed 0): "
                                              "check its power supply; the chip may have reset")
                self._pin_failed("never asserted")
                use_pin = False  # the OS bit tells whether the chip or the pin is at fault
                continue
            first = False
            self._sleep(self._interval)

    # --- the ALERT/RDY pin --------------------------------------------------------
    def _arm(self) -> None:
        """Thresholds for conversion-ready: Lo_thresh MSB 0, Hi_thresh MSB 1 (with COMP_QUE 00)."""
        for pointer, value in ((POINTER_LO_THRESH, READY_LO_THRESH),
                               (POINTER_HI_THRESH, READY_HI_THRESH)):
            msg = i2c_msg.write(self.address, [pointer, value >> 8, value & 0xFF])
            self._pointer = None
            self._call(partial(self.bus.i2c_rdwr, msg))
            self._pointer = pointer
        self._armed = True

    def _pin_released(self, started: float) -> bool:
        """Whether to trust the pin for the conversion just started: it must read not-ready now.

        A pin stuck at "ready" would hand over the previous result, so it is
        trusted only when seen released after the start (the line is then
        working and follows this conversion). Seen at "ready" sooner than the
        shortest conversion after the start began, it is stuck; later than
        that, nobody can tell, and the OS bit is asked this time."""
        if self.ready is None:
            return False
        if not self.ready():
            return True
        if self._clock() - started < self._shortest:
            self._pin_failed("stuck at ready")
        return False

    def _pin_failed(self, why: str) -> None:
        self.ready_misses += 1
        if self.ready_misses >= READY_MISSES_ALLOWED:
            self.ready_fault = f"ALERT/RDY {why} {self.ready_misses} times in a row: polling the OS bit"
            self.ready = None

    # --- bus access --------------------------------------------------------------
    def _messages(self, channel: int) -> tuple[Any, ...]:
        """The transfer that starts `channel` and fetches the previous result (its first message alone starts)."""
        word = self._words[channel]
        return (i2c_msg.write(self.address, [POINTER_CONFIG, word >> 8, word & 0xFF]),
                i2c_msg.write(self.address, [POINTER_CONVERSION]), i2c_msg.read(self.address, 2))

    def _read_register(self, msgs: tuple[Any, Any]) -> int:
        """A 16-bit register, big-endian on the wire; conversion results signed.

        The chip keeps its pointer until a write changes it (TI SBAS444), so
        when it already points at the register the pointer is not sent again:
        after a start-and-fetch, the last result is a bare two-byte read."""
        pointer = msgs[0].buf[0][0]
        send = msgs[1:] if self._pointer == pointer else msgs
        self._pointer = None
        self._call(lambda: self.bus.i2c_rdwr(*send))
        self._pointer = pointer
        raw = bytes(msgs[1])
        if pointer == POINTER_CONVERSION:
            return to_signed16(raw[0], raw[1])
        return (raw[0] << 8) | raw[1]

    def _call(self, fn: Callable[[], Any]) -> Any:
        return i2c_call(SENSOR, self.address, fn, self.retries, self._sleep)

    def _mismatch(self, status: int, word: int) -> SensorError:
        return SensorError(SENSOR, "config_mismatch", address=self.address,
                           message=f"{self._where()} reads config 0x{status:04X}, "
                                   f"wrote 0x{word:04X}: it reset or another program uses the bus")

    def _default_timeout(self) -> float:
        """A few slow conversion times plus scheduling slack."""
        return 3.0 * (1.0 + OSCILLATOR_TOLERANCE) / self.rate_sps + 0.002

    @staticmethod
    def _check_channel(channel: int) -> None:
        if isinstance(channel, bool) or channel not in (0, 1, 2, 3):
            raise ValueError(f"ADS1115 channel must be 0..3, got {channel!r}")

    def _where(self) -> str:
        return f"ADS1115 at 0x{self.address:02X}"

    def __repr__(self) -> str:
        return (f"ADS1115(address=0x{self.address:02X}, pga_v={self.pga_v}, "
                f"rate_sps={self.rate_sps})")
