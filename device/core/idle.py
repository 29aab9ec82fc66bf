"""A set nobody is doing ends by itself: no rep and no movement for a stated time.

Why: a dowel left leaning on a rack presses its pads steadily and looks like
an athlete standing tall, so its set ran for an hour with 0 reps under the
last athlete. A set is idle when nothing has happened in it for `idle_end_s`
(5 minutes by default; 0 switches it off): no rep started, completed or
discarded, no contact lost or back, and no movement, that is the tilt within
`still_tilt_deg` and every pad's reading within `still_share` of what it was
when the stillness began. Then the live loop ends the set as button A would,
with the reason "idle" (device/app/live.py).

Pure and fed the same samples and events as the detector, on the sampler's
thread; a few comparisons a sample. Kept out of the detector so that its
rules and this one change apart.

    >>> from device.core.signal import Sample
    >>> watch = IdleWatch(IdleConfig(idle_end_s=2.0))
    >>> [watch.feed(Sample(t / 10, 9000, 9000, 9000, 3.0), ()) for t in range(0, 30, 5)]
    [False, False, False, False, True, False]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from device.core.events import (ContactLost, ContactRestored, Event, Ready, RepCompleted, RepDiscarded,
                                RepStarted)
from device.core.signal import Sample

MIN_COUNTS = 200  # a pad near zero moves by this many counts (noise on an idle pad is less)
_ACTIVITY = (Ready, RepStarted, RepCompleted, RepDiscarded, ContactLost, ContactRestored)


@dataclass(frozen=True)
class IdleConfig:
    """`[sets]` in the config: when a set with nothing happening ends by itself."""

    idle_end_s: float = 300.0  # 0: never
    still_tilt_deg: float = 3.0
    still_share: float = 0.15

    def __post_init__(self) -> None:
        if self.idle_end_s < 0:
            raise ValueError(f"idle_end_s: 0 (never) or more seconds, not {self.idle_end_s}")
        if not 0 < self.still_tilt_deg <= 45 or not 0 < self.still_share <= 1:
            raise ValueError("still_tilt_deg: 0 to 45 degrees and still_share: 0 to 1")


class IdleWatch:
    """Feed it every sample of a running set and its events; True once when the set has been idle."""

    def __init__(self, cfg: IdleConfig | None = None) -> None:
        self.cfg = cfg or IdleConfig()
        self._still: Sample | None = None  # the sample the stillness began with
        self._fired = False

    def reset(self) -> None:
        """No set running (or a new one): the next sample begins the count."""
        self._still, self._fired = None, False

    def feed(self, s: Sample, events: Iterable[Event]) -> bool:
        """True (once) when nothing has happened for `idle_end_s`; the caller ends the set."""
        if self.cfg.idle_end_s <= 0 or self._fired:
            return False
        still = self._still
        if still is None or any(isinstance(e, _ACTIVITY) for e in events) or self._moved(still, s):
            self._still = s
            return False
        if s.t - still.t >= self.cfg.idle_end_s:
            self._fired = True
            return True
        return False

    def _moved(self, a: Sample, b: Sample) -> bool:
        cfg = self.cfg
        if a.pitch is not None and b.pitch is not None and abs(b.pitch - a.pitch) > cfg.still_tilt_deg:
            return True
        share = cfg.still_share
        return (abs(b.head - a.head) > max(MIN_COUNTS, share * abs(a.head))
                or abs(b.upper_back - a.upper_back) > max(MIN_COUNTS, share * abs(a.upper_back))
                or abs(b.sacrum - a.sacrum) > max(MIN_COUNTS, share * abs(a.sacrum)))
