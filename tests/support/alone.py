"""Timing tests first, one at a time, before any other test of a parallel run starts.

A test that measures real time (the buzzer's beeps on a mock pin, debounce
timers, how long a queue put takes) needs the machine to itself: beside a
CPU-bound test on the other core, or a child process starting up, it reads
scheduling delays as its own. So in a parallel run (pytest-xdist) timing tests,
which the collection puts first, run one at a time (an flock) once every
worker has finished collecting (importing every module is the heaviest thing
a worker does), and a test starts only once every timing test before it in
the collection is done: a quiet few seconds at the start of the run, then
everything else in parallel.

It cannot deadlock while each worker runs its tests in the collection's order
(xdist's load and loadfile without reordering, as ./dev runs it): the earliest
timing test not yet done is never behind a waiting test. If the order is
shuffled (a plugin), tests only wait for the timing tests before them, so still
no deadlock, only less quiet. Should a schedule break that rule or a worker die
mid-test, a wait ends after `timeout` and this worker waits no more.
"""
from __future__ import annotations

import fcntl
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence


def run_folder(testrunuid: str) -> Path:
    """Where the workers of one run (pytest-xdist's `testrunuid`, the same for all) meet."""
    return Path(tempfile.gettempdir()) / f"smartdowel-tests-{testrunuid}"


def timing_before(items: Sequence[Any]) -> dict[str, tuple[int, frozenset[int]]]:
    """For each test (by node id): its index in the collection, and those of the timing tests before it."""
    timing: set[int] = set()
    before = {}
    for i, item in enumerate(items):
        before[item.nodeid] = (i, frozenset(timing))
        if item.get_closest_marker("timing"):
            timing.add(i)
    return before


class TimingFirst:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = open(folder / "timing.lock", "a+")  # flock belongs to this open file
        self._done = folder / "timing.done"  # the collection index of each timing test done, a line each
        self._collected = folder / "collected"  # the id of each worker done collecting, a line each
        self._gave_up = False

    def collected(self, worker: str) -> None:
        """This worker has collected: its imports no longer compete with a timing test."""
        with open(self._collected, "a") as fh:
            fh.write(f"{worker}\n")

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        """A timing test: wait until `count` workers have collected."""
        end = time.monotonic() + timeout
        while not self._gave_up and len(_words(self._collected)) < count:
            if time.monotonic() > end:
                self._gave_up = True
                return
            time.sleep(0.01)

    @contextmanager
    def alone(self, index: int) -> Iterator[None]:
        """The timing test at `index`: no other timing test beside it; noted done however it ends."""
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            with open(self._done, "a") as fh:
                fh.write(f"{index}\n")
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def wait_for(self, indices: set[int], timeout: float = 60.0) -> None:
        """Any other test: wait until the timing tests at these collection indices are done."""
        end = time.monotonic() + timeout
        while indices and not self._gave_up and not indices <= {int(x) for x in _words(self._done)}:
            if time.monotonic() > end:
                self._gave_up = True
                return
            time.sleep(0.01)


def _words(path: Path) -> set[str]:
    try:
        with open(path) as fh:
            return set(fh.read().split())
    except OSError:
        return set()
