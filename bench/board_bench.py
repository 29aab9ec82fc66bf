"""Board benchmark: the rate each Raspberry Pi holds, and what one sample costs there.

    .venv/bin/python bench/board_bench.py [--seconds 30] [--repeat 3] [--baseline REV] [--quick]

Per board profile (drivers/board_model.py: bus clock, per-transfer overhead,
wake-up latency, Python slowdown, each with its source), the live path runs in
fake time through the real drivers, sampler, detector, cue policy and
recorder (bench/board_rig.py): flat out, then at the target rate with a
script of contact losses. Printed per row, medians over `--repeat` runs:

- one sample's time (p50, p99) and its parts: waiting on conversions, the
  bus (wire and per-transfer overhead), Python (this machine's CPU time times
  the board's factor); I2C/SPI transfers and sampler wake-ups per sample;
- the rate the path sustains flat out, the margin left in each period at the
  target (1 - p99 sample time / period), the p99 sampling interval;
- the cue latency from force below 10 % to the cue handed to the buzzer, p99,
  and what the buzzer thread's hand-off to the pin adds (a wake-up, and its
  CPU time per cue here scaled by the factor);
- CPU per sample here (sampler thread and recorder thread) and the share of
  one Zero 2 W core it would take at 100 Hz with the issue's 22x (18-29x);
  beside it, the kernel's share estimated from the transfers, wake-ups and
  ioctls counted (drivers/board_model.py says how);
- the screen's CPU per frame here (ui/display.py rendering a simulated set's
  frames at 480x320, SDL dummy driver), and its share at 25 frames a second.

"old" rows run the drivers and recorder of commit `--baseline` (the one
before this work) on the same fakes, for comparison.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import threading
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from board_rig import Run, old_path, run_profile  # noqa: E402
from drivers.board_model import PROFILES, BoardProfile  # noqa: E402
from live_bench import pct  # noqa: E402

BASELINE = "b9d3fcf"  # the last commit before the leaner bus path
ZERO_FACTOR, ZERO_RANGE = PROFILES["zero2w-400k"].python_factor, PROFILES["zero2w-400k"].python_range
FPS = 25.0
TICKS_PER_S = 1 / 0.015  # the appliance's main loop with a screen (device/app/appliance.py)
TARGETS = "targets: Zero 2 W holds 100 Hz at 100 and 400 kHz (400 kHz: margin >= 30 %), Pi 4/5 200 Hz; " \
          "<= 7 transfers a sample; Zero core <= 10 % headless, <= 35 % with the screen; cue p99 <= 50 ms"


def rows(quick: bool) -> list[tuple[str, BoardProfile, float, bool, bool]]:
    """(label, profile, target Hz, ALERT/RDY wired, old path)."""
    p = PROFILES
    out = [("Zero 2 W, 100 kHz", p["zero2w-100k"], 100.0, True, False),
           ("Zero 2 W, 400 kHz", p["zero2w-400k"], 100.0, True, False),
           ("Pi 4/5, 400 kHz", p["pi4-400k"], 200.0, True, False),
           ("Zero 2 W, MCP3008", p["zero2w-mcp3008"], 100.0, True, False)]
    if not quick:
        out += [("Zero 2 W, 100 kHz, RDY unwired", p["zero2w-100k"], 100.0, False, False),
                ("Zero 2 W, 400 kHz, RDY unwired", p["zero2w-400k"], 100.0, False, False),
                ("Zero 2 W, 400 kHz, 250 us/xfer", p["zero2w-400k"].with_overhead(250e-6, "slow-ioctl"),
                 100.0, True, False)]
    out += [("old: Zero 2 W, 100 kHz", p["zero2w-100k"], 100.0, False, True),
            ("old: Zero 2 W, 400 kHz", p["zero2w-400k"], 100.0, False, True),
            ("old: Pi 4/5, 400 kHz", p["pi4-400k"], 200.0, False, True)]
    return out


class Row:
    """Medians of one row's repeated runs."""

    def __init__(self, label: str, runs: list[Run]) -> None:
        self.label, self.runs, r0 = label, runs, runs[0]
        self.rate, self.profile = r0.rate_hz, r0.profile

        def med(f) -> float:  # type: ignore[no-untyped-def]
            return statistics.median(f(r) for r in runs)
        self.p50 = med(lambda r: pct(r.sample_s, 0.5))
        self.p99 = med(lambda r: pct(r.sample_s, 0.99))
        self.bus = med(lambda r: r.per_sample(r.bus_s))
        self.python = med(lambda r: r.per_sample(r.python_s))
        self.wait = med(lambda r: statistics.fmean(r.sample_s)) - self.bus - self.python
        self.txn = med(lambda r: r.per_sample(r.transactions))
        self.wakeups = med(lambda r: r.per_sample(r.wakeups))
        self.flat = med(lambda r: r.flat_out_hz)
        self.interval_p99 = med(lambda r: r.interval_p99_s)
        self.overruns = sum(r.overruns for r in runs)  # samples that fell a whole period behind, all runs
        self.cpu = med(lambda r: r.cpu_per_sample_s)
        self.cpu_recorder = med(lambda r: r.per_sample(r.cpu_recorder_s))
        self.kernel = med(lambda r: r.kernel_per_sample_s())
        self.recorder_wakeups = med(lambda r: r.recorder_wakeups / r.seconds)
        lat = [x for r in runs for x in r.cue_latency_s]
        self.cue_p99 = pct(lat, 0.99) if lat else math.nan
        self.missed = sum(r.missed for r in runs)
        self.false_cues = sum(r.false_cues for r in runs)
        self.ready = r0.ready_pin

    @property
    def margin(self) -> float:
        return 1.0 - self.p99 * self.rate

    @property
    def holds(self) -> bool:
        """Samples start on their deadlines: the p99 sample fits in the period, flat out beats the rate."""
        return self.margin > 0 and self.flat >= self.rate

    def share(self, factor: float = ZERO_FACTOR, rate: float = 100.0) -> float:
        """Of one Zero 2 W core at `rate`, headless: Python (measured here, scaled)."""
        return self.cpu * factor * rate

    def kernel_share(self, rate: float = 100.0) -> float:
        """The same for the kernel's part (estimated per transfer, wake-up and ioctl)."""
        return self.kernel * rate


def buzzer_handoff(n: int = 40) -> float:
    """CPU seconds here of the buzzer's thread per cue: woken by `play()`, pin on, stopped again.

    Its wall-clock latency here says more about this machine's load than about
    a Pi; on the board the hand-off is a thread wake-up plus this much Python."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin
    from board_rig import thread_cpu
    from drivers.buzzer import BuzzerPlayer
    seen = threading.Event()
    factory = MockFactory(pin_class=MockPWMPin)
    player = BuzzerPlayer(18, pin_factory=factory, on_first_note=lambda pattern, t: seen.set())
    blip = ((880.0, 0.001),)  # one short note: the hand-off, the pin on and off again

    def cue() -> None:
        seen.clear()
        player.play(blip)
        seen.wait(1.0)
        while player.busy:
            time.sleep(0.001)
    try:
        cue()  # the worker thread starts with the first cue and then waits for the next
        worker = player._thread
        before = thread_cpu(worker)
        for _ in range(n):
            cue()
        return (thread_cpu(worker) - before) / n
    finally:
        player.close()
        factory.close()


def screen_frame_cpu() -> float | None:
    """Median CPU seconds here per frame of today's screen (render and flip at 480x320), or None without pygame.

    The frames are a simulated set's view models as the display draws them
    (each one that differs from the last), through ui/display.py's `show`."""
    try:
        from device.cli.examples import run_set
        from ui.display import Display
    except ImportError:
        return None
    frames: list = []
    run_set(wants={"all": lambda vm: bool(frames.append(vm)) if not frames or vm is not frames[-1] else False})
    display = Display(size=(480, 320), fps=0)
    try:
        for vm in frames[:50]:  # fonts and text caches warm, as after the box's first frames
            display.show(vm)
        times = []
        for vm in frames:
            start = time.thread_time()
            if display.show(vm):
                times.append(time.thread_time() - start)
    finally:
        display.close()
    return statistics.median(times) if times else None


def view_tick_cpu(ticks: int = 2000) -> float:
    """CPU seconds here per turn of the main loop with a screen: the view model updated and built.

    The appliance does this every 15 ms (about 66 times a second) whether or
    not anything changed (item 3 of the issue; not changed here)."""
    from device.core.detector import Detector
    from device.core.signal import Sample, SignalChain
    from device.view.builder import ViewModelBuilder
    detector, view = Detector(SignalChain()), ViewModelBuilder()
    t, sample = 0.0, None
    for _ in range(300):  # standing at the dowel: calibrated, ready
        t += 0.01
        sample = Sample(round(t, 4), 9000, 9100, 9200, 3.0)
        for event in detector.feed(sample):
            view.on_event(event)
    start = time.thread_time()
    for _ in range(ticks):
        view.on_tick(t, detector, sample)
        view.build()
    return (time.thread_time() - start) / ticks


def timing_table(table: list[Row]) -> None:
    print(f"\n{'board / path':32s} {'Hz':>4s} {'RDY':>9s} | {'sample p50/p99':>14s} | "
          f"{'wait':>5s} {'bus':>5s} {'Py':>5s} ms | {'xfer':>4s} {'wake':>4s} | {'flat':>5s} "
          f"{'margin':>6s} {'ivl p99':>7s} | {'cue p99':>7s} | holds")
    for r in table:
        print(f"{r.label:32s} {r.rate:4.0f} {r.ready:>9s} | {r.p50 * 1e3:6.2f}/{r.p99 * 1e3:5.2f} ms | "
              f"{r.wait * 1e3:5.2f} {r.bus * 1e3:5.2f} {r.python * 1e3:5.2f}    | {r.txn:4.1f} {r.wakeups:4.1f} | "
              f"{r.flat:5.0f} {r.margin:6.0%} {r.interval_p99 * 1e3:5.2f}ms | "
              f"{r.cue_p99 * 1e3:5.1f}ms | {'yes' if r.holds else 'NO'}"
              + (f", {r.overruns} overrun{'s' if r.overruns > 1 else ''}" if r.overruns else "")
              + (f" ({r.missed} missed, {r.false_cues} false)" if r.missed or r.false_cues else ""))


def cpu_table(table: list[Row], frame_s: float | None, tick_s: float) -> None:
    lo, hi = ZERO_RANGE
    print(f"\n{'board / path':32s} | {'CPU/sample here':>15s} {'of it recorder':>14s} | "
          f"{'Python: Zero core at 100 Hz':>28s} | {'+ kernel (est.)':>15s} | recorder wake-ups/s")
    for r in table:
        print(f"{r.label:32s} | {r.cpu * 1e6:12.1f} us {r.cpu_recorder * 1e6:11.1f} us | "
              f"{r.share():12.1%} ({r.share(lo):5.1%}-{r.share(hi):5.1%}) | "
              f"{r.kernel_share():+14.1%} | {r.recorder_wakeups:6.0f}")
    if frame_s is not None:
        screen = frame_s * ZERO_FACTOR * FPS
        print(f"\nscreen today (item 3, not changed here): {frame_s * 1e3:.2f} ms CPU per frame here "
              f"(render and flip, 480x320, a set's frames, SDL dummy) -> {screen:.0%} of a Zero core at "
              f"{FPS:.0f} fps "
              f"({frame_s * lo * FPS:.0%}-{frame_s * hi * FPS:.0%})")
        ticks = tick_s * ZERO_FACTOR * TICKS_PER_S
        print(f"main loop with a screen: {tick_s * 1e6:.0f} us CPU here per turn building the view model, "
              f"{TICKS_PER_S:.0f} turns a second -> {ticks:.0%} of a Zero core")
        best = next(r for r in table if r.label == "Zero 2 W, 400 kHz")
        print(f"Zero 2 W, 400 kHz, with the screen: {best.share() + screen + ticks:.0%} of a core "
              f"(headless {best.share():.1%} + frames {screen:.0%} + view models {ticks:.0%}; "
              f"kernel est. {best.kernel_share():+.1%})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="fake seconds at the target rate per run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (medians are printed)")
    ap.add_argument("--baseline", default=BASELINE, help="commit whose drivers and recorder are 'old'")
    ap.add_argument("--quick", action="store_true", help="fewer rows, 10 s, one run each")
    a = ap.parse_args(argv)
    seconds, repeat = (10.0, 1) if a.quick else (a.seconds, a.repeat)
    old = old_path(a.baseline)
    table = []
    for label, profile, rate, ready, is_old in rows(a.quick):
        if is_old and old is None:
            print(f"{label}: skipped (git cannot show {a.baseline})")
            continue
        runs = [run_profile(profile, rate, seconds, label=label, ready_pin=ready, old=old if is_old else None)
                for _ in range(repeat)]
        table.append(Row(label, runs))
    handoff = buzzer_handoff()
    print(f"board model, {seconds:.0f} s at the target rate per run, medians of {repeat}; "
          f"wait/bus/Py: one sample's time by part; xfer: I2C/SPI transfers a sample; wake: sampler "
          f"wake-ups a sample; margin: 1 - p99 sample time / period; holds: margin > 0 and flat out faster; "
          f"overruns: samples a whole period late, over all runs")
    timing_table(table)
    zero = PROFILES["zero2w-400k"]
    print(f"cue p99: force below 10 % to the cue handed to the buzzer; the buzzer thread's hand-off to the "
          f"pin adds a wake-up and {handoff * 1e6:.0f} us of CPU here: "
          f"{(zero.wake_latency_s + handoff * ZERO_FACTOR) * 1e3:.1f} ms on a Zero")
    cpu_table(table, screen_frame_cpu(), view_tick_cpu())
    print(TARGETS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
