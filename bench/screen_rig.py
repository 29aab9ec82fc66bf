"""What bench/ui_bench.py measures, in a child process that imports the screen of one source tree.

Why a child per measurement: today's screen (a commit's ui/ and device/,
taken from git into a temporary folder) and this one are measured on the
same frame mix in the same run, each in a fresh interpreter with its own
modules, its own SDL driver (dummy, or a real X window) and its own GIL.
The child prints one JSON line; `measure()` runs it and reads it back.

The frame mix is a short session as the appliance plays it: three sets of
one athlete (place, calibrating, live reps with the tilt, the pressure bars
and cue banners, the summary) and a walk through the menus, one model per
turn of the main loop (every 15 ms of the set's time), the display capped at
`fps` on a fake clock. Only APIs both trees have are used.

    python bench/screen_rig.py TREE frames|builds|jitter [key=value ...]
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
TURN_S = 0.015  # the appliance's main loop waits this long for events (device/app/appliance.py)
SIZE = (480, 320)
MENU_WALK = ("menu", "settings", "history", "past_set", "athletes", "name", "export_writing", "export_done",
             "fault", "summary", "progress", "progress_tempo", "progress_history", "plan")
MENU_S = 0.5  # a press every half second
SETS = 3


# -- the parent's side ------------------------------------------------------------------------------
def tree_at(rev: str) -> str | None:
    """A folder holding device/, ui/ and drivers/ as they were at `rev` (None without git or that
    commit); removed when this process exits."""
    folder = tempfile.mkdtemp(prefix="screen-tree-")
    atexit.register(shutil.rmtree, folder, True)
    try:
        archive = subprocess.run(["git", "-C", ROOT, "archive", rev, "device", "ui", "drivers"],
                                 capture_output=True, timeout=60)
        if archive.returncode:
            return None
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return folder


def measure(tree: str, what: str, env: dict[str, str] | None = None, timeout: float = 900, **args: Any) -> dict:
    """Run one measurement in a child on `tree`; its JSON answer ({"error": ...} when it failed)."""
    cmd = [sys.executable, os.path.abspath(__file__), tree, what] + [f"{k}={json.dumps(v)}" for k, v in args.items()]
    child_env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1", "SDL_VIDEODRIVER": "dummy", **(env or {})}
    try:
        got = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=child_env, cwd=tree)
    except subprocess.TimeoutExpired:
        return {"error": f"{what} took over {timeout:.0f} s"}
    lines = [line for line in got.stdout.splitlines() if line.startswith("{")]
    if got.returncode or not lines:
        return {"error": (got.stderr.strip().splitlines() or ["no answer"])[-1]}
    return json.loads(lines[-1])


class Xvfb:
    """A virtual X server of our own on a free display number (None when Xvfb is not installed)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.display = ""
        if shutil.which("Xvfb") is None:
            return
        for n in range(150, 250):
            if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
                self.display = f":{n}"
                break
        self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{self.display[1:]}") and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def env(self) -> dict[str, str] | None:
        return {"SDL_VIDEODRIVER": "x11", "DISPLAY": self.display} if self.proc else None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


# -- the child's side: the frame mix ----------------------------------------------------------------
def session(sets: int = SETS) -> list[tuple[float, Any]]:
    """(time, model) per turn of the main loop: `sets` sets of one athlete, then the menus.

    The simulated set (the examples' scenario) is played `sets` times through one
    detector and one builder, as a box sees an athlete's sets: what the first
    set learns (the athlete's rep target) carries into the next."""
    from device.app.hardware import simulate_trace
    from device.cli.examples import SCENARIO, examples
    from device.core.detector import Detector
    from device.core.settings import LiveSettings
    from device.view.builder import ViewModelBuilder
    samples = list(simulate_trace(SCENARIO).samples)
    detector = Detector(simulate_trace(SCENARIO).chain)
    view = ViewModelBuilder(simulator=True, athlete="Alex", settings=LiveSettings(schedule="every", volume=0.75))
    turns: list[tuple[float, Any]] = []
    start, next_turn = 0.0, 0.0
    for _ in range(sets):
        for sample in samples:
            sample = sample._replace(t=start + sample.t)
            for event in detector.feed(sample):
                view.on_event(event)
            if sample.t >= next_turn:
                view.on_tick(sample.t, detector, sample)
                turns.append((sample.t, view.build()))
                next_turn += TURN_S
        start = turns[-1][0] + 1.0
        next_turn = start
    models = examples()
    walk = [name for name in MENU_WALK if name in models]  # a tree from before a screen walks without it
    for i, name in enumerate(walk * 2):
        for k in range(int(MENU_S / TURN_S)):
            turns.append((start + i * MENU_S + k * TURN_S, models[name]))
    return turns


def count_text() -> dict[str, int]:
    """Counts of words rendered and text measured, from every font made from now on."""
    import pygame
    counts = {"render": 0, "size": 0}
    base = pygame.font.Font

    class Counting(base):  # type: ignore[misc, valid-type]
        def render(self, *a: Any, **k: Any) -> Any:
            counts["render"] += 1
            return super().render(*a, **k)

        def size(self, *a: Any, **k: Any) -> Any:
            counts["size"] += 1
            return super().size(*a, **k)
    pygame.font.Font = Counting
    return counts


def frames(fps: float = 30.0, text: bool = False) -> dict:
    """CPU here per frame drawn, frames a second, CPU a second of the mix; by screen."""
    counts = count_text() if text else None
    turns = session()
    from ui.display import Display
    clock = [0.0]
    display = Display(size=SIZE, fps=fps, clock=lambda: clock[0])
    for t, vm in turns[:400]:  # the first frames: fonts, words and layouts made, as after start-up
        clock[0] = t - 1e4
        display.show(vm)
    if counts is not None:
        counts.update(render=0, size=0)
    cpu, spent, by_screen, live = 0.0, [], {}, [0.0, 0]
    before = display.frames
    for t, vm in turns:
        clock[0] = t
        drawn = display.frames
        start = time.thread_time()
        display.show(vm)
        took = time.thread_time() - start
        cpu += took
        if vm.screen == "live":  # reps: frames at the cap, the busiest stretch
            live[0] += took
            live[1] += 1
        if display.frames > drawn:
            spent.append(took)
            by_screen.setdefault(str(vm.screen), []).append(took)
    display.close()
    n = display.frames - before
    out = {"frames": n, "seconds": turns[-1][0], "cpu_s": cpu, "per_frame": spent,
           "live_cpu_per_s": live[0] / (live[1] * TURN_S),
           "by_screen": {k: (sum(v) / len(v), len(v)) for k, v in by_screen.items()}}
    if counts is not None:
        out["renders_per_frame"] = counts["render"] / max(1, n)
        out["measures_per_frame"] = counts["size"] / max(1, n)
    return out


# -- view models ------------------------------------------------------------------------------------
def builds(seconds: float = 60.0) -> dict:
    """Models assembled a second at the main loop's pace: idle (no dowel, nothing moves) and in a set."""
    import device.view.builder as builder_module
    from device.core.detector import Detector
    from device.core.signal import Sample, SignalChain
    made = [0]
    real = builder_module.ViewModel

    def counted(*a: Any, **k: Any) -> Any:
        made[0] += 1
        return real(*a, **k)
    builder_module.ViewModel = counted  # type: ignore[misc]
    detector, view = Detector(SignalChain()), builder_module.ViewModelBuilder()
    sample = Sample(0.0, 3, 2, 4, 0.5)  # nothing on the pads
    made[0], t, cpu = 0, 0.0, 0.0
    while t < seconds:
        for _ in range(round(TURN_S * 100)):
            sample = Sample(round(t, 4), 3, 2, 4, 0.5)
            detector.feed(sample)
        start = time.thread_time()
        view.on_tick(t, detector, sample)
        view.build()
        cpu += time.thread_time() - start
        t += TURN_S
    idle = made[0] / seconds
    turns = int(seconds / TURN_S)
    made[0] = 0
    set_s, set_cpu = set_builds()
    return {"idle_per_s": idle, "idle_turn_us": cpu / turns * 1e6, "set_per_s": made[0] / set_s,
            "set_cpu_per_s": set_cpu / set_s, "turns_per_s": 1 / TURN_S}


def set_builds() -> tuple[float, float]:
    """Feed the simulated set, glancing and building once per turn as the appliance does: its
    seconds, and the CPU the glances and builds took."""
    from device.app.hardware import simulate_trace
    from device.cli.examples import SCENARIO
    from device.core.detector import Detector
    from device.view.builder import ViewModelBuilder
    trace = simulate_trace(SCENARIO)
    detector, view = Detector(trace.chain), ViewModelBuilder(simulator=True)
    next_turn, cpu, t = 0.0, 0.0, 0.0
    for sample in trace.samples:
        t = float(sample.t)
        for event in detector.feed(sample):
            view.on_event(event)
        if sample.t >= next_turn:
            start = time.thread_time()
            view.on_tick(sample.t, detector, sample)
            view.build()
            cpu += time.thread_time() - start
            next_turn += TURN_S
    return t, cpu


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    sys.path.insert(1, BENCH)
    kwargs = {k: json.loads(v) for k, v in (a.split("=", 1) for a in sys.argv[3:])}
    if sys.argv[2] == "jitter":
        from sampler_rig import jitter
        print(json.dumps(jitter(**kwargs)))
    else:
        print(json.dumps({"frames": frames, "builds": builds}[sys.argv[2]](**kwargs)))
