"""UI benchmark: what the screen costs here and on the boards, today's against this tree's, and the sampler beside it.

    .venv/bin/python bench/ui_bench.py [--seconds 8] [--repeat 3] [--baseline REV] [--no-x11] [--quick]

Why: the screen was the biggest CPU cost of the box, and on a Pi Zero 2 W a
frame drawn from scratch is milliseconds of Python holding the GIL the
sampler needs. Printed, each figure beside its target:

1. CPU per frame here at 480x320 (thread CPU, not wall time), mean and
   median over a session's frames (bench/screen_rig.py: three simulated
   sets and the menus, one model per 15 ms turn of the main loop, at most
   30 frames a second), frames drawn a second, CPU a second of the session,
   words rendered and text measured per frame; with SDL's dummy driver and
   in a real X window (a virtual X server of its own); by screen.
2. View models assembled a second at the main loop's pace, idle and in a set.
3. The sampler's p99 interval at 100 Hz while the main thread draws: frames
   as drawn here, and slowed to stand in for a Zero (bench/sampler_rig.py);
   a bare chip and the real drivers on a Zero's bus timing.
4. The screen's share of one core per board, with that board's frame cap
   (this machine's CPU times the board's Python factor); board_bench.py adds
   the sampler's share for the total.

"today" is commit `--baseline` (the screen before this work), taken from git
and measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from device.app.config import Config  # noqa: E402
from device.app.hardware import frame_rate  # noqa: E402
from drivers.board_model import PROFILES  # noqa: E402
from screen_rig import ROOT, Xvfb, measure, tree_at  # noqa: E402

BASELINE = "267eca4"  # main before the screen work was merged into it
# Per board: its frame cap as the CLI picks it from the board's model string, and its Python factor
# (this machine's CPU time to the board's: drivers/board_model.py).
BOARDS = {board: (frame_rate(Config(), model), PROFILES[profile].python_factor)
          for board, model, profile in (("Pi Zero 2 W", "Raspberry Pi Zero 2 W Rev 1.0", "zero2w-400k"),
                                        ("Pi 4/5", "Raspberry Pi 5 Model B Rev 1.0", "pi4-400k"))}
TODAY_FPS = 30.0  # today's display draws at most this many frames a second, on every board
FRAME_RATIO_TARGET = 1 / 3
P99_TARGET_MS = 12.0
SHARE_TARGET = 0.35  # of a Zero core with the screen, sampler included (board_bench.py)
UIS = {"none": "no screen", "normal": "frames as drawn here", "x22": "slowed to a Zero: each piece x22",
       "15ms": "slowed: 15 ms a frame, one piece"}
SAMPLERS = {"bare": "bare chip", "zero-bus": "drivers, Zero bus"}


class Frames:
    """One frames measurement: CPU per frame drawn, frames and CPU a second."""

    def __init__(self, got: dict) -> None:
        self.got = got
        self.ok = "error" not in got
        if self.ok:
            self.n, self.seconds, self.cpu = got["frames"], got["seconds"], got["cpu_s"]
            self.mean = self.cpu / max(1, self.n)
            self.median = statistics.median(got["per_frame"]) if got["per_frame"] else 0.0

    @property
    def per_s(self) -> float:
        return self.cpu / self.seconds


def frames(tree: str, fps: float, env: dict | None = None, text: bool = False) -> Frames:
    return Frames(measure(tree, "frames", env=env, fps=fps, text=text))


def frames_table(trees: dict[str, str], xvfb: Xvfb | None) -> dict[str, Frames]:
    """Section 1; the dummy-driver measurements by tree (section 4 scales them)."""
    print(f"\n1. the screen here, 480x320, a session (three simulated sets and the menus), at most "
          f"{TODAY_FPS:.0f} frames a second; CPU is this process's thread time in show()")
    print(f"{'':24s} | {'CPU per frame: mean':>19s} {'median':>8s} | {'frames/s':>8s} | {'CPU a second':>12s} | "
          f"words rendered, text measured per frame")
    drivers = [("SDL dummy", None)] + ([(f"X11 window ({xvfb.display})", xvfb.env)] if xvfb and xvfb.env else [])
    dummy: dict[str, Frames] = {}
    for driver, env in drivers:
        rows = {name: frames(tree, TODAY_FPS, env) for name, tree in trees.items()}
        if env is None:
            dummy = rows
        for name, f in rows.items():
            if not f.ok:
                print(f"{name + ', ' + driver:24s} | {f.got['error']}")
                continue
            text = frames(trees[name], TODAY_FPS, text=True).got if env is None else {}
            ratio = _ratio(f, rows.get("today"))
            words = (f"{text['renders_per_frame']:.1f}, {text['measures_per_frame']:.1f}"
                     if "renders_per_frame" in text else "")
            print(f"{name + ', ' + driver:24s} | {f.mean * 1e3:12.3f} ms {f.median * 1e3:5.3f} ms | "
                  f"{f.n / f.seconds:8.1f} | {f.per_s * 1e3:8.2f} ms{ratio} | {words}")
    _frame_verdict(dummy)
    _by_screen(dummy)
    return dummy


def _ratio(f: Frames, today: Frames | None) -> str:
    if today is None or f is today or not today.ok:
        return ""
    return f" ({f.mean / today.mean:.2f}x a frame, {f.per_s / today.per_s:.2f}x a second)"


def _frame_verdict(rows: dict[str, Frames]) -> None:
    today, this = rows.get("today"), rows.get("this")
    if today is None or this is None or not (today.ok and this.ok):
        return
    ratio = this.mean / today.mean
    print(f"target: CPU per frame here at 480x320 at most {FRAME_RATIO_TARGET:.2f} of today's: {ratio:.2f} "
          f"({'ok' if ratio <= FRAME_RATIO_TARGET else 'MISSED'})")


def _by_screen(rows: dict[str, Frames]) -> None:
    if not all(f.ok for f in rows.values()) or len(rows) < 2:
        return
    today, this = rows["today"].got["by_screen"], rows["this"].got["by_screen"]
    said = ", ".join(f"{s} {today[s][0] * 1e3:.2f}/{this.get(s, (0, 0))[0] * 1e3:.2f} ({today[s][1]}/"
                     f"{this.get(s, (0, 0))[1]})" for s in sorted(today))
    print(f"CPU per frame drawn by screen, today/this in ms (frames drawn), SDL dummy: {said}")


def builds_table(trees: dict[str, str]) -> dict[str, dict]:
    print("\n2. view models at the main loop's pace (a turn every 15 ms)")
    print(f"{'':8s} | {'idle: assembled/s':>17s} {'CPU a turn':>10s} | {'in a set: assembled/s':>21s}")
    out = {}
    for name, tree in trees.items():
        got = out[name] = measure(tree, "builds")
        if "error" in got:
            print(f"{name:8s} | {got['error']}")
            continue
        print(f"{name:8s} | {got['idle_per_s']:17.1f} {got['idle_turn_us']:7.1f} us | {got['set_per_s']:21.1f}")
    print("target: none assembled when nothing changed")
    return out


def jitter_table(trees: dict[str, str], seconds: float, repeat: int, samplers: list[str]) -> None:
    zero_fps = BOARDS["Pi Zero 2 W"][0]
    print(f"\n3. the sampler at 100 Hz while the main thread draws: p99 interval (p50, max), medians of {repeat} "
          f"runs of {seconds:.0f} s; today at {TODAY_FPS:.0f} fps, this at {TODAY_FPS:.0f} and at the Zero's "
          f"{zero_fps:.0f} when slowed")
    runs: dict[tuple[str, str, str], list[dict]] = {}
    for _ in range(repeat):  # interleaved, so the machine's moods fall on every row alike
        for kind in samplers:
            for ui in UIS:
                for name, tree in trees.items():
                    fps = zero_fps if name == "this" and ui in ("x22", "15ms") else TODAY_FPS
                    got = measure(tree, "jitter", sampler=kind, ui=ui, seconds=seconds, fps=fps)
                    runs.setdefault((kind, ui, name), []).append(got)
    print(f"{'sampler':17s} {'main thread':34s} | " + " | ".join(f"{n:>30s}" for n in trees))
    for kind in samplers:
        for ui, said in UIS.items():
            cells = [_jitter_cell(runs[(kind, ui, name)]) for name in trees]
            print(f"{SAMPLERS[kind]:17s} {said:34s} | " + " | ".join(f"{c:>30s}" for c in cells))
    switch = {name: runs[(samplers[0], "none", name)][0].get("switch_ms", float("nan")) for name in trees}
    isolated = all(r.get("isolated") for rs in runs.values() for r in rs)
    print("GIL switch interval: " + ", ".join(f"{n} {ms:.2f} ms" for n, ms in switch.items())
          + "; this tree's display waits out each read (make_way); "
          + ("threads SCHED_FIFO: other processes kept out" if isolated else
             "NOT isolated from other processes (run as root for SCHED_FIFO): figures include this machine's load"))
    worst = max(statistics.median(r["p99_ms"] for r in runs[(k, u, "this")]) for k in samplers for u in UIS
                if u != "15ms")
    print(f"target: p99 within {P99_TARGET_MS:.0f} ms while drawing, frames normal or slowed to a Zero (this): "
          f"worst {worst:.2f} ms ({'ok' if worst <= P99_TARGET_MS else 'MISSED'})")


def _jitter_cell(runs: list[dict]) -> str:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]["error"][:30]
    med = {k: statistics.median(r[k] for r in ok) for k in ("p50_ms", "p99_ms", "max_ms", "fps")}
    overruns = sum(r["overruns"] for r in ok)
    return (f"{med['p99_ms']:5.2f} ({med['p50_ms']:5.2f}, {med['max_ms']:5.1f}) ms"
            + (f" {med['fps']:4.1f}fps" if med["fps"] else "") + (f" {overruns}ovr" if overruns else ""))


class Share:
    """The screen's share of one core of a board: frames (in reps, and over the session) and view models."""

    def __init__(self, tree: str, fps: float, factor: float, builds: dict) -> None:
        f = frames(tree, fps)
        nan = float("nan")
        self.reps = f.got["live_cpu_per_s"] * factor if f.ok else nan
        self.session = f.per_s * factor if f.ok else nan
        self.models = builds.get("set_cpu_per_s", nan) * factor

    @property
    def total(self) -> float:
        """In reps, the busiest stretch: frames at the cap, a model at most every turn."""
        return self.reps + self.models


def shares_table(trees: dict[str, str], builds: dict[str, dict]) -> None:
    print("\n4. the screen's share of one core per board (this machine's CPU a second x the board's Python "
          "factor), at the board's frame cap: frames during reps (the session's average beside), view models")
    print(f"{'board':12s} {'':6s} | {'cap':>4s} | {'frames in reps':>14s} {'(session)':>9s} {'view models':>11s} "
          f"| screen in reps")
    for board, (cap, factor) in BOARDS.items():
        for name, tree in trees.items():
            fps = TODAY_FPS if name == "today" else cap
            s = Share(tree, fps, factor, builds.get(name, {}))
            print(f"{board:12s} {name:6s} | {fps:4.0f} | {s.reps:14.1%} {s.session:9.1%} {s.models:11.1%} | "
                  f"{s.total:6.1%}")
    print(f"target: a Zero core at most {SHARE_TARGET:.0%} with the screen at 100 Hz, the sampler's share "
          f"included: bench/board_bench.py prints the sum")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="per sampler run")
    ap.add_argument("--repeat", type=int, default=3, help="sampler runs per row (medians are printed)")
    ap.add_argument("--baseline", default=BASELINE, help="commit whose screen is 'today'")
    ap.add_argument("--no-x11", action="store_true", help="skip the X window (no virtual X server started)")
    ap.add_argument("--quick", action="store_true", help="one 4 s sampler run per row, the bare chip only")
    a = ap.parse_args(argv)
    seconds, repeat = (4.0, 1) if a.quick else (a.seconds, a.repeat)
    today = tree_at(a.baseline)
    trees = {"today": today, "this": ROOT} if today else {"this": ROOT}
    if today is None:
        print(f"today's screen skipped: git cannot give {a.baseline}")
    xvfb = None if a.no_x11 else Xvfb()
    try:
        frames_table(trees, xvfb)
    finally:
        if xvfb is not None:
            xvfb.close()
    builds = builds_table(trees)
    jitter_table(trees, seconds, repeat, ["bare"] if a.quick else list(SAMPLERS))
    shares_table(trees, builds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
