"""Mock GPIO pins that behave like the Pi's, timing included, where gpiozero's own mocks do not.

gpiozero's MockPin keeps `bounce` but ignores it. On the box the pin factory is
lgpio, whose debounce (gpio_set_debounce_micros, what gpiozero's `bounce_time`
sets) reports an edge only once the level has been stable for the debounce
time: a contact that chatters for a few milliseconds gives one edge, late by
the debounce time. `DebouncedMockPin` does that with a timer, so a test can
press a button the way a real one closes: with bounces.
"""
from __future__ import annotations

import threading
import time

from gpiozero.pins.mock import MockFactory, MockPin

from support.waiting import wait_until


class DebouncedMockPin(MockPin):
    """Raw level changes at once (reads see it); edge callbacks wait for `bounce` s of stability."""

    def __init__(self, factory, info) -> None:  # type: ignore[no-untyped-def]
        super().__init__(factory, info)
        self._timer: threading.Timer | None = None
        self._reported = self._state

    def _edge(self) -> None:
        """The level changed: report it now (no debounce) or once it has held for `bounce`."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._bounce:
            self._report()
            return
        self._timer = threading.Timer(self._bounce, self._report)
        self._timer.daemon = True
        self._timer.start()

    def _report(self) -> None:
        state = self._state
        if state == self._reported:
            return  # bounced back to where it was: no edge at all
        wanted = ("both", "rising") if state else ("both", "falling")
        if self._edges in wanted and self._when_changed is not None:
            self._call_when_changed()
        self._reported = state  # after the callback: `settled` then means "and acted on"

    @property
    def settled(self) -> bool:
        """The level has been reported (the debounce timer fired, the callback ran)."""
        return self._reported == self._state

    def drive_high(self) -> None:
        assert self._function == "input"
        if self._change_state(True):
            self._edge()

    def drive_low(self) -> None:
        assert self._function == "input"
        if self._change_state(False):
            self._edge()


def debounced_factory() -> MockFactory:
    return MockFactory(pin_class=DebouncedMockPin)


def press(pin: MockPin, hold_s: float = 0.06, bounces: int = 0, bounce_gap_s: float = 0.001) -> None:
    """Close a pulled-up button (drive low) for `hold_s`, chattering `bounces` times as it closes and opens.

    On a debounced pin the press is held `hold_s` from when it was reported, and the
    release reported before this returns: on a loaded machine the debounce timer's
    thread may run late, and a press must not be lost or overtaken by the next one."""
    for _ in range(bounces):
        pin.drive_low()
        time.sleep(bounce_gap_s)
        pin.drive_high()
        time.sleep(bounce_gap_s)
    pin.drive_low()
    _settle(pin)
    time.sleep(hold_s)
    for _ in range(bounces):
        pin.drive_high()
        time.sleep(bounce_gap_s)
        pin.drive_low()
        time.sleep(bounce_gap_s)
    pin.drive_high()
    _settle(pin)


def _settle(pin: MockPin) -> None:
    if isinstance(pin, DebouncedMockPin):
        wait_until(lambda: pin.settled, timeout=5.0, what="the debounced edge to be reported")
