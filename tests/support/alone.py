"""One lock for a whole test run across pytest-xdist's workers: timing tests run alone.

A test that measures real time (the buzzer's beeps on a mock pin, how long a
queue put takes) needs the machine to itself: beside a CPU-bound test on the
other core it reads scheduling delays as its own. Every other test holds the
lock shared, a `timing` test holds it alone. Two files: waiting at the `gate`
first means a timing test that waits for the room lets no new test in ahead of
it (a readers-writer lock without starved writers).

flock locks belong to an open file: each worker process opens its own.
"""
from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class RunLock:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._gate = open(folder / "gate.lock", "a+")
        self._room = open(folder / "room.lock", "a+")

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Beside any other shared holder; not beside an exclusive one."""
        fcntl.flock(self._gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._room, fcntl.LOCK_SH)
        finally:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._room, fcntl.LOCK_UN)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Alone: waits for the holders inside to leave, lets nobody new in meanwhile."""
        fcntl.flock(self._gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._room, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._room, fcntl.LOCK_UN)
        finally:
            fcntl.flock(self._gate, fcntl.LOCK_UN)
