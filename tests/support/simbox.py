"""The real appliance fed simulated sets faster than real time, on a clock the test sets (days apart).

`SimBox` builds the real `Appliance` (store, recorder, cue policy, coach,
view builder, a headless screen) on the simulated hardware, but does not start
its sampler thread: each set is a simulated trace (drivers/sim,
contacts lost where the test says) whose samples go through the appliance's
own live loop (`live.on_sample`, as the sampler would call it), with a turn of
the main loop (`step`) every quarter second of sample time. The wall clock
the recorder and the coach read is `WallClock`, moved with the samples and
from day to day by the test, so weeks of training take seconds. Presses go
through the real navigation table against the frame on the (off-screen)
display, and `shot()` saves that frame.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from device.app.appliance import Appliance
from device.app.config import parse_config
from device.app.hardware import build_sim, simulate_trace
from drivers.sim import FaultSpec, Scenario
from support.output import Lines

STEP_S = 0.25  # sample time between two turns of the main loop


class WallClock:
    """time.time() as the box would see it: set to a day, moved on with the samples."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def day(self, when: datetime) -> None:
        self.now = max(self.now, when.timestamp())


class SimBox:
    """One box: its data folder, its clock, the appliance and its screen."""

    def __init__(self, root: str, clock: WallClock, size: tuple[int, int] = (480, 320)) -> None:
        from ui.display import Display
        self.root, self.clock = root, clock
        media = os.path.join(root, "media")
        os.makedirs(media, exist_ok=True)
        mounts = os.path.join(root, "mounts")
        with open(mounts, "w"):
            pass
        self.data = os.path.join(root, "data")
        cfg = parse_config(f'[data]\ndir = "{self.data}"\nusb_roots = ["{media}"]\nmounts_file = "{mounts}"\n',
                           "simbox")
        self.out = Lines()
        self.display = Display(size=size, headless=True, fps=0)
        self.app = Appliance(cfg, build_sim(cfg, "manual", seed=1), out=self.out, display=self.display, clock=clock)
        self.app.storage.start()  # as run() does once the sampler runs: the store opens on the recorder's thread
        deadline = time.monotonic() + 30
        while self.app.storage.store is None and time.monotonic() < deadline:
            self.app.step(0.02)
        assert self.app.storage.store is not None, "the store did not open"
        self.t = 0.0  # sample time so far
        self.seed = 0

    def set(self, lost_at: Iterable[int] = (), reps: int = 8, contact: str = "sacrum",
            during: Sequence[tuple[float, Any]] = ()) -> None:
        """One set of `reps` hinges, `contact` coming off at the bottom of the reps in `lost_at`;
        placed, done and taken off. `during`: (sample seconds into the set, callable) run then."""
        self.seed += 1
        faults = tuple(FaultSpec(contact, r, "bottom", ramp_s=0.2, hold_s=0.8) for r in lost_at)
        scenario = Scenario(family="plan", seed=self.seed, reps=reps, faults=faults, dips=0, glitches_per_min=0.0,
                            jitter=0.02, depth_deg=(50.0, 65.0), descent_s=(1.0, 1.3), bottom_s=(0.3, 0.5))
        start, next_step, todo = self.t, self.t, sorted(during, key=lambda x: x[0])
        for sample in simulate_trace(scenario).samples:
            t = round(start + sample.t, 4)
            self.clock.now += max(0.0, t - self.t)
            self.t = t
            self.app.live.on_sample(sample._replace(t=t))
            if t >= next_step:
                self.app.step(0)
                next_step = t + STEP_S
            while todo and t - start >= todo[0][0]:
                todo.pop(0)[1]()
        self.idle(3.0)

    def idle(self, seconds: float) -> None:
        """The box standing by (no dowel): samples of nothing, so the screen and the recorder go on."""
        from device.core.signal import Sample
        end = self.t + seconds
        while self.t < end:
            self.t = round(self.t + 0.01, 4)
            self.clock.now += 0.01
            self.app.live.on_sample(Sample(self.t, 13, 13, 13, 3.0))
            if round(self.t * 100) % round(STEP_S * 100) == 0:
                self.app.step(0)
        self.app.recorder.sync()
        self.app.step(0)

    def day(self, when: datetime) -> None:
        """The next training day (sessions are 30 minutes apart at least)."""
        self.clock.day(when)

    def press(self, *words: str) -> None:
        """Buttons, each read against the frame on the screen, with a frame drawn after each."""
        for word in words:
            self.app.press(word)
            self.app.step(0)
            self.app.step(0)

    def screen(self) -> str:
        return self.app.view.build().screen

    def shot(self, path: str) -> str:
        self.app.step(0)
        self.display.save(path)
        return path

    def close(self) -> None:
        self.app.shutdown()


def at(day: int, hour: int = 17, start: datetime = datetime(2026, 3, 2)) -> datetime:
    """The `day`th day of training (0 = the first) at `hour`."""
    return start + timedelta(days=day, hours=hour)
