"""How late the machine wakes a sleeping thread, for tests that measure real time.

A timing test (the buzzer's beeps on a mock pin, a post that must not block)
reads the machine's scheduling delays as its own: on a busy machine, shared
with other work, a thread due to wake now may run tens of milliseconds later.
`WakeProbe` is a thread that sleeps 2 ms at a time and notes its worst
lateness meanwhile. `measured()` runs a timing measurement again (up to
`attempts` times) only when it failed while the probe saw the machine late by
a third of the test's tolerance or more (the probe samples the machine; the
thread measured may have been unluckier): a failure on a machine that was on
time fails at once, and so does the last attempt, whatever the machine did.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

T = TypeVar("T")


class WakeProbe:
    def __init__(self, period: float = 0.002) -> None:
        self.period = period
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wake-probe", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.monotonic()
            time.sleep(self.period)
            self.worst = max(self.worst, time.monotonic() - t0 - self.period)

    def __enter__(self) -> "WakeProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measured(run: Callable[[], T], tolerance: float, attempts: int = 5) -> T:
    """`run()` (which plays, measures and asserts), again only while the machine was late.

    >>> measured(lambda: 7, tolerance=0.015)
    7
    """
    for attempt in range(1, attempts + 1):
        with WakeProbe() as probe:
            try:
                return run()
            except AssertionError as exc:
                if attempt == attempts or probe.worst < tolerance / 3:
                    exc.add_note(f"attempt {attempt} of {attempts}; meanwhile the machine woke a "
                                 f"sleeping thread up to {probe.worst * 1000:.1f} ms late")
                    raise
    raise AssertionError("unreachable")
