"""What a Raspberry Pi board costs the sampler: wire time on its buses, per-transfer overhead, CPU speed.

Why: the fake chips used to answer in no time, and this machine runs Python
about 22 times faster than a Pi Zero 2 W, so the simulator showed rates no Pi
would hold. The fake buses (drivers/fake_i2c.py, drivers/fake_mcp3008.py) ask
this module how long each transfer takes on the wire of a given board, and
the benchmark (bench/board_bench.py) scales Python's CPU time by the board's
factor, so a run in fake time shows what that board would do.

Wire time, I2C (NXP UM10204, the I2C-bus specification): every byte on the
wire is 9 SCL clocks (8 bits and the acknowledge), the address byte included.
A transfer of several messages (smbus2's ``i2c_rdwr``: a write of the register
pointer, then a read) starts with START, separates messages with a repeated
START and ends with STOP. The set-up and hold times around START, repeated
START and STOP add up to about one SCL period each at 100 and at 400 kHz
(standard mode: 4.0 + 4.7 us; fast mode: 0.6 + 0.6 us, plus the bus-free
time), so each is counted as one clock. A config write to the ADS1115
(address, pointer, two bytes) is therefore 1 + 4 x 9 + 1 = 38 clocks: 380 us
at 100 kHz, 95 us at 400 kHz.

SPI (gpiozero's hardware SPI through lgpio opens the bus at 500 kHz): 8 clocks
per byte, no addressing.

The per-transfer overhead is the rest of one ``ioctl``: the system call, the
kernel's I2C core, the controller driver setting up, its interrupt, and waking
the calling thread. It is an assumption, not a measurement on a Zero 2 W:

- the issue's own figures for today's path (about 12 ms per sample at
  100 kHz, of which 3.5 ms conversions, 1.8 ms Python and 6.2 ms wire over
  11.3 transfers and 2 address switches) leave about 50 us per transfer;
- a public report of a first-generation Pi Zero (one ARM11 core) reading 14
  bytes as a write plus a read at 400 kHz 1,100 times a second leaves about
  250 us per transfer;
- the Zero 2 W's four Cortex-A53 cores sit between the two: 80 us is taken,
  and the benchmark also prints the Zero at 250 us to show what a worse
  figure would do. The Pi 4/5 is taken at 30 us.

The CPU a Pi spends in its kernel is not Python and does not scale by the
factor: half of the per-transfer overhead is taken as kernel CPU (the rest
is waiting for the controller's interrupt), a sleep and its wake-up as 20 us
on the Zero (two context switches and a timer) and 8 us on a Pi 4/5, a bare
ioctl (an address select, a GPIO read) as the `ioctl_s` above. Estimates,
printed apart from the measured Python share.

Sleeping threads wake late (timer slack is 50 us on Linux, plus scheduling):
this machine measured 60-110 us (ADR 0004); a Zero is taken at 150 us, a Pi
4/5 at 80 us, each varying by half of that either way. The Python factor of the Zero (22, range 18-29) is the issue's
measurement of the same Debian Python 3.11 build against public Pi 3B+ and
Pi 4 results; the Pi 4/5 profile takes the Pi 4, the slower of the two, at 8
(range 6-10: its Cortex-A72 at 1.5-1.8 GHz against the Zero's A53 at 1 GHz).

    >>> round(i2c_transfer_s([(False, 3)], 100_000) * 1e6)      # config write: 38 clocks
    380
    >>> round(i2c_transfer_s([(False, 1), (True, 14)], 400_000) * 1e6)  # IMU burst: 156 clocks
    390
    >>> round(PROFILES["zero2w-400k"].transfer_s([(False, 3)]) * 1e6, 1)   # with the overhead
    175.0
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

CLOCKS_PER_BYTE = 9  # 8 data bits and the acknowledge
EDGE_CLOCKS = 1      # START, each repeated START, STOP: about one SCL period each
SPI_CLOCKS_PER_BYTE = 8

Message = tuple[bool, int]  # (is a read, data bytes after the address byte)


def i2c_clocks(messages: Sequence[Message]) -> int:
    """SCL clocks of one transfer: START, per message an address byte and its data, STOP."""
    if not messages:
        return 0
    data = sum(CLOCKS_PER_BYTE * (1 + length) for _, length in messages)
    return data + EDGE_CLOCKS * (len(messages) + 1)  # START, a repeated START per extra message, STOP


def i2c_transfer_s(messages: Sequence[Message], hz: float) -> float:
    """Wire time of one I2C transfer at bus clock `hz`."""
    return i2c_clocks(messages) / float(hz)


def spi_transfer_s(nbytes: int, hz: float) -> float:
    """Wire time of one SPI transfer of `nbytes` at clock `hz`."""
    return SPI_CLOCKS_PER_BYTE * nbytes / float(hz)


@dataclass(frozen=True)
class BoardProfile:
    """One board as the sampler sees it. Times in seconds; see the module docstring for sources."""

    name: str
    title: str
    i2c_hz: int
    transfer_overhead_s: float   # per ioctl: system call, kernel I2C/SPI driver, interrupt, wake-up
    ioctl_s: float               # a bare ioctl without bus traffic (smbus2 selecting an address)
    wake_latency_s: float        # how late a sleeping thread wakes, on average
    python_factor: float         # this board's CPU time for Python work, per second of it here
    python_range: tuple[float, float]
    kernel_transfer_s: float = 0.0  # of the overhead, CPU in the kernel per transfer (estimate)
    kernel_wakeup_s: float = 0.0    # CPU in the kernel per sleep and wake-up (estimate)
    adc: str = "ads1115"         # "ads1115" on I2C or "mcp3008" on SPI
    spi_hz: int = 500_000
    wake_jitter: float = 0.5     # the lateness varies by this fraction of it either way

    def transfer_s(self, messages: Sequence[Message]) -> float:
        """Time of one I2C transfer on this board: the overhead and the wire."""
        return self.transfer_overhead_s + i2c_transfer_s(messages, self.i2c_hz)

    def spi_s(self, nbytes: int) -> float:
        """Time of one SPI transfer on this board: the overhead and the wire."""
        return self.transfer_overhead_s + spi_transfer_s(nbytes, self.spi_hz)

    def with_overhead(self, seconds: float, suffix: str) -> "BoardProfile":
        """The same board with another per-transfer overhead (the benchmark's sensitivity row)."""
        return replace(self, name=f"{self.name}-{suffix}", transfer_overhead_s=seconds,
                       title=f"{self.title}, {seconds * 1e6:.0f} us per transfer")


_ZERO = dict(transfer_overhead_s=80e-6, ioctl_s=15e-6, wake_latency_s=150e-6,
             python_factor=22.0, python_range=(18.0, 29.0),
             kernel_transfer_s=40e-6, kernel_wakeup_s=20e-6)
_PI4 = dict(transfer_overhead_s=30e-6, ioctl_s=5e-6, wake_latency_s=80e-6,
            python_factor=8.0, python_range=(6.0, 10.0),
            kernel_transfer_s=15e-6, kernel_wakeup_s=8e-6)

PROFILES: dict[str, BoardProfile] = {p.name: p for p in (
    BoardProfile("zero2w-100k", "Pi Zero 2 W, I2C 100 kHz", 100_000, **_ZERO),  # type: ignore[arg-type]
    BoardProfile("zero2w-400k", "Pi Zero 2 W, I2C 400 kHz", 400_000, **_ZERO),  # type: ignore[arg-type]
    BoardProfile("pi4-400k", "Pi 4/5, I2C 400 kHz", 400_000, **_PI4),  # type: ignore[arg-type]
    BoardProfile("zero2w-mcp3008", "Pi Zero 2 W, MCP3008 on SPI 500 kHz, IMU on I2C 400 kHz",
                 400_000, adc="mcp3008", **_ZERO),  # type: ignore[arg-type]
)}


def profile(name: str) -> BoardProfile:
    """A profile by name; ValueError naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown board {name!r} (known: {', '.join(PROFILES)})") from None
