"""Fake time for the fake chips: a clock that sleeping advances, and that can stand for a slower CPU.

Why: tests of an 8 SPS conversion or a two-second bus hang must run in
microseconds, and the board benchmark must show what a Pi Zero 2 W would do
on this much faster machine. So:

- `sleep` advances the clock at once (plus the board's wake-up latency, if
  one is given) and counts the wake-up;
- `advance` moves it without a wake-up (time spent on a bus wire);
- `charge_cpu(factor)` makes the calling thread's own CPU time advance the
  clock too, `factor` times over: Python that takes 50 us here takes about
  1.1 ms on a Zero 2 W (factor 22), and the clock shows it. It is charged at
  the next simulated section (a transfer, a pin read, a sleep), so a reading
  of the clock lags behind the CPU used since the last one by a few us;
- `simulating()` marks code that belongs to the fake chips and would not run
  on a Pi (the chip's model, the simulated athlete): its CPU time is not
  charged.

    >>> c = FakeClock(); c.sleep(0.5); c(), c.wakeups
    (0.5, 1)
    >>> c.advance(0.25); c(), c.wakeups
    (0.75, 1)
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any


class _NoSection:
    """`simulating()` when no CPU is charged: costs nothing."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


_NO_SECTION = _NoSection()


class _CpuMeter:
    """Charges one thread's CPU time (times `factor`) to a FakeClock.

    The CPU time is read only where the board would wait or talk to a chip
    (a simulated section: a transfer, a pin read, a sleep), not on every read
    of the clock: each reading costs a system call, and thousands of them
    would be charged as the board's own work. What an empty section costs by
    itself is measured at the start and taken off each one.
    """

    def __init__(self, clock: "FakeClock", factor: float) -> None:
        self.clock, self.factor = clock, factor
        self.owner = threading.get_ident()
        self.depth = 0
        self.charged_s = 0.0  # CPU seconds charged, unscaled: the board path's own work here
        self.section_cost = 0.0
        self.mark = time.thread_time()
        self.section_cost = self._calibrate()

    def _calibrate(self, n: int = 3000) -> float:
        """What an empty simulated section costs by itself."""
        saved_now = self.clock.now
        cost = 0.0
        self.section_cost = 0.0
        for _ in range(2):  # the second pass measures with the first pass's cost taken off
            self.charged_s = 0.0
            for _ in range(n):
                with self:
                    pass
            cost += self.charged_s / n
            self.section_cost = cost
        self.clock.now, self.charged_s = saved_now, 0.0
        self.mark = time.thread_time()
        return cost

    def __enter__(self) -> None:
        if not self.depth and threading.get_ident() == self.owner:
            now = time.thread_time()
            again = time.thread_time()  # what one reading costs now, caches as they are
            spent = now - self.mark - self.section_cost - 2.0 * (again - now)
            if spent > 0:
                self.charged_s += spent
                self.clock.now += spent * self.factor
        self.depth += 1

    def __exit__(self, *exc: Any) -> None:
        self.depth -= 1
        if not self.depth:
            self.mark = time.thread_time()  # the section's own CPU time is dropped


class FakeClock:
    """A monotonic clock that `sleep` advances at once: fake time for fast tests and board models.

    Sleeping yields the GIL (``time.sleep(0)``) so threads still interleave,
    unless `yield_gil` is False: the board benchmark keeps other threads out
    of the way, and a yield on a busy machine lets other processes run and
    evict this thread's caches, which would be charged as the board's CPU.
    `wake_latency_s` is added to every sleep that really sleeps, varied by up
    to `wake_jitter` of it either way (seeded): a Linux thread wakes late
    (timer slack, scheduling) and not always by the same, and on a Pi that
    lateness is part of the sample time.
    """

    def __init__(self, start: float = 0.0, *, wake_latency_s: float = 0.0, wake_jitter: float = 0.0,
                 yield_gil: bool = True, seed: int = 0) -> None:
        self.now = start
        self.wake_latency_s = wake_latency_s
        self.wake_jitter = wake_jitter  # the lateness varies by up to this fraction either way
        self.yield_gil = yield_gil
        self._rng = random.Random(seed)
        self.wakeups = 0
        self.cpu: _CpuMeter | None = None
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance time; negative sleeps are ignored, as time.sleep would refuse them."""
        with self.simulating():
            if seconds > 0:
                self.wakeups += 1
                late = self.wake_latency_s
                if self.wake_jitter:
                    late *= 1.0 + self.wake_jitter * self._rng.uniform(-1.0, 1.0)
                with self._lock:
                    self.now += seconds + late
            if self.yield_gil:
                time.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time on without a wake-up: time spent in a transfer on the wire."""
        if seconds > 0:
            with self._lock:
                self.now += seconds

    def charge_cpu(self, factor: float) -> None:
        """From now on the calling thread's CPU time advances the clock, `factor` times over."""
        self.cpu = _CpuMeter(self, factor) if factor > 0 else None

    @property
    def charged_cpu_s(self) -> float:
        """CPU seconds charged so far, unscaled (0 when not charging)."""
        return 0.0 if self.cpu is None else self.cpu.charged_s

    def simulating(self) -> Any:
        """A `with` block whose CPU time is the simulation's, not the board's: not charged."""
        return _NO_SECTION if self.cpu is None else self.cpu


def simulating(clock: Any) -> Any:
    """`clock.simulating()` when the clock has one (FakeClock), else a block that does nothing."""
    section = getattr(clock, "simulating", None)
    return _NO_SECTION if section is None else section()
