"""Fixed-rate polling of the contacts and the IMU on a thread of its own.

Why a thread with deadlines and not `sleep(period)`: the buzzer must sound
within milliseconds of a loss, so samples must come steadily whatever the
screen or the disk are doing, and timestamps must be the moment of reading
(monotonic clock), not the moment somebody got round to it. Missed deadlines
are counted, not made up for with a burst.

Reading errors never become contact values: a failed read is no sample at all,
reported once as a `sensor_fault` for the chip, retried every cycle, and
`sensor_ok` once it reads again. A dead sensor therefore never looks like a
contact loss.

One cycle, on an ADC that can pipeline (`read_many`, the ADS1115): the first
conversion starts, the IMU's burst is read while it converts, then each
result is fetched as the next conversion starts. The sample's `t` is the
moment its last contact value was read (the end of the cycle, as before);
its pitch is the IMU's at the moment of its own read, a few milliseconds
earlier in the same cycle, and the tilt filter integrates at that moment.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from device.core.events import Event, SensorFault, SensorOk
from device.core.signal import Sample


class Stalled(Exception):
    """A read that came back, but so late that the bus or the chip is in trouble."""

    reason = "stalled"


class ContactReader(Protocol):
    """What the sampler needs of an ADC: one raw count of one channel (ADS1115, MCP3008, fake).

    An ADC may also offer ``read_many(channels, during)``: the counts of all
    channels, calling ``during()`` while it waits on the chip (the ADS1115)."""

    def read(self, channel: int) -> int: ...


Reads = Callable[[Sequence[int], Callable[[], None] | None], Sequence[int]]


def read_in_turn(adc: ContactReader) -> Reads:
    """`read_many` for an ADC that reads one channel at a time: the channels, then `during()`."""
    def read_many(channels: Sequence[int], during: Callable[[], None] | None) -> list[int]:
        values = [adc.read(ch) for ch in channels]
        if during is not None:
            during()
        return values
    return read_many


class PitchReader(Protocol):
    """What the sampler needs of a tilt source: the dowel's pitch in degrees at time t.

    A source that also knows the dowel's roll (sideways tilt) gives it as a
    `roll_deg` attribute, read just after `pitch`; one without it is fine.
    """

    def pitch(self, t: float) -> float: ...


@dataclass
class JitterStats:
    """Sampling intervals over the last window, in seconds."""

    count: int
    mean: float
    p50: float
    p99: float
    max: float
    overruns: int


class Sampler:
    """Polls `adc` (three channels) and optionally `tilt` at `rate_hz`; hands each Sample on.

    `rate_hz=0` polls as fast as the chip allows. `on_sample` and `on_event`
    run on the sampler's thread: keep them short (the detector and the cue).

    >>> class Fixed:
    ...     def read(self, channel): return 100 + channel
    >>> got = []
    >>> s = Sampler(Fixed(), None, rate_hz=200, on_sample=got.append, on_event=print)
    >>> s.run_for(0.05); got[0][1:4]
    (100, 101, 102)
    """

    def __init__(self, adc: ContactReader, tilt: PitchReader | None, rate_hz: float,
                 on_sample: Callable[[Sample], None], on_event: Callable[[Event], None],
                 channels: tuple[int, int, int] = (0, 1, 2), adc_name: str = "adc",
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, window: int = 2048,
                 stall_s: float = 0.25) -> None:
        self.adc, self.tilt, self.channels = adc, tilt, channels
        self._read: Reads = getattr(adc, "read_many", None) or read_in_turn(adc)
        self._during = None if tilt is None else self._read_tilt
        self._pitch: float | None = None
        self._roll: float | None = None
        self.period = 1.0 / rate_hz if rate_hz > 0 else 0.0
        self.on_sample, self.on_event = on_sample, on_event
        self.adc_name = adc_name
        self.stall_s = stall_s  # a read this slow is reported as a stalled bus
        self.clock, self.sleep = clock, sleep
        self._intervals = [0.0] * window
        self._n = 0
        self._last_t: float | None = None
        self.overruns = 0
        self.samples = 0
        self.failed_reads = 0
        self._down: set[str] = set()  # sensors reported faulty, until they read again
        self._t0 = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.alive_at = 0.0  # last time the loop went round: the watchdog reads this

    # -- one cycle -------------------------------------------------------------------
    def poll_once(self) -> Sample | None:
        """Read every channel once (and the IMU meanwhile); the Sample, or None when the ADC failed."""
        started = self.clock()
        self._pitch = self._roll = None
        try:
            head, upper, sacrum = self._read(self.channels, self._during)
        except Exception as exc:  # any failure of the chip: no sample, never a guessed one
            self.failed_reads += 1
            self._fault(self.adc_name, exc)
            return None
        now = self.clock()
        if now - started > self.stall_s:  # answered, but the bus held us far too long
            self._fault(self.adc_name, Stalled(f"reading the contacts took {now - started:.2f} s: "
                                               "check the I2C wiring and the ADC's supply"))
        elif self._down:
            self._ok(self.adc_name)
        t = now - self._t0
        if self._last_t is not None:
            self._intervals[self._n % len(self._intervals)] = t - self._last_t
            self._n += 1
        self._last_t = t
        self.samples += 1
        sample = Sample(t, head, upper, sacrum, self._pitch, self._roll)
        self.on_sample(sample)
        return sample

    def _read_tilt(self) -> None:
        """The IMU, read while the ADC converts: its pitch at this moment, or a fault (never raises)."""
        try:
            self._pitch = self.tilt.pitch(self.clock() - self._t0)  # type: ignore[union-attr]
        except Exception as exc:
            self._fault("imu", exc)
        else:
            self._roll = getattr(self.tilt, "roll_deg", None)
            if self._down:
                self._ok("imu")

    def _fault(self, sensor: str, exc: Exception) -> None:
        if sensor in self._down:
            return
        self._down.add(sensor)
        self.on_event(SensorFault(round(self.clock() - self._t0, 4), sensor=sensor,
                                  reason=getattr(exc, "reason", type(exc).__name__), detail=str(exc)))

    def _ok(self, sensor: str) -> None:
        if sensor in self._down:
            self._down.discard(sensor)
            self.on_event(SensorOk(round(self.clock() - self._t0, 4), sensor=sensor))

    # -- the loop ----------------------------------------------------------------------
    def _loop(self, until: float | None) -> None:
        clock, sleep, period = self.clock, self.sleep, self.period
        deadline = clock()
        while not self._stop.is_set():
            now = clock()
            self.alive_at = now
            if until is not None and now >= until:
                return
            if period:
                wait = deadline - now
                if wait > 0:
                    sleep(wait)
                elif wait < -period:
                    self.overruns += 1
                    deadline = now  # fell behind: start afresh rather than burst
                deadline += period
            self.poll_once()

    def run_for(self, seconds: float) -> None:
        """Poll on the calling thread for `seconds` (tests, benchmarks)."""
        self._loop(self.clock() + seconds)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(None,), name="sampler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def jitter(self) -> JitterStats:
        """Interval statistics over the recent window (what `bench/` and the log report)."""
        n = min(self._n, len(self._intervals))
        xs = sorted(self._intervals[:n]) if n else [0.0]
        return JitterStats(count=n, mean=sum(xs) / len(xs), p50=xs[len(xs) // 2],
                           p99=xs[min(len(xs) - 1, int(0.99 * len(xs)))], max=xs[-1],
                           overruns=self.overruns)
