"""A fake MPU-6050 on a fake I2C bus: register map, sleep, WHO_AM_I and motion.

Tests and the simulator set the dowel's tilt and tilt rate; the fake turns them
into the accelerometer and gyroscope registers a real chip would show, with
noise and bias, at whatever range the driver configured. It powers up asleep
and reads zeros until woken, as the real chip does, so a driver that forgets
``wake()`` fails here first.

Axis convention (shared with device/tilt.py): at pitch 0 the sensor's +z points
up (az = +1 g). Pitch about y tilts +z toward +x: ax = -sin(pitch), gy = rate.
Pitch about x tilts +z toward -y: ay = +sin(pitch), gx = rate.
"""
from __future__ import annotations

import errno as _errno
import math
from typing import Callable, Sequence

from drivers.fake_i2c import BusWire, FakeI2CDevice

REG_SMPLRT_DIV, REG_CONFIG, REG_GYRO_CONFIG, REG_ACCEL_CONFIG = 0x19, 0x1A, 0x1B, 0x1C
REG_DATA_FIRST, REG_DATA_LAST = 0x3B, 0x48
REG_PWR_MGMT_1, REG_WHO_AM_I = 0x6B, 0x75
RESET_VALUES = {REG_PWR_MGMT_1: 0x40, REG_WHO_AM_I: 0x68}
READ_ONLY = set(range(REG_DATA_FIRST, REG_DATA_LAST + 1)) | {REG_WHO_AM_I}
ACCEL_LSB_PER_G = (16384.0, 8192.0, 4096.0, 2048.0)
GYRO_LSB_PER_DPS = (131.0, 65.5, 32.8, 16.4)

Vector = tuple[float, float, float]


class FakeMPU6050Bus(FakeI2CDevice):
    """An I2C bus with one MPU-6050 on it.

    >>> bus = FakeMPU6050Bus(noise=False)
    >>> bus.read_byte_data(0x68, 0x75) == 0x68, bus.read_byte_data(0x68, 0x6B) == 0x40
    (True, True)
    >>> bus.read_i2c_block_data(0x68, 0x3B, 6)          # asleep: zeros
    [0, 0, 0, 0, 0, 0]
    >>> bus.write_byte_data(0x68, 0x6B, 0x01)
    >>> bus.read_i2c_block_data(0x68, 0x3F, 2)          # az = +1 g = 16384 at +-2 g
    [64, 0]
    """

    def __init__(self, address: int = 0x68, *, who_am_i: int = 0x68, noise: bool = True,
                 accel_noise_g: float = 0.003, gyro_noise_dps: float = 0.05,
                 accel_bias_g: Vector = (0.0, 0.0, 0.0), gyro_bias_dps: Vector = (0.0, 0.0, 0.0),
                 temp_c: float = 25.0, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, fail_rate: float = 0.0,
                 seed: int = 0, wire: BusWire | None = None) -> None:
        super().__init__(address, clock=clock, sleep=sleep, fail_rate=fail_rate, seed=seed,
                         wire=wire)
        self.who_am_i = who_am_i
        self.accel_noise_g = accel_noise_g if noise else 0.0
        self.gyro_noise_dps = gyro_noise_dps if noise else 0.0
        self.accel_bias_g = accel_bias_g
        self.gyro_bias_dps = gyro_bias_dps
        self.temp_c = temp_c
        self.regs = bytearray(128)
        self._reset()
        self.accel_g: Vector = (0.0, 0.0, 1.0)
        self.gyro_dps: Vector = (0.0, 0.0, 0.0)

    # --- motion ----------------------------------------------------------------
    def set_motion(self, pitch_deg: float, pitch_rate_dps: float = 0.0,
                   linear_accel_g: Vector = (0.0, 0.0, 0.0), axis: str = "y", roll_deg: float = 0.0) -> None:
        """Tilt `pitch_deg` about `axis` ("x" or "y"), turning at `pitch_rate_dps`; lean `roll_deg` sideways.

        `linear_accel_g` is the sensor's own acceleration, in g, in the sensor
        frame (e.g. a rep's tangential and centripetal parts); the
        accelerometer reads it on top of the reaction to gravity. Roll tilts
        gravity out of the pitch plane (the other horizontal axis reads its sine).
        """
        p, r = math.radians(pitch_deg), math.radians(roll_deg)
        lx, ly, lz = linear_accel_g
        cr = math.cos(r)
        if axis == "y":
            self.accel_g = (-math.sin(p) * cr + lx, math.sin(r) + ly, math.cos(p) * cr + lz)
            self.gyro_dps = (0.0, pitch_rate_dps, 0.0)
        elif axis == "x":
            self.accel_g = (math.sin(r) + lx, math.sin(p) * cr + ly, math.cos(p) * cr + lz)
            self.gyro_dps = (pitch_rate_dps, 0.0, 0.0)
        else:
            raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")

    def set_raw(self, accel_g: Vector, gyro_dps: Vector) -> None:
        """Set the true acceleration (g) and rotation rate (deg/s) directly."""
        self.accel_g, self.gyro_dps = tuple(accel_g), tuple(gyro_dps)  # type: ignore[assignment]

    @property
    def asleep(self) -> bool:
        return bool(self.regs[REG_PWR_MGMT_1] & 0x40)

    # --- chip model ----------------------------------------------------------
    def _reset(self) -> None:
        self.regs[:] = bytes(128)
        for reg, value in RESET_VALUES.items():
            self.regs[reg] = value
        self.regs[REG_WHO_AM_I] = self.who_am_i

    def _data_words(self) -> list[int]:
        """ax, ay, az, temp, gx, gy, gz as the chip would scale and clip them."""
        a_lsb = ACCEL_LSB_PER_G[(self.regs[REG_ACCEL_CONFIG] >> 3) & 3]
        g_lsb = GYRO_LSB_PER_DPS[(self.regs[REG_GYRO_CONFIG] >> 3) & 3]
        gauss = self.rng.gauss
        accel = [(v + b + (gauss(0, self.accel_noise_g) if self.accel_noise_g else 0.0)) * a_lsb
                 for v, b in zip(self.accel_g, self.accel_bias_g)]
        gyro = [(v + b + (gauss(0, self.gyro_noise_dps) if self.gyro_noise_dps else 0.0)) * g_lsb
                for v, b in zip(self.gyro_dps, self.gyro_bias_dps)]
        temp = (self.temp_c - 36.53) * 340.0
        return [_clip16(x) for x in (*accel, temp, *gyro)]

    def _snapshot(self) -> bytearray:
        """The register file as a read would see it: data filled in when awake."""
        regs = bytearray(self.regs)
        if not self.asleep:
            for i, word in enumerate(self._data_words()):
                regs[REG_DATA_FIRST + 2 * i] = (word >> 8) & 0xFF
                regs[REG_DATA_FIRST + 2 * i + 1] = word & 0xFF
        return regs

    def _read_reg_bytes(self, reg: int, length: int) -> list[int]:
        if not 0 <= reg < 128:
            raise OSError(_errno.EREMOTEIO, "Remote I/O error")
        regs = self._snapshot()
        return [regs[(reg + i) % 128] for i in range(length)]  # auto-increment

    def _write_reg_bytes(self, reg: int, data: Sequence[int]) -> None:
        for i, value in enumerate(data):
            r = (reg + i) % 128
            if r == REG_PWR_MGMT_1 and value & 0x80:  # DEVICE_RESET
                self._reset()
            elif r not in READ_ONLY:
                self.regs[r] = value


def _clip16(x: float) -> int:
    """Round to a signed 16-bit register value, saturating like the ADC does."""
    return max(-32768, min(32767, int(round(x))))
