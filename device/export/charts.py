"""Drawing the sets' charts while the export writes: in worker processes, in order, never lost.

Why processes: drawing is Python and CPU-bound; on a Pi with 4 cores the
charts take most of an export's time, and a thread would hold the
interpreter lock from the live appliance. Workers run at lower priority.
Why bounded: charts go to the pool in batches, with at most `workers * 3`
batches in flight, so memory stays flat for any number of sets. If the pool
breaks (a worker killed, no way to start one), what was in flight and
everything after is drawn here: slower, never lost.

The drawing itself is injected: a `ChartRenderer` (device/view/chart.py)
turns a SetChart into PNG bytes. Nothing here knows how pixels are made.
"""
from __future__ import annotations

import logging
import os
from collections import deque
from typing import Any, Generic, Iterator, Sequence, TypeVar

from device.export.series import ChartError, ChartJob, read_series
from device.view.chart import ChartRenderer, SetChart

log = logging.getLogger("smartdowel.export")

Drawn = bytes | str | None  # PNG, why there is none, or None: no chart was asked for
Key = TypeVar("Key")  # what the caller knows a chart by; it comes back with the chart


def draw(renderer: ChartRenderer, job: ChartJob) -> bytes | str:
    """One chart as PNG bytes, or one line saying why not: a chart must never sink the export."""
    try:
        return renderer(SetChart(read_series(job), job.title, job.size))
    except ChartError as exc:
        return str(exc)
    except Exception as exc:
        return f"{job.trace}: {type(exc).__name__}: {exc}"


def _draw_many(renderer: ChartRenderer | None, jobs: Sequence[ChartJob]) -> list[bytes | str]:
    """A worker's task: a few charts at once, so the pool's per-task cost is shared."""
    if not jobs:
        return []
    assert renderer is not None, "a chart to draw and nothing to draw it with"
    return [draw(renderer, job) for job in jobs]


def _worker_init() -> None:
    """Chart workers yield to the live appliance (sampler, buzzer) if it runs beside them."""
    try:
        os.nice(10)
    except OSError:
        pass


class ChartPool(Generic[Key]):
    """Charts in order, drawn inline (workers=0) or by a process pool with a bounded number in flight.

    With no renderer nothing is drawn: every job submitted must be None (the
    keys still come back in order, for the progress count)."""

    BATCH = 8

    def __init__(self, workers: int, renderer: ChartRenderer | None) -> None:
        self.renderer = renderer
        self.pool: Any = None
        self.window = max(1, workers * 3)
        self.batch: list[tuple[Key, ChartJob | None]] = []
        self.inflight: deque[tuple[list[tuple[Key, ChartJob | None]], Any]] = deque()
        if workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init)

    def submit(self, key: Key, job: ChartJob | None) -> Iterator[tuple[Key, Drawn]]:
        """Queue a chart (None: none to draw); yields finished (key, PNG or error) in order."""
        self.batch.append((key, job))
        if self.pool is None or len(self.batch) >= self.BATCH:
            self._send()
        while len(self.inflight) > (self.window if self.pool is not None else 0):
            yield from self._pop()

    def drain(self) -> Iterator[tuple[Key, Drawn]]:
        self._send()
        while self.inflight:
            yield from self._pop()

    def _send(self) -> None:
        items, self.batch = self.batch, []
        if not items:
            return
        jobs = [j for _, j in items if j is not None]
        pending: Any = []
        if jobs and self.pool is not None:
            try:
                pending = self.pool.submit(_draw_many, self.renderer, jobs)
            except Exception as exc:  # BrokenProcessPool, or a worker could not be started
                self._broken(exc)
                pending = _draw_many(self.renderer, jobs)
        elif jobs:
            pending = _draw_many(self.renderer, jobs)
        self.inflight.append((items, pending))

    def _pop(self) -> Iterator[tuple[Key, Drawn]]:
        items, pending = self.inflight.popleft()
        if not isinstance(pending, list):
            try:
                pending = pending.result()
            except Exception as exc:
                self._broken(exc)
                pending = _draw_many(self.renderer, [j for _, j in items if j is not None])
        results = iter(pending)
        for key, job in items:
            yield key, (None if job is None else next(results))

    def _broken(self, exc: BaseException) -> None:
        if self.pool is not None:
            log.warning("export: chart workers failed (%s); drawing the charts here instead", exc)
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def auto_workers(sets: int) -> int:
    """Worker processes: none for a small export (starting one costs ~0.3 s), else one per CPU
    up to 4, and no more than free memory allows (~80 MB each: a Pi Zero 2 W has 512 MB)."""
    cpus = os.cpu_count() or 1
    if sets < 48 or cpus < 2:
        return 0
    return min(cpus, 4, _available_mb() // 80)


def _available_mb(meminfo: str = "/proc/meminfo") -> int:
    try:
        with open(meminfo) as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 1024
