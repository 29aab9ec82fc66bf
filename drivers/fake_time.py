"""Fake time for the fake chips: a clock that sleeping advances, and that can stand for a slower CPU.

Why: tests of an 8 SPS conversion or a two-second bus hang must run in
microseconds, and the board benchmark must show what a Pi Zero 2 W would do
on this much faster machine. So:

- `sleep` advances the clock at once (plus the board's wake-up latency, if
  one is given) and counts the wake-up;
- `advance` moves it without a wake-up (time spent on a bus wire);
- `charge_cpu(factor)` makes the calling thread's own CPU time advance the
  clock too, `factor` times over: Python that takes 50 us here takes about
  1.1 ms on a Zero 2 W (factor 22), and the clock shows it;
- `simulating()` marks code that belongs to the fake chips and would not run
  on a Pi (the chip's model, the simulated athlete): its CPU time is not
  charged.

    >>> c = FakeClock(); c.sleep(0.5); c(), c.wakeups
    (0.5, 1)
    >>> c.advance(0.25); c(), c.wakeups
    (0.75, 1)
"""
from __future__ import annotations

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
    """Charges one thread's CPU time (times `factor`) to a FakeClock."""

    def __init__(self, clock: "FakeClock", factor: float) -> None:
        self.clock, self.factor = clock, factor
        self.owner = threading.get_ident()
        self.depth = 0
        self.charged_s = 0.0  # CPU seconds charged, unscaled: the board path's own work here
        self.overhead_s = 0.0
        self.mark = time.thread_time()
        self.overhead_s = self._calibrate()

    def _calibrate(self, n: int = 4000) -> float:
        """What one charge costs by itself, so that measuring does not count as work."""
        saved_now, saved = self.clock.now, self.charged_s
        start = time.thread_time()
        for _ in range(n):
            self.charge()
        per_call = (time.thread_time() - start) / n
        self.clock.now, self.charged_s = saved_now, saved
        self.mark = time.thread_time()
        return per_call

    def charge(self) -> None:
        if self.depth or threading.get_ident() != self.owner:
            return
        now = time.thread_time()
        spent = now - self.mark - self.overhead_s
        self.mark = now
        if spent > 0:
            self.charged_s += spent
            self.clock.now += spent * self.factor

    def __enter__(self) -> None:
        self.charge()
        self.depth += 1

    def __exit__(self, *exc: Any) -> None:
        self.depth -= 1
        if not self.depth:
            self.mark = time.thread_time()  # the section's own CPU time is dropped


class FakeClock:
    """A monotonic clock that `sleep` advances at once: fake time for fast tests and board models.

    Sleeping yields the GIL (``time.sleep(0)``) so threads still interleave.
    `wake_latency_s` is added to every sleep that really sleeps: a Linux
    thread wakes late (timer slack, scheduling), and on a Pi that lateness is
    part of the sample time.
    """

    def __init__(self, start: float = 0.0, *, wake_latency_s: float = 0.0) -> None:
        self.now = start
        self.wake_latency_s = wake_latency_s
        self.wakeups = 0
        self.cpu: _CpuMeter | None = None
        self._lock = threading.Lock()

    def __call__(self) -> float:
        if self.cpu is not None:
            self.cpu.charge()
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance time; negative sleeps are ignored, as time.sleep would refuse them."""
        if self.cpu is not None:
            self.cpu.charge()
        with self.simulating():
            if seconds > 0:
                self.wakeups += 1
                with self._lock:
                    self.now += seconds + self.wake_latency_s
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
