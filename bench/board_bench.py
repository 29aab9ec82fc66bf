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
- the screen's CPU per frame here, today's and this tree's (bench/ui_bench.py:
  a session's frames at 480x320, SDL dummy driver), and its share of a Zero
  core during reps at the Zero's frame cap, view models included; with the
  sampler's share, the Zero's total with the screen.

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
SCREEN_BASELINE = "267eca4"  # main before the screen work was merged into it (bench/ui_bench.py's)
ZERO_FACTOR, ZERO_RANGE = PROFILES["zero2w-400k"].python_factor, PROFILES["zero2w-400k"].python_range
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


class Screen:
    """The screen's figures from bench/ui_bench.py: today's (commit `rev`) and this tree's, on the Zero."""

    def __init__(self, rev: str) -> None:
        from screen_rig import ROOT, measure, tree_at
        from ui_bench import BOARDS, TODAY_FPS, Frames, Share
        self.fps, factor = BOARDS["Pi Zero 2 W"]
        self.today_fps = TODAY_FPS
        today = tree_at(rev)
        self.this = Frames(measure(ROOT, "frames", fps=TODAY_FPS))
        self.today = Frames(measure(today, "frames", fps=TODAY_FPS)) if today else None
        self.share = Share(ROOT, self.fps, factor, measure(ROOT, "builds"))
        self.today_share = Share(today, TODAY_FPS, factor, measure(today, "builds")) if today else None
        self.ok = self.this.ok and self.share.total == self.share.total


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


def cpu_table(table: list[Row], screen: Screen | None) -> None:
    lo, hi = ZERO_RANGE
    print(f"\n{'board / path':32s} | {'CPU/sample here':>15s} {'of it recorder':>14s} | "
          f"{'Python: Zero core at 100 Hz':>28s} | {'+ kernel (est.)':>15s} | recorder wake-ups/s")
    for r in table:
        print(f"{r.label:32s} | {r.cpu * 1e6:12.1f} us {r.cpu_recorder * 1e6:11.1f} us | "
              f"{r.share():12.1%} ({r.share(lo):5.1%}-{r.share(hi):5.1%}) | "
              f"{r.kernel_share():+14.1%} | {r.recorder_wakeups:6.0f}")
    if screen is None or not screen.ok:
        print("\nscreen: not measured (pygame or git missing)")
        return
    this, today, share = screen.this, screen.today, screen.share
    said = f"today {today.mean * 1e3:.3f} ms, " if today and today.ok else ""
    ratio = f" ({this.mean / today.mean:.2f}x today's)" if today and today.ok else ""
    print(f"\nscreen (bench/ui_bench.py: a session at 480x320, SDL dummy): CPU per frame drawn here {said}"
          f"this {this.mean * 1e3:.3f} ms{ratio}; on a Zero at {screen.fps:.0f} fps during reps: frames "
          f"{share.reps:.1%} + view models {share.models:.1%} of a core")
    best = next(r for r in table if r.label == "Zero 2 W, 400 kHz")
    total = best.share() + share.total
    old = f"; with today's screen at {screen.today_fps:.0f} fps: {best.share() + screen.today_share.total:.0%}" \
        if screen.today_share else ""
    print(f"Zero 2 W, 400 kHz, with the screen: {total:.0%} of a core (headless {best.share():.1%} + screen "
          f"{share.total:.1%}; kernel est. {best.kernel_share():+.1%}){old}: "
          f"{'ok' if total <= 0.35 else 'MISSED'} (target <= 35 %)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0, help="fake seconds at the target rate per run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per row (medians are printed)")
    ap.add_argument("--baseline", default=BASELINE, help="commit whose drivers and recorder are 'old'")
    ap.add_argument("--baseline-screen", default=SCREEN_BASELINE, help="commit whose screen is 'today'")
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
    cpu_table(table, Screen(a.baseline_screen))
    print(TARGETS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
