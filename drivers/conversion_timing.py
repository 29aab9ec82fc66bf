"""When to ask an ADC whether a conversion is done: once, at the end learnt from the ones before.

Why learnt: asking too early costs a second question and a second wake-up
(the old driver asked at the nominal time and was early about four times in
ten); asking late wastes the time of a sample. The chip's oscillator may be
10 % off, a transfer's end is not the conversion's start, and a Linux sleep
wakes some 60-110 us late: all of it is learnt as it is seen, not assumed.
"""
from __future__ import annotations

import time
from typing import Callable, NamedTuple


class Started(NamedTuple):
    """A conversion just started: the clock before and after the transfer that started it."""

    before: float
    after: float
    trusted: bool  # a conversion-ready pin was seen released after the start: its level may be believed
    combined: int  # 1: started by a transfer that also fetched a result (it ends later), 0: alone


class LearntEnd:
    """The time from the end of a starting transfer to "done", per kind of start, and how late sleeps wake.

    >>> from drivers.fake_time import FakeClock
    >>> clock = FakeClock()
    >>> end = LearntEnd(0.001, 0.0011, clock, clock.sleep)
    >>> end.sleep_until_due(Started(0.0, 0.0, False, 0)); clock()
    0.001
    """

    def __init__(self, conversion_s: float, longest_s: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """`conversion_s`: the nominal time; `longest_s`: the slowest chip's (its oscillator's tolerance)."""
        self.t, self.longest, self._clock, self._sleep = conversion_s, longest_s, clock, sleep
        self.after = [conversion_s, conversion_s]  # by Started.combined
        self.oversleep = 0.0

    def sleep_until_due(self, started: Started) -> None:
        """One sleep, to where conversions started that way have been ending (none if past it)."""
        want = started.after + self.after[started.combined] - self._clock()
        if want <= 0:
            return
        shortened = max(want - self.oversleep, 0.0)  # less how late sleeps have been waking
        before = self._clock()
        self._sleep(shortened)
        late = self._clock() - before - shortened
        self.oversleep += 0.1 * (min(max(late, 0.0), self.t / 4) - self.oversleep)

    def learn(self, first: bool, now: float, started: Started) -> None:
        """A hit lowers the learnt end a little; a miss raises it to where "done" was seen.

        Counted from the end of the starting transfer, when the conversion had
        certainly begun: never below the nominal time less that transfer (a
        fast chip is asked a little late, never before it could be done), never
        above the slowest chip's time (a late look, a preempted thread, is not
        the chip's time)."""
        kind = started.combined
        if first:
            least = self.t - (started.after - started.before)
            self.after[kind] = max(self.after[kind] - 0.002 * self.t, least)
        else:
            self.after[kind] = max(self.after[kind], min(now - started.after, self.longest))
