"""The whole appliance on the simulated dowel, in fake time.

`build_sim` takes the clock the parts run on; here it is a FakeClock whose
`sleep` moves it on at once. The test thread then plays both of the
appliance's loops in turn: the sampler's (`sampler.run_for`: samples at the
configured rate, through the real drivers over the fake chips) and the main
loop's (`app.step()`: event lines, presses, sticks). Ten seconds of a set take
a fraction of a second, and every run sees the same samples at the same times.

The appliance's other threads (the set recorder, the buzzer) and an export's
child process run in real time, as live: wait for them with `wait_until`, the
recorder's `sync()` or the job's `wait()`, never with a sleep.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from device.app.appliance import Appliance
from device.app.config import parse_config
from device.app.hardware import build_sim
from drivers.fake_ads1115 import FakeClock
from support.output import Lines


class FakeTimeAppliance:
    """An Appliance (`.app`) on the simulated dowel (`.hw.dowel`) with its lines in `.out`."""

    def __init__(self, config: str = "", scenario: str = "manual", seed: int = 4,
                 display: Any = None, start: float = 1000.0) -> None:
        self.clock = FakeClock(start)
        self.cfg = parse_config(config, "test")
        self.hw = build_sim(self.cfg, scenario, seed, clock=self.clock, sleep=self.clock.sleep)
        self.out = Lines()
        self.app = Appliance(self.cfg, self.hw, out=self.out, display=display)
        open_store(self.app)

    def advance(self, seconds: float, turn: float = 0.05) -> None:
        """`seconds` of fake time: the sampler runs, the main loop takes a turn every `turn` s."""
        end = self.clock() + seconds
        while self.clock() < end - 1e-9:
            self.app.sampler.run_for(min(turn, end - self.clock()))
            self.app.step()

    def advance_until(self, predicate: Callable[[], Any], limit: float = 30.0, turn: float = 0.05) -> None:
        """Fake time on, a turn at a time, until `predicate()` holds (AssertionError after `limit` s)."""
        end = self.clock() + limit
        while not predicate():
            assert self.clock() < end, f"not within {limit:g} s of fake time: {self.out.types()}"
            self.advance(turn, turn)
            self.app.recorder.sync(1.0)  # a turn of fake time is long enough for the recorder to keep up

    def saw(self, kind: str) -> bool:
        """An event line of this type was written."""
        return kind in self.out.types()

    def close(self) -> None:
        """The appliance's own shutdown: set saved, buzzer off, pins released, `stopped` written."""
        self.app.shutdown()


def open_store(app: Appliance, limit_s: float = 10.0) -> None:
    """The store opens behind the cues, on the recorder's thread, when `run()` starts the
    storage supervisor; the tests that play the loops themselves start it here and wait."""
    app.storage.start()
    deadline = time.monotonic() + limit_s
    while app.storage.store is None and time.monotonic() < deadline:
        app.step(0.01)
    assert app.storage.store is not None, "the store did not open"
