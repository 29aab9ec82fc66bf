"""InvenSense MPU-6050 accelerometer + gyroscope over I2C: the dowel's motion.

Why one 14-byte burst read per sample: the chip copies a whole sample set into
its user-facing registers while the bus is idle, so a burst from ACCEL_XOUT_H
gives accelerometer and gyroscope values of the same instant; separate reads
can mix two samples. All values are big-endian signed 16-bit.

The bus is injected (anything with smbus2.SMBus's block/byte methods). Register
addresses and fields are data from the MPU-6000/6050 register map (RM-MPU-6000A).
"""
from __future__ import annotations

import struct
import threading
import time
from functools import partial
from typing import Any, Callable, NamedTuple

from drivers.i2c import SensorError, bus_lock, i2c_call, to_signed16

SENSOR = "mpu6050"

# --- register map ---------------------------------------------------------------
SMPLRT_DIV = 0x19
CONFIG = 0x1A          # DLPF_CFG[2:0]
GYRO_CONFIG = 0x1B     # FS_SEL[4:3]
ACCEL_CONFIG = 0x1C    # AFS_SEL[4:3]
ACCEL_XOUT_H = 0x3B    # ax, ay, az, temp, gx, gy, gz: 7 big-endian int16
TEMP_OUT_H = 0x41
PWR_MGMT_1 = 0x6B      # DEVICE_RESET[7] SLEEP[6] CYCLE[5] TEMP_DIS[3] CLKSEL[2:0]
WHO_AM_I = 0x75

WHO_AM_I_MPU6050 = 0x68  # the same whatever the AD0 pin says
SLEEP_BIT = 0x40
CLKSEL_PLL_X_GYRO = 0x01  # more stable than the internal 8 MHz oscillator
RANGE_SHIFT = 3
BURST_LENGTH = 14
BURST = struct.Struct(">7h")  # ax, ay, az, temp, gx, gy, gz: one unpack per sample, not seven
STARTUP_S = 0.035  # gyro start-up is ~30 ms after leaving sleep

#: full scale -> (code, LSB per unit)
ACCEL_RANGES: dict[int, tuple[int, float]] = {2: (0, 16384.0), 4: (1, 8192.0),
                                              8: (2, 4096.0), 16: (3, 2048.0)}
GYRO_RANGES: dict[int, tuple[int, float]] = {250: (0, 131.0), 500: (1, 65.5),
                                             1000: (2, 32.8), 2000: (3, 16.4)}
#: accelerometer bandwidth in Hz -> DLPF_CFG (gyro bandwidth is close to it)
DLPF_CODES: dict[int, int] = {260: 0, 184: 1, 94: 2, 44: 3, 21: 4, 10: 5, 5: 6}


class ImuReading(NamedTuple):
    """One sample: acceleration in g (specific force: +1 g up when still), rates in deg/s."""

    ax: float
    ay: float
    az: float
    gx: float
    gy: float
    gz: float


def _choice(name: str, value: int, table: dict[int, Any]) -> Any:
    """table[value], or a ValueError that names the bad value and the good ones."""
    if isinstance(value, bool) or value not in table:
        raise ValueError(f"MPU6050 {name}={value!r} is not one of {sorted(table)}")
    return table[value]


class MPU6050:
    """One MPU-6050. ``probe()`` checks it is there, ``wake()`` configures it, ``read()`` samples.

    >>> from drivers.fake_mpu6050 import FakeMPU6050Bus
    >>> bus = FakeMPU6050Bus(noise=False)
    >>> bus.set_motion(pitch_deg=30.0, pitch_rate_dps=10.0)
    >>> imu = MPU6050(bus, sleep=lambda s: None)
    >>> hex(imu.probe())
    '0x68'
    >>> imu.wake()
    >>> r = imu.read()
    >>> round(r.ax, 2), round(r.az, 2), round(r.gy, 1)
    (-0.5, 0.87, 10.0)
    """

    def __init__(self, bus: Any, address: int = 0x68, accel_range_g: int = 2,
                 gyro_range_dps: int = 250, dlpf_hz: int = 44, retries: int = 3, *,
                 accept_ids: tuple[int, ...] = (WHO_AM_I_MPU6050,),
                 sleep: Callable[[float], None] = time.sleep,
                 lock: threading.RLock | None = None) -> None:
        self._accel_code, self._accel_lsb = _choice("accel_range_g", accel_range_g, ACCEL_RANGES)
        self._gyro_code, self._gyro_lsb = _choice("gyro_range_dps", gyro_range_dps, GYRO_RANGES)
        self._dlpf = _choice("dlpf_hz", dlpf_hz, DLPF_CODES)
        if retries < 0:
            raise ValueError(f"retries must be >= 0, got {retries!r}")
        self.bus = bus
        self.address = address
        self.accel_range_g = accel_range_g
        self.gyro_range_dps = gyro_range_dps
        self.dlpf_hz = dlpf_hz
        self.retries = retries
        self.accept_ids = accept_ids
        self._sleep = sleep
        self._lock = lock or bus_lock(bus)

    # --- public --------------------------------------------------------------
    def probe(self) -> int:
        """Check WHO_AM_I; return it. SensorError "no_ack" or "wrong_chip" otherwise.

        Why: a different part at 0x68 (an MPU-6500 clone answers 0x70, an
        MPU-9250 0x71, a DS3231 clock also lives at 0x68) would give plausible
        but wrong numbers; better to say so once at start-up.
        """
        with self._lock:
            chip_id = self._call(lambda: self.bus.read_byte_data(self.address, WHO_AM_I))
        if chip_id not in self.accept_ids:
            raise SensorError(SENSOR, "wrong_chip", address=self.address,
                              message=f"{self._where()} answered WHO_AM_I 0x{chip_id:02X}, "
                                      f"expected {_hexes(self.accept_ids)} (an MPU-6050): "
                                      "check the part fitted and the configured address")
        return chip_id

    def wake(self) -> None:
        """Leave sleep on the gyro PLL clock; set ranges and DLPF; check they took.

        The chip powers up asleep (PWR_MGMT_1 = 0x40) and then reads all zeros.
        """
        settings = [(PWR_MGMT_1, CLKSEL_PLL_X_GYRO), (SMPLRT_DIV, 0), (CONFIG, self._dlpf),
                    (GYRO_CONFIG, self._gyro_code << RANGE_SHIFT),
                    (ACCEL_CONFIG, self._accel_code << RANGE_SHIFT)]
        with self._lock:
            for reg, value in settings:
                self._call(partial(self.bus.write_byte_data, self.address, reg, value))
            for reg, value in settings:
                got = self._call(partial(self.bus.read_byte_data, self.address, reg))
                if got != value:
                    raise SensorError(SENSOR, "config_mismatch", address=self.address,
                                      message=f"{self._where()} register 0x{reg:02X} reads "
                                              f"0x{got:02X} after writing 0x{value:02X}: "
                                              "check the part and its power")
        self._sleep(STARTUP_S)

    def read(self) -> ImuReading:
        """One sample from a single 14-byte burst; SensorError "asleep" if all zeros.

        All fourteen bytes zero (temperature included) never happens on an
        awake chip: it means the chip reset or was never woken.
        """
        with self._lock:
            data = self._call(lambda: self.bus.read_i2c_block_data(
                self.address, ACCEL_XOUT_H, BURST_LENGTH))
        if len(data) != BURST_LENGTH:
            raise SensorError(SENSOR, "bus_error", address=self.address,
                              message=f"{self._where()} returned {len(data)} bytes, "
                                      f"expected {BURST_LENGTH}: check the wiring")
        if not any(data):
            raise SensorError(SENSOR, "asleep", address=self.address)
        ax, ay, az, _temp, gx, gy, gz = BURST.unpack(bytes(data))  # big-endian int16 (to_signed16)
        a, g = self._accel_lsb, self._gyro_lsb
        return ImuReading(ax / a, ay / a, az / a, gx / g, gy / g, gz / g)

    def read_temperature_c(self) -> float:
        """Die temperature: drifts of the gyro bias follow it."""
        with self._lock:
            msb, lsb = self._call(lambda: self.bus.read_i2c_block_data(
                self.address, TEMP_OUT_H, 2))
        return to_signed16(msb, lsb) / 340.0 + 36.53

    # --- helpers -------------------------------------------------------------
    def _call(self, fn: Callable[[], Any]) -> Any:
        return i2c_call(SENSOR, self.address, fn, self.retries, self._sleep)

    def _where(self) -> str:
        return f"MPU6050 at 0x{self.address:02X}"

    def __repr__(self) -> str:
        return (f"MPU6050(address=0x{self.address:02X}, accel_range_g={self.accel_range_g}, "
                f"gyro_range_dps={self.gyro_range_dps}, dlpf_hz={self.dlpf_hz})")


def _hexes(ids: tuple[int, ...]) -> str:
    return " or ".join(f"0x{i:02X}" for i in ids)
