"""A fake MCP3008 on a fake hardware SPI bus, for gpiozero's own MCP3008 class.

Why: the MCP3008 build reads its contacts through gpiozero (drivers/mcp3008.py);
on a Pi that is hardware SPI through lgpio at 500 kHz. gpiozero's MockFactory
only offers bit-banged SPI over mock pins, which costs far more Python than
the real thing, so the board benchmark would judge the build by the mock.
`FakeSPIFactory` is a MockFactory whose SPI interface is this chip on a
`BusWire`: the same gpiozero classes run, and each transfer takes the time
the board's bus would.

Datasheet facts modelled (Microchip DS21295): after chip select, leading
zeros, a start bit, SGL/DIFF and D2..D0 are clocked in; the input is sampled
during the next clocks, then the chip sends a null bit and the 10-bit result,
MSB first (1024 x VIN / VREF, clipped to 0..1023). Only single-ended
channels are modelled.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from gpiozero.pins.mock import MockFactory

from drivers.fake_i2c import BusWire
from drivers.fake_time import simulating

Source = Callable[[int, float], float]  # (channel, t) -> volts
FULL_SCALE = 1023


class FakeMCP3008:
    """The chip: `exchange(tx)` answers one chip-selected transfer, bit for bit."""

    def __init__(self, source: Source | None = None, vref: float = 3.3,
                 clock: Callable[[], float] | None = None, wire: BusWire | None = None) -> None:
        self.source = source or (lambda channel, t: 0.0)
        self.vref = vref
        self.clock = clock or time.monotonic
        self.wire = wire or BusWire(clock=self.clock)
        self.requests: list[tuple[int, int]] = []  # (single-ended, channel) per conversion

    def exchange(self, tx: list[int]) -> list[int]:
        with simulating(self.clock):
            self.wire.spi(len(tx))
            bits = [(byte >> (7 - i)) & 1 for byte in tx for i in range(8)]
            out = [0] * len(bits)
            if 1 in bits:
                start = bits.index(1)
                single, d2, d1, d0 = (bits[start + 1:start + 5] + [0, 0, 0, 0])[:4]
                channel = d2 << 2 | d1 << 1 | d0
                self.requests.append((single, channel))
                code = self._code(channel) if single else 0
                first = start + 7  # a sample clock, the null bit, then B9
                for i in range(10):
                    if first + i < len(out):
                        out[first + i] = (code >> (9 - i)) & 1
            return [sum(out[j + i] << (7 - i) for i in range(8)) for j in range(0, len(out), 8)]

    def _code(self, channel: int) -> int:
        volts = self.source(channel, self.clock())
        return max(0, min(FULL_SCALE, int(1024 * volts / self.vref)))


class _FakeSPI:
    """The SPI interface gpiozero's SPIDevice talks to (transfer, bits_per_word, close)."""

    bits_per_word = 8

    def __init__(self, pin_factory: "FakeSPIFactory", **pins: Any) -> None:
        self.chip = pin_factory.chip
        self.closed = False

    def transfer(self, data: list[int]) -> list[int]:
        return self.chip.exchange(list(data))

    def close(self) -> None:
        self.closed = True


class FakeSPIFactory(MockFactory):  # gpiozero has no type information: MockFactory is Any here
    """gpiozero's MockFactory, but its SPI is `chip` on a hardware-like bus.

    >>> from drivers.mcp3008 import MCP3008Reader
    >>> chip = FakeMCP3008(source=lambda ch, t: 1.1 * ch)
    >>> reader = MCP3008Reader((0, 1, 2), pin_factory=FakeSPIFactory(chip))
    >>> [reader.read(ch) for ch in (0, 1, 2)], chip.requests
    ([0, 341, 682], [(1, 0), (1, 1), (1, 2)])
    """

    def __init__(self, chip: FakeMCP3008, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chip = chip

    def _get_spi_class(self, shared: bool, hardware: bool) -> Any:
        return _FakeSPI
