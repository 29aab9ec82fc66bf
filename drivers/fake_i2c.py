"""A fake I2C bus for the fake chips: smbus2's calls, the wire's time, and the failures of a real bus.

Why: the drivers must run unchanged against the fakes, fail the way they fail
on a Pi (errno 121 for no acknowledge, 5 for a bus error, a hung bus), and
take the time a Pi's bus would. `FakeI2CDevice` answers smbus2.SMBus's
methods (the block/byte/word calls and ``i2c_rdwr`` with smbus2's own
``i2c_msg`` objects) for one chip; a `BusWire` is the bus itself, shared by
the chips on it: it serialises their transfers, counts them and spends their
time as a board profile says (drivers/board_model.py).

Facts kept from the Pi's side of the bus:

- an ``i2c_rdwr`` transfer may combine messages with repeated STARTs, but the
  Pi's I2C controller driver (i2c-bcm2835, every Pi up to the 4) takes only
  one read message, and only as the last one; anything else is refused with
  EOPNOTSUPP, here too;
- the smbus-style calls first select the chip's address with an ioctl when
  the bus object last talked to another address (smbus2 remembers it);
  ``i2c_rdwr`` carries the address in each message and selects nothing;
- a failure can strike any message of a combined transfer: the messages
  before it have happened (a config written, a conversion started).
"""
from __future__ import annotations

import ctypes
import errno as _errno
import math
import random
import threading
import time
from collections import deque
from typing import Any, Callable, Sequence

from smbus2 import i2c_msg
from smbus2.smbus2 import (I2C_M_RD, I2C_SMBUS_I2C_BLOCK_DATA, I2C_SMBUS_READ, I2C_SMBUS_WRITE,
                           i2c_rdwr_ioctl_data, i2c_smbus_ioctl_data)

from drivers.board_model import BoardProfile, i2c_clocks, spi_transfer_s
from drivers.fake_time import simulating


class BusWire:
    """One physical bus: the time each transfer takes on it, how many there were, one at a time.

    Without a board profile transfers take no time (the fakes' old behaviour).
    With one, the time is spent on the clock: a FakeClock is advanced (tests,
    the benchmark); on the real clock it is slept only when `real_time` is
    set (the simulator showing a board's rate): owed time is slept off once it
    exceeds how late a Linux sleep wakes (some 100 us, learnt), so each
    transfer takes its time on average.
    """

    def __init__(self, board: BoardProfile | None = None, clock: Callable[[], float] | None = None,
                 *, real_time: bool = False) -> None:
        self.board = board
        self.clock = clock or time.monotonic
        self.lock = threading.RLock()  # the kernel serialises transfers on one bus
        self.transactions = 0
        self.address_switches = 0
        self.ioctls = 0
        self.busy_s = 0.0  # transfers: overhead and wire
        self.io_s = 0.0  # system calls without a transfer
        self.selected: int | None = None  # the address smbus-style calls last selected
        self._advance = getattr(self.clock, "advance", None)
        self._real_time = real_time and self._advance is None
        self._debt = 0.0
        self._late = 0.0

    def overhead(self) -> None:
        """One transfer begins: counted, and the board's fixed cost of an ioctl spent."""
        self.transactions += 1
        if self.board is not None:
            self.spend(self.board.transfer_overhead_s)

    def clocks(self, n: int) -> None:
        """`n` SCL clocks on the wire."""
        if self.board is not None and n:
            self.spend(n / float(self.board.i2c_hz))

    def spi(self, nbytes: int) -> None:
        """One SPI transfer of `nbytes` (full duplex): counted, its overhead and wire time spent."""
        self.overhead()
        if self.board is not None:
            self.spend(spi_transfer_s(nbytes, self.board.spi_hz))

    def select(self, address: int) -> None:
        """smbus2's I2C_SLAVE ioctl, made only when the address changes: no bus traffic."""
        if address != self.selected:
            self.selected = address
            self.address_switches += 1
            self.ioctl()

    def ioctl(self) -> None:
        """A system call that puts nothing on the wire (selecting an address, reading a GPIO line)."""
        self.ioctls += 1
        if self.board is not None:
            self.spend(self.board.ioctl_s, bus=False)

    def spend(self, seconds: float, bus: bool = True) -> None:
        """Time taken: on a FakeClock at once, on the real clock when asked to; `bus`: the wire's."""
        if bus:
            self.busy_s += seconds
        else:
            self.io_s += seconds
        if self._advance is not None:
            self._advance(seconds)
        elif self._real_time:
            self._debt += seconds
            if self._debt > self._late + 50e-6:
                self._pay()

    def _pay(self) -> None:
        """Sleep off the time owed, less how late sleeps have been waking (learnt); an overshoot is credit."""
        want = self._debt - self._late
        start = time.monotonic()
        time.sleep(want)
        took = time.monotonic() - start
        self._late += 0.1 * (min(max(took - want, 0.0), 0.001) - self._late)
        self._debt -= took


class FakeI2CDevice:
    """What every fake chip shares: one address, the smbus2 calls, fault injection, hangs, a log.

    Why a base: the ADS1115 and MPU-6050 fakes must fail identically (errno
    121 on a wrong address or on demand, errno 5 for bus errors), so the
    drivers' shared retry rule is tested the same way for both. `log` keeps
    (time, "read"/"write", register, data) per register access.
    """

    def __init__(self, address: int, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, fail_rate: float = 0.0,
                 seed: int = 0, wire: BusWire | None = None) -> None:
        self.address = address
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.fail_rate = fail_rate
        self.rng = random.Random(seed)
        self.wire = wire or BusWire(clock=self.clock)
        self.log: deque[tuple[float, str, int, tuple[int, ...]]] = deque(maxlen=10000)
        self.transactions = 0
        self.pointer = 0  # the register the next read starts at
        self._failures: deque[int] = deque()
        self._hang_until = -math.inf

    # -- fault injection -------------------------------------------------
    def fail_next(self, n: int = 1, errno: int = _errno.EREMOTEIO) -> None:
        """Make the next `n` transactions raise OSError(errno) (121 no ack, 5 bus error)."""
        self._failures.extend([errno] * n)

    def hang(self, seconds: float) -> None:
        """Make transactions block until `seconds` from now (a stuck bus)."""
        self._hang_until = self.clock() + seconds

    def _transaction(self, addresses: Sequence[int]) -> tuple[int, int] | None:
        """A transfer starts: hang, count, and where (message index, errno) it is to fail."""
        wait = self._hang_until - self.clock()
        if wait > 0:
            self.sleep(wait)
        self.wire.overhead()
        self.transactions += 1
        for i, addr in enumerate(addresses):
            if addr != self.address:
                return i, _errno.EREMOTEIO
        if self._failures:
            return self.rng.randrange(len(addresses)), self._failures.popleft()
        if self.fail_rate and self.rng.random() < self.fail_rate:
            return self.rng.randrange(len(addresses)), _errno.EREMOTEIO
        return None

    @staticmethod
    def _raise(code: int) -> None:
        raise OSError(code, "Remote I/O error" if code == _errno.EREMOTEIO else "I/O error")

    # -- the chip's side: subclasses model their registers ----------------
    def _read_reg_bytes(self, reg: int, length: int) -> list[int]:
        raise NotImplementedError

    def _write_reg_bytes(self, reg: int, data: Sequence[int]) -> None:
        raise NotImplementedError

    def _write(self, payload: Sequence[int]) -> None:
        """A write message: the first byte sets the pointer, the rest goes into the registers."""
        if not payload:
            return
        self.pointer = payload[0]
        if len(payload) > 1:  # a pointer alone only says where the next read starts
            data = [int(b) & 0xFF for b in payload[1:]]
            self.log.append((self.clock(), "write", self.pointer, tuple(data)))
            self._write_reg_bytes(self.pointer, data)

    def _read(self, length: int) -> list[int]:
        self.log.append((self.clock(), "read", self.pointer, ()))
        return self._read_reg_bytes(self.pointer, length)

    def _run(self, messages: Sequence[tuple[int, bool, Any]]) -> list[list[int]]:
        """Messages (address, is a read, payload or length) in order, on the wire; reads' data back."""
        with self.wire.lock:
            fail = self._transaction([addr for addr, _, _ in messages])
            self.wire.clocks(1)  # START
            got: list[list[int]] = []
            for i, (_, is_read, what) in enumerate(messages):
                if fail is not None and i == fail[0]:
                    self.wire.clocks(10)  # the address byte and a repeated START or STOP
                    self._raise(fail[1])
                length = what if is_read else len(what)
                self.wire.clocks(i2c_clocks([(is_read, length)]) - 2)  # address and data bytes
                if is_read:
                    got.append(self._read(length))
                else:
                    self._write(what)
                self.wire.clocks(1)  # the repeated START before the next message, or STOP
            return got

    # -- smbus2.SMBus-shaped API ---------------------------------------------
    def i2c_rdwr(self, *msgs: i2c_msg) -> None:
        """Combined transfer of smbus2 ``i2c_msg`` objects; read messages' buffers are filled."""
        i2c_rdwr_ioctl_data.create(*msgs)  # type: ignore[arg-type]  # what smbus2 builds before its ioctl
        with simulating(self.clock):
            if any(m.flags & I2C_M_RD for m in msgs[:-1]):
                raise OSError(_errno.EOPNOTSUPP, "Operation not supported (read message not last)")
            plan = [(m.addr, True, m.len) if m.flags & I2C_M_RD
                    else (m.addr, False, list(ctypes.string_at(m.buf, m.len))) for m in msgs]
            got = iter(self._run(plan))
            for m in msgs:
                if m.flags & I2C_M_RD:
                    ctypes.memmove(m.buf, bytes(next(got)), m.len)

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int,
                            force: bool | None = None) -> list[int]:
        """Pointer write, repeated START, read: one transfer (smbus2's I2C block read)."""
        msg = i2c_smbus_ioctl_data.create(read_write=I2C_SMBUS_READ, command=register,
                                          size=I2C_SMBUS_I2C_BLOCK_DATA)
        msg.data.contents.byte = length
        with simulating(self.clock):
            self.wire.select(i2c_addr)
            data = self._run([(i2c_addr, False, [register]), (i2c_addr, True, length)])[0]
        return data

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: Sequence[int],
                             force: bool | None = None) -> None:
        i2c_smbus_ioctl_data.create(read_write=I2C_SMBUS_WRITE, command=register,
                                    size=I2C_SMBUS_I2C_BLOCK_DATA)
        with simulating(self.clock):
            self.wire.select(i2c_addr)
            self._run([(i2c_addr, False, [register, *[int(b) & 0xFF for b in data]])])

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
