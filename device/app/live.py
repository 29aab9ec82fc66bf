"""The live path: each sample through the detector, each event to the buzzer and on.

Runs on the sampler's thread, because the cue may not wait: detector, cue
policy and `player.play()` (which only hands the pattern to the buzzer's own
thread) take microseconds. Everything slower (log lines, the screen, the
database) gets the events through a queue and may lag.

Commands from other threads (button A, the menu) are queued too and applied
between samples, so the detector only ever runs on one thread. A set that
nobody is doing (device/core/idle.py) is ended here too, as button A would
end it, with the reason "idle".
"""
from __future__ import annotations

import dataclasses
import queue
from collections import deque
from typing import Any, Callable, Mapping, Protocol, Sequence

from device.app.events import CuePlayed
from device.core.detector import READY, Detector
from device.core.events import Event, SetEnded
from device.core.idle import IdleWatch
from device.core.signal import Sample

Command = Callable[[Detector, float], "list[Event]"]


class Player(Protocol):
    def play(self, pattern: Any) -> bool: ...


class Policy(Protocol):
    def on_event(self, event: Event) -> str | None: ...
    def poll(self, t: float) -> str | None: ...


class LiveLoop:
    """Glue between the sampler, the detector, the cue policy and the buzzer."""

    def __init__(self, detector: Detector, policy: Policy, patterns: Mapping[str, Any],
                 player: Player | None, out: "queue.Queue[Event]",
                 on_sample: Callable[[Sample], None] | None = None, idle: IdleWatch | None = None) -> None:
        self.detector, self.policy, self.patterns = detector, policy, patterns
        self.player, self.out = player, out
        self.idle = idle
        self.extra_on_sample = on_sample
        self._commands: deque[Command] = deque()
        self.last_sample: Sample | None = None

    def on_sample(self, sample: Sample) -> None:
        """The sampler's callback: pass on, feed, cue.

        The sample is passed on (to the recorder: a queue put) before any event
        it decides goes out: whoever gets such an event from the main loop then
        knows its sample is already on its way, so the recorder's `sync()`
        after a `set_ended` finds the set closed, not waiting for its last sample.
        """
        if self.extra_on_sample is not None:
            self.extra_on_sample(sample)
        if self._commands:
            self._run_commands(sample.t)
        events = self.detector.feed(sample)
        for event in events:
            self.on_event(event)
        if self.idle is not None:
            self._idle(sample, events)
        due = self.policy.poll(sample.t)
        if due is not None:
            self._play(due)
            self.out.put(CuePlayed(round(sample.t, 4), pattern=due))
        self.last_sample = sample

    def on_event(self, event: Event) -> None:
        """An event from the detector or the sampler itself (a chip gone quiet)."""
        name = self.policy.on_event(event)
        if name is not None:
            self._play(name)
            event = event.with_cue(name)
        self.out.put(event)

    def _idle(self, sample: Sample, events: Sequence[Event]) -> None:
        """A set with nothing happening for the configured time ends by itself ("idle")."""
        idle = self.idle
        assert idle is not None
        if self.detector.state is not READY:
            idle.reset()
        elif idle.feed(sample, events):
            for event in self.detector.end_set(sample.t):
                self.on_event(dataclasses.replace(event, reason="idle") if isinstance(event, SetEnded) else event)

    def _play(self, name: str) -> None:
        pattern = self.patterns.get(name)
        if pattern is not None and self.player is not None:
            self.player.play(pattern)

    def request(self, command: Command) -> None:
        """Run `command(detector, t)` on the sampler's thread before the next sample."""
        self._commands.append(command)

    def _run_commands(self, t: float) -> None:
        while self._commands:
            for event in self._commands.popleft()(self.detector, t):
                self.on_event(event)
