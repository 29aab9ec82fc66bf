"""UI benchmark: frame render time at 480x320, and whether drawing disturbs the sampler.

Why both: the screen may lag but the buzzer may not. A frame must render in
at most 5 ms at 480x320 (issue 4), and the sampler's 100 Hz timing must look
the same with the UI drawing 30 frames a second in the same process as
without it (the GIL is shared).

    .venv/bin/python bench/ui_bench.py [--seconds 10]

The frames are the real sequence of view models of a simulated set (every
model that differs from the one before, as the display would draw them).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pygame  # noqa: E402

from device.app.sampler import JitterStats, Sampler  # noqa: E402
from device.view.model import ViewModel  # noqa: E402
from ui.display import Display  # noqa: E402
from device.cli.examples import examples, run_set  # noqa: E402
from ui.render import render  # noqa: E402

SIZE = (480, 320)
TARGET_MS = 5.0
RATE_HZ = 100.0


def set_frames() -> list[ViewModel]:
    """Every distinct view model of a simulated set, in order: the frames a display draws."""
    frames: list[ViewModel] = []

    def collect(vm: ViewModel) -> bool:
        if not frames or vm is not frames[-1]:
            frames.append(vm)
        return False
    run_set(wants={"all": collect})
    return frames + list(examples().values())


def render_times(frames: list[ViewModel], surface: pygame.Surface) -> dict[str, list[float]]:
    """Milliseconds per render, by screen, after one warm-up pass (fonts and text cached)."""
    for vm in frames[:50]:
        render(vm, surface)
    out: dict[str, list[float]] = {}
    for vm in frames:
        start = time.perf_counter()
        render(vm, surface)
        out.setdefault(vm.screen, []).append((time.perf_counter() - start) * 1000)
    return out


class TrivialADC:
    """A chip that answers at once: the sampler's own timing is all that is measured."""

    def read(self, channel: int) -> int:
        return 12000 + channel


def sampler_jitter(seconds: float, frames: list[ViewModel] | None) -> tuple[JitterStats, int]:
    """Run the 100 Hz sampler thread for `seconds`, the main thread idle or drawing at 30 fps."""
    sampler = Sampler(TrivialADC(), None, RATE_HZ, lambda s: None, lambda e: None)
    display = Display(size=SIZE) if frames else None
    sampler.start()
    end = time.monotonic() + seconds
    i = 0
    try:
        while time.monotonic() < end:
            if display is not None and frames:
                display.show(frames[i % len(frames)])
                i += 1
            time.sleep(1 / 120)  # the main loop's own pace; show() caps drawing at 30 fps
    finally:
        sampler.stop()
        drawn = display.frames if display is not None else 0
        if display is not None:
            display.close()
    return sampler.jitter(), drawn


def fmt(j: JitterStats) -> str:
    return (f"p50 {j.p50 * 1000:6.2f} ms  p99 {j.p99 * 1000:6.2f} ms  max {j.max * 1000:6.2f} ms  "
            f"overruns {j.overruns}  ({j.count} intervals)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per jitter run")
    args = parser.parse_args(argv)
    pygame.font.init()
    frames = set_frames()
    times = render_times(frames, pygame.Surface(SIZE))
    every = [t for ts in times.values() for t in ts]
    median = statistics.median(every)
    print(f"frame render at {SIZE[0]}x{SIZE[1]}: median {median:.2f} ms over {len(every)} frames "
          f"(target <= {TARGET_MS:.0f} ms: {'ok' if median <= TARGET_MS else 'MISSED'})")
    for screen, ts in sorted(times.items()):
        ts = sorted(ts)
        print(f"  {screen:<12s} median {statistics.median(ts):5.2f} ms  "
              f"p95 {ts[math.ceil(0.95 * len(ts)) - 1]:5.2f} ms  max {ts[-1]:5.2f} ms  (n={len(ts)})")
    idle, _ = sampler_jitter(args.seconds, None)
    busy, drawn = sampler_jitter(args.seconds, frames)
    print(f"sampler {RATE_HZ:.0f} Hz, UI idle:          {fmt(idle)}")
    print(f"sampler {RATE_HZ:.0f} Hz, UI at {drawn / args.seconds:4.1f} fps:   {fmt(busy)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
