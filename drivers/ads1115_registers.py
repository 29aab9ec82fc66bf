"""The ADS1115's registers as data, from the datasheet (TI SBAS444), and its settings' codes.

Why apart from the driver: the register map is fixed by the chip and read by
the driver, the tests and whoever checks a config word by hand; the driver
holds the behaviour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


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
POINTER_LO_THRESH = 0x02
POINTER_HI_THRESH = 0x03

CONFIG_FIELDS: dict[str, Field] = {
    "os": Field(15, 1),         # write 1: start one conversion; read 1: idle, 0: converting
    "mux": Field(12, 3),        # 0b100 + x: AINx against GND
    "pga": Field(9, 3),         # full-scale range
    "mode": Field(8, 1),        # 1: single-shot / power-down
    "dr": Field(5, 3),          # data rate
    "comp_mode": Field(4, 1),
    "comp_pol": Field(3, 1),    # 0: ALERT/RDY active low
    "comp_lat": Field(2, 1),
    "comp_que": Field(0, 2),    # 0b11: comparator off, ALERT/RDY high-Z
}
MUX_SINGLE_ENDED_BASE = 0b100
MODE_SINGLE_SHOT = 1
COMP_QUE_DISABLE = 0b11
COMP_QUE_ONE = 0b00  # assert after one conversion: with the thresholds below, conversion ready
READY_LO_THRESH = 0x0000  # MSB 0 ...
READY_HI_THRESH = 0x8000  # ... and MSB 1: ALERT/RDY is a conversion-ready pin
PGA_CODES: dict[float, int] = {6.144: 0, 4.096: 1, 2.048: 2, 1.024: 3, 0.512: 4, 0.256: 5}
DR_CODES: dict[int, int] = {8: 0, 16: 1, 32: 2, 64: 3, 128: 4, 250: 5, 475: 6, 860: 7}
OSCILLATOR_TOLERANCE = 0.10  # the data rate may be up to 10 % off
READY_MISSES_ALLOWED = 3  # pin failures in a row before it is given up for OS polling


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
