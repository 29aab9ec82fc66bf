"""The sampler's intervals while the main thread draws, in a child of bench/screen_rig.py.

Why real threads and the wall clock: what is measured is the GIL, which the
sampler shares with the main loop drawing the screen; the fake clock of the
board benchmark cannot show it. The sampler runs at 100 Hz, on a chip that
answers at once ("bare": one wake-up a sample) or on the real ADS1115 and
MPU-6050 drivers over fake chips with a Pi Zero 2 W's bus timing in real time
("zero-bus": several wake-ups a sample, each one a hand-over of the GIL). The
main thread plays the simulated set's models at the main loop's pace, the
display as the appliance wires it (this tree: paced by the sampler).

Frames slowed to stand in for a Zero: "x22" burns, after each piece drawn
(this tree: each piece of a frame, as ui/scene.py paces them; today's: the
whole frame), 21 times the CPU the piece took, so every piece takes what it
would on a Zero, and this tree's display is told those slowed times when it
asks the sampler to make way, as it would be on a Zero; "15ms" burns 15 ms
of CPU in one go after each frame drawn (the issue's stand-in). Both burn in
Python, which hands the GIL over at the switch interval.

With `rt` (root, or CAP_SYS_NICE) both threads run SCHED_FIFO, so other
processes on this machine cannot delay them: the figures then show what the
GIL does, as on a Zero whose four cores have nothing else to run.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable

RATE_HZ = 100.0
SIZE = (480, 320)
TURN_S = 0.015


class TrivialADC:
    """A chip that answers at once: the sampler's own timing is all that is measured."""

    def read(self, channel: int) -> int:
        return 12000 + channel


def burn(seconds: float) -> None:
    """Python busy for `seconds` of this thread's CPU (it hands the GIL over like drawing code)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def models() -> list[Any]:
    from device.cli.examples import run_set
    got: list[Any] = []

    def keep(vm: Any) -> bool:
        got.append(vm)
        return False
    run_set(wants={"every sample": keep})
    return got


def make_sampler(kind: str) -> Any:
    from device.app.sampler import Sampler
    if kind == "bare":
        return Sampler(TrivialADC(), None, RATE_HZ, lambda s: None, lambda e: None)
    from device.app.config import Config
    from device.app.hardware import build_sim
    hw = build_sim(Config(), "demo", 1, 0.0, "zero2w-400k")
    return Sampler(hw.adc, hw.tilt, RATE_HZ, lambda s: None, lambda e: None)


def slowed(display: Any, ui: str) -> Callable[[Any], None]:
    """`show` with its pieces slowed as `ui` says."""
    scene = getattr(display, "scene", None)
    if ui == "x22" and scene is not None:  # this tree: each piece of a frame (a part, a layout)
        piece = scene._piece

        def slow_piece(name: str, work: Callable[[], Any]) -> None:
            def slowed_work() -> None:
                start = time.thread_time()
                work()
                burn((time.thread_time() - start) * 21)
            piece(name, slowed_work)  # timed as a whole: pace is told the slowed time, as on a Zero
        scene._piece = slow_piece

    def show(vm: Any) -> None:
        drawn, start = display.frames, time.thread_time()
        display.show(vm)
        if display.frames > drawn:
            if ui == "15ms":
                burn(0.015)
            elif ui == "x22" and scene is None:  # today's: the frame is the piece
                burn((time.thread_time() - start) * 21)
    return show


def realtime(thread_id: int, priority: int) -> bool:
    try:
        os.sched_setscheduler(thread_id, os.SCHED_FIFO, os.sched_param(priority))
        return True
    except (OSError, AttributeError):
        return False


def jitter(sampler: str = "bare", ui: str = "none", seconds: float = 8.0, fps: float = 30.0,
           rt: bool = True) -> dict:
    """The sampler's intervals over `seconds` with the main thread drawing as `ui` says."""
    vms = models() if ui != "none" else []
    s = make_sampler(sampler)
    display = show = None
    if ui != "none":
        from ui.display import Display
        display = Display(size=SIZE, fps=fps)
        if hasattr(display, "pace"):
            display.pace = s.make_way  # as the appliance wires it
        show = slowed(display, ui)
    s.start()
    switch_s = sys.getswitchinterval()  # as the sampler runs (this tree's puts it back when it stops)
    isolated = rt and realtime(s._thread.native_id, 50) and realtime(threading.get_native_id(), 40)
    t0 = time.monotonic()
    frames0 = display.frames if display else 0
    try:
        while (now := time.monotonic()) < t0 + seconds:
            if show is not None:
                show(vms[int((now - t0) * RATE_HZ) % len(vms)])
            time.sleep(TURN_S)
    finally:
        if isolated:
            os.sched_setscheduler(threading.get_native_id(), os.SCHED_OTHER, os.sched_param(0))
        s.stop()
    j = s.jitter()
    drawn = (display.frames - frames0) / seconds if display else 0.0
    return {"p50_ms": j.p50 * 1e3, "p99_ms": j.p99 * 1e3, "max_ms": j.max * 1e3, "overruns": j.overruns,
            "intervals": j.count, "fps": drawn, "isolated": bool(isolated),
            "switch_ms": switch_s * 1e3}
