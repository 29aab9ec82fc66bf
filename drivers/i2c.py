"""The I2C rules drivers share: one exception type for every sensor fault, retries, one lock per bus.

Callers (the sampler, the CLI, the screen) need to know *which* chip failed and
*why* in a machine word, and a person at the box needs to be told what to check.
Raw ``OSError`` carries neither, so drivers translate bus errors here, and only
here, after a bounded number of retries. A failed read is always raised, never
replaced by a made-up value: a missing force reading must look missing.
"""
from __future__ import annotations

import errno as _errno
import threading
import time
import weakref
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: errno -> reason word, for bus errors worth retrying: glitches on a long
#: cable or a loose connector usually clear on the next transaction.
RETRYABLE_ERRNOS: dict[int, str] = {
    _errno.EREMOTEIO: "no_ack",    # 121: nothing answered at the address
    _errno.EIO: "bus_error",       # 5: the transfer broke off
    _errno.ETIMEDOUT: "bus_timeout",  # 110: SCL held low / clock stretching gone wrong
}

#: What a person should check, per reason.
ADVICE: dict[str, str] = {
    "no_ack": "check its wiring, power and address pin",
    "bus_error": "check the wiring, pull-ups and cable length",
    "bus_timeout": "check that nothing holds SDA/SCL low; power-cycle the sensor",
    "timeout": "check its power supply; the chip may have reset",
    "wrong_chip": "check the part fitted and the configured address",
    "config_mismatch": "check for another program using the same I2C bus",
    "asleep": "the chip reset or lost power; check its supply",
    "os_error": "check that the I2C bus is enabled and accessible",
}


class SensorError(Exception):
    """A sensor could not be read.

    ``sensor`` names the chip ("ads1115", "mpu6050", ...), ``reason`` is a short
    machine word ("no_ack", "bus_error", "bus_timeout", "timeout", "wrong_chip",
    "config_mismatch", "asleep", "os_error"), ``address`` the I2C address (or
    None) and ``errno`` the OS error number when one caused it.

    >>> e = SensorError("ads1115", "no_ack", address=0x48, errno=121)
    >>> print(e)
    ADS1115 at 0x48 on I2C bus did not acknowledge (errno 121): check its wiring, power and address pin
    >>> e.reason
    'no_ack'
    """

    def __init__(self, sensor: str, reason: str, message: str | None = None, *,
                 address: int | None = None, errno: int | None = None) -> None:
        self.sensor = sensor
        self.reason = reason
        self.address = address
        self.errno = errno
        super().__init__(message or default_message(sensor, reason, address, errno))


def where(sensor: str, address: int | None) -> str:
    """'ADS1115 at 0x48': how a person finds the chip on the board."""
    return sensor.upper() if address is None else f"{sensor.upper()} at 0x{address:02X}"


def default_message(sensor: str, reason: str, address: int | None, errno: int | None) -> str:
    """A sentence naming the chip, what went wrong and what to check."""
    what = {
        "no_ack": "on I2C bus did not acknowledge",
        "bus_error": "on I2C bus: transfer failed (bus error)",
        "bus_timeout": "on I2C bus: transfer timed out",
        "timeout": "did not finish its conversion in time",
        "wrong_chip": "is not the expected chip",
        "config_mismatch": "did not keep the configuration written to it",
        "asleep": "returned all zeros (asleep)",
    }.get(reason, f"failed ({reason})")
    num = f" (errno {errno})" if errno is not None else ""
    advice = ADVICE.get(reason, "check its wiring")
    return f"{where(sensor, address)} {what}{num}: {advice}"


def from_oserror(sensor: str, address: int, exc: OSError, attempts: int) -> SensorError:
    """Translate a bus OSError into a SensorError that says what to check."""
    reason = RETRYABLE_ERRNOS.get(exc.errno or -1, "os_error")
    err = SensorError(sensor, reason, address=address, errno=exc.errno)
    if attempts > 1:
        err.args = (f"{err.args[0]} [failed {attempts} times]",)
    return err


def i2c_call(sensor: str, address: int, fn: Callable[[], T], retries: int,
             sleep: Callable[[float], None] = time.sleep, backoff_s: float = 0.0005) -> T:
    """Run one bus transaction, retrying transient errors `retries` times.

    Why per transaction: every ADS1115/MPU-6050 transaction is idempotent
    (rewriting the same config, re-reading a register), so retrying one is safe
    and cheaper than redoing a whole conversion. Errors not in
    RETRYABLE_ERRNOS (a closed bus, a missing /dev node) are raised at once.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except OSError as exc:
            if exc.errno not in RETRYABLE_ERRNOS or attempt > retries:
                raise from_oserror(sensor, address, exc, attempt) from exc
            sleep(backoff_s * attempt)


_BUS_LOCKS: "weakref.WeakKeyDictionary[Any, threading.RLock]" = weakref.WeakKeyDictionary()
_BUS_LOCKS_GUARD = threading.Lock()


def bus_lock(bus: Any) -> threading.RLock:
    """The one lock for every driver on this bus object.

    Why shared and not per driver: smbus2 selects the slave address with one
    ioctl and transfers with another, so two threads talking to two chips on
    the same SMBus object can send one chip's transfer to the other's address.
    Drivers on one bus therefore take the same lock. A bus that cannot be
    weakly referenced gets a lock of its own (callers may pass `lock=`).
    """
    with _BUS_LOCKS_GUARD:
        try:
            lock = _BUS_LOCKS.get(bus)
            if lock is None:
                lock = _BUS_LOCKS[bus] = threading.RLock()
            return lock
        except TypeError:
            return threading.RLock()


def to_signed16(msb: int, lsb: int) -> int:
    """Two big-endian bytes as a two's-complement integer (both chips' registers are so).

    >>> to_signed16(0xFF, 0xFE), to_signed16(0x01, 0x00)
    (-2, 256)
    """
    value = (msb << 8) | lsb
    return value - 0x10000 if value & 0x8000 else value
