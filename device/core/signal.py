"""The signal chain: raw ADC counts of an FSR divider turned into conductance.

An FSR's conductance (1/R) is close to proportional to force, while the divider
voltage is not: it flattens as it nears the supply. So the detector never
thresholds counts; it works on conductance relative to a level it tracks. The
conversion is a lookup table built once per chain, so the per-sample cost is one
list index, not a division.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

ADC_KINDS = ("ads1115", "mcp3008")

# A divider output within 2 % of the supply means the FSR reads under ~200 ohm:
# harder than any back presses a dowel, so the part or its wiring is shorted.
SHORTED_FRACTION_OF_VCC = 0.98


class Sample(NamedTuple):
    """One reading of the three contacts (raw signed counts) and the dowel's pitch and roll.

    `roll` (the dowel's sideways tilt, degrees) is optional: it tells a side
    bend from a hinge; traces and IMUs without it leave it None.
    """

    t: float
    head: int
    upper_back: int
    sacrum: int
    pitch: float | None = None
    roll: float | None = None


@dataclass(frozen=True)
class SignalChain:
    """What turns force into counts: ADC kind, its full scale, supply, divider resistor.

    >>> chain = SignalChain()
    >>> round(chain.volts(16000), 3)
    2.0
    """

    adc: str = "ads1115"
    pga_v: float = 4.096
    vcc_v: float = 3.3
    divider_ohm: float = 10000.0
    rate_hz: float = 100.0

    def __post_init__(self) -> None:
        if self.adc not in ADC_KINDS:
            raise ValueError(f"adc must be one of {', '.join(ADC_KINDS)}, not {self.adc!r}")
        for name in ("pga_v", "vcc_v", "divider_ohm", "rate_hz"):
            value = getattr(self, name)
            if not value > 0 or value != value or value == float("inf"):
                raise ValueError(f"{name} must be a positive number, not {value!r}")

    @property
    def count_range(self) -> tuple[int, int]:
        """Smallest and largest count the ADC can report."""
        return (-32768, 32767) if self.adc == "ads1115" else (0, 1023)

    def volts(self, count: int) -> float:
        """Input voltage of one raw count."""
        if self.adc == "ads1115":
            return count * self.pga_v / 32768.0
        return count * self.vcc_v / 1024.0

    def conductance(self, count: int) -> float:
        """FSR conductance in siemens (∝ force); inf when the input sits at the supply."""
        v = self.volts(count)
        if v <= 0.0:
            return 0.0
        if v >= self.vcc_v:
            return float("inf")
        return v / (self.divider_ohm * (self.vcc_v - v))

    def shorted_count(self) -> int:
        """First count at which the FSR reads as shorted (or beyond the ADC's reach)."""
        lo, hi = self.count_range
        per_volt = (hi + 1) / (self.pga_v if self.adc == "ads1115" else self.vcc_v)
        return min(hi, int(SHORTED_FRACTION_OF_VCC * self.vcc_v * per_volt))

    def table(self) -> tuple[list[float], int]:
        """Conductance for every count, and the offset to add to a count to index it."""
        lo, hi = self.count_range
        return [self.conductance(c) for c in range(lo, hi + 1)], -lo
