"""Progress screen benchmark: its numbers from a store of 50,000 sets, and the frame drawn from them.

    .venv/bin/python bench/progress_bench.py [--sets 50000] [--keep DIR]

Fills a store (the real schema) with `--sets` finished sets of 8 reps each, a
contact loss in most, plan columns and stage changes: once spread over 50
athletes (1,000 sets each, a year of 4 sets a training day), once all of them
one athlete's (the worst case the index has to bear). Then times what opening
the progress screen does on the box's main loop: the store's query
(device/store/progress.py through device/app/progress.py's view model), the
first call and the median after, and the screen drawn at 480x320 (the first
frame counts: fonts are loaded, the box loads them at start). Target (the
issue): the screen built in under 50 ms from a store of 50,000 sets.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from device.app.progress import load_progress  # noqa: E402
from device.store.store import Store  # noqa: E402
from support.stores import fill_sets  # noqa: E402

TARGET_MS = 50.0


def timed(fn, runs: int = 7) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(first call, median of the next `runs`) in milliseconds."""
    t = time.perf_counter()
    fn()
    first = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return first, statistics.median(times)


def measure(data: str, label: str) -> float:
    """Query and frame for the athlete with the most sets; the worst of the times, in ms."""
    import pygame

    from device.view.model import MenuState, ViewModel
    from ui.render import render
    with Store.open(data) as store:
        athlete = max(store.athletes(), key=lambda a: store.sets_done(a.id))
        first, warm = timed(lambda: load_progress(store, athlete))
        progress = load_progress(store, athlete)
    surface = pygame.Surface((480, 320))
    vm = ViewModel(screen="progress", athlete=athlete.name, progress=progress, menu=MenuState(screen="progress"))
    frame_first, frame = timed(lambda: render(vm, surface))
    total = first + frame_first
    print(f"{label}: {athlete.name}, {progress.sets} sets; query + view model {first:.1f} ms first call, "
          f"{warm:.1f} ms after (median); frame {frame_first:.1f} ms first, {frame:.1f} ms after; opened in "
          f"{total:.1f} ms ({'within' if total < TARGET_MS else 'OUTSIDE'} {TARGET_MS:.0f} ms)")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=int, default=50_000)
    parser.add_argument("--keep", help="build the stores in this folder and keep them")
    args = parser.parse_args()
    root = args.keep or tempfile.mkdtemp(prefix="progress-bench-")
    worst = 0.0
    for label, athletes in (("50 athletes", 50), ("one athlete", 1)):
        data = os.path.join(root, label.replace(" ", "-"))
        t = time.perf_counter()
        with Store.open(data) as store:
            fill_sets(store, args.sets, athletes, random.Random(1))
        print(f"{label}: {args.sets} sets filled in {time.perf_counter() - t:.1f} s "
              f"({os.path.getsize(os.path.join(data, 'smartdowel.db')) / 1e6:.0f} MB)")
        worst = max(worst, measure(data, label))
    print(f"\nprogress screen from {args.sets} sets: {worst:.1f} ms at worst (target < {TARGET_MS:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
