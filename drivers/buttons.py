"""Buttons A and B through gpiozero. Callbacks only post a word; the main loop acts.

gpiozero calls `when_pressed` on its own thread; doing work there would race
the main loop (and the screen, which must be drawn from one thread). So each
callback posts "a", "b" or "b_long" and returns.

A push button's contacts chatter for a few milliseconds as they close and
open; without debounce one press of A posted seven, ending a set and starting
the next. `bounce_s` is gpiozero's `bounce_time`, which with lgpio (the Pi's
pin factory) reports an edge only after the level has held that long: 20 ms
rides out a button's chatter and is far shorter than any real press (~100 ms).

    >>> from gpiozero.pins.mock import MockFactory
    >>> got = []
    >>> factory = MockFactory()
    >>> buttons = Buttons(5, 6, got.append, pin_factory=factory)
    >>> factory.pin(5).drive_low(); factory.pin(5).drive_high()
    >>> got
    ['a']
    >>> buttons.close()
"""
from __future__ import annotations

from typing import Any, Callable

from gpiozero import Button


class Buttons:
    """A: start/end a set. B: menu (short), power off (held `long_press_s`)."""

    def __init__(self, a_pin: int, b_pin: int, post: Callable[[str], None],
                 long_press_s: float = 3.0, pin_factory: Any = None, bounce_s: float = 0.02) -> None:
        self._post = post
        self._b_held = False
        bounce = bounce_s if bounce_s > 0 else None
        self.a = Button(a_pin, pull_up=True, bounce_time=bounce, pin_factory=pin_factory)
        self.b = Button(b_pin, pull_up=True, bounce_time=bounce, hold_time=long_press_s,
                        pin_factory=pin_factory)
        self.a.when_pressed = self._on_a
        self.b.when_pressed = self._on_b_pressed
        self.b.when_held = self._on_b_held
        self.b.when_released = self._on_b_released

    def _on_a(self) -> None:
        self._post("a")

    def _on_b_pressed(self) -> None:
        self._b_held = False

    def _on_b_held(self) -> None:
        self._b_held = True
        self._post("b_long")

    def _on_b_released(self) -> None:
        if not self._b_held:
            self._post("b")

    def close(self) -> None:
        self.a.close()
        self.b.close()
