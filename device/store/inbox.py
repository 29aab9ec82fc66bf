"""The hand-over to one worker thread: items in the order they came, samples in batches.

Why batches: the set recorder (device/store/recorder.py) is fed a sample every
10 ms from the sampler's thread. Waking its thread for each one cost a
context switch per sample; on a Pi Zero 2 W every wake-up and every GIL
hand-over shows in the sampler's timing. So samples gather in a list and go
to the worker as one batch per `batch_s` of sample time (or `batch_max`
samples); any other item (an event, a command) first sends the samples that
came before it, so the worker sees everything in the order it was handed
over. When nothing has come for `batch_s`, the worker takes what gathered.
Callers never block on the worker: the lock guards a list append.
"""
from __future__ import annotations

import queue
import threading

from device.core.signal import Sample

Batch = list[Sample]


class Inbox:
    """Items for one worker thread, in order; `get` hands them out (a list is a batch of samples).

    >>> box = Inbox(batch_s=0.1)
    >>> for i in range(13):
    ...     _ = box.put_sample(Sample(i / 100, 1, 2, 3, None))
    >>> len(box.get()), box.wakeups                  # one batch: 100 ms of samples
    (11, 1)
    >>> box.put("event")
    >>> [s.t for s in box.get()], box.get()         # what came before it, then it
    ([0.11, 0.12], 'event')
    """

    def __init__(self, batch_s: float = 0.1, batch_max: int = 64, max_backlog: int = 200_000) -> None:
        self.batch_s, self.batch_max, self.max_backlog = batch_s, batch_max, max_backlog
        self.dropped = 0
        self.wakeups = 0  # batches sent
        self._q: "queue.SimpleQueue[object]" = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._gathering: Batch = []
        self._first_t = 0.0  # sample time of the batch's first sample
        self._backlog = 0  # samples handed over and not yet taken by the worker

    @property
    def backlog(self) -> int:
        """Samples handed over and not yet taken by the worker."""
        return self._backlog

    def put(self, item: object) -> None:
        """An item for the worker, after the samples that came before it."""
        with self._lock:
            self._send()
            self._q.put(item)

    def put_sample(self, sample: Sample) -> bool:
        """Gather a sample; False (counted in `dropped`) when the worker is `max_backlog` behind."""
        with self._lock:
            if self._backlog >= self.max_backlog:
                self.dropped += 1
                return False
            self._backlog += 1
            gathering = self._gathering
            if not gathering:
                self._first_t = sample.t
            gathering.append(sample)
            if sample.t - self._first_t >= self.batch_s or len(gathering) >= self.batch_max:
                self._send()
            return True

    def get(self, timeout: float | None = None) -> object | None:
        """The next item or batch; after `timeout` with none, what has gathered (None if nothing).

        Raises queue.Empty when `timeout` is 0 and nothing is queued."""
        if timeout == 0:
            return self._taken(self._q.get_nowait())
        try:
            return self._taken(self._q.get(timeout=timeout))
        except queue.Empty:
            with self._lock:
                self._send()
            try:
                return self._taken(self._q.get_nowait())
            except queue.Empty:
                return None

    def _send(self) -> None:
        """The gathered samples to the worker (the lock is held)."""
        if self._gathering:
            self._q.put(self._gathering)
            self._gathering = []
            self.wakeups += 1

    def _taken(self, item: object) -> object:
        if isinstance(item, list):
            with self._lock:
                self._backlog -= len(item)
        return item
