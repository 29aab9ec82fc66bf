"""Timing tests first, one at a time, before any other test of the run starts.

A test that measures real time (the buzzer's beeps on a mock pin, debounce
timers, how long a queue put takes) needs the machine to itself: beside a
CPU-bound test on the other core, or a child process starting up, it reads
scheduling delays as its own. So in a parallel run (pytest-xdist) the timing
tests, which the collection puts first, run one at a time (an flock), and
every other test waits until all of them are done: a quiet phase of a few
seconds at the start of the run, then everything else in parallel.

It cannot deadlock: each worker gets its tests in the collection's order, so
a worker that waits has run all of its timing tests, and the rest are ahead
of anything else on the other workers. Should a worker die mid-test, the wait
ends after `timeout` and the run goes on (those tests then share the machine).
"""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def run_folder(testrunuid: str) -> Path:
    """Where the workers of one run (pytest-xdist's `testrunuid`, the same for all) meet."""
    return Path(tempfile.gettempdir()) / f"smartdowel-tests-{testrunuid}"


class TimingFirst:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(folder / "timing.lock", "a+")  # flock belongs to this open file
        self._done = folder / "timing.done"  # one byte per timing test finished

    @contextmanager
    def alone(self) -> Iterator[None]:
        """A timing test: no other timing test beside it; counted done however it ends."""
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            with open(self._done, "ab") as fh:
                fh.write(b".")
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def wait_for_timing(self, total: int, timeout: float = 300.0) -> None:
        """Any other test: wait until the run's `total` timing tests are done."""
        end = time.monotonic() + timeout
        while total and self._count() < total and time.monotonic() < end:
            time.sleep(0.01)

    def _count(self) -> int:
        try:
            return os.path.getsize(self._done)
        except OSError:
            return 0
