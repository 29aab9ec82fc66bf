"""A gpiozero mock input pin driven by a fake chip's output, read when it is read.

Why: gpiozero's MockPin holds a level until a test drives it. A chip's
output (the ADS1115's ALERT/RDY line) changes with time on its own: the fake
chip knows the level at any moment, so the pin asks it whenever code reads
the pin's state, as reading a real GPIO line would. No timer thread, and fake
time stays exact.
"""
from __future__ import annotations

from typing import Any, Callable

from gpiozero.pins.mock import MockPin, MockPWMPin


class WiredPin(MockPin):  # gpiozero has no type information: MockPin is Any here
    """An input whose level is `source()` (True = high); an output pin behaves as MockPin's."""

    def __init__(self, factory: Any, info: Any, source: Callable[[], bool]) -> None:
        self._source = source
        super().__init__(factory, info)

    def _get_state(self) -> bool:
        if self._function == "input":
            return bool(self._source())
        return bool(super()._get_state())


class WiredPWMPin(WiredPin, MockPWMPin):
    """The same, for a MockFactory whose pins are PWM pins (the simulator's, for the buzzer)."""


def wired_input_pin(factory: Any, pin: int, source: Callable[[], bool]) -> Any:
    """GPIO `pin` of a MockFactory, driven by `source`; it must not be open yet."""
    cls = WiredPWMPin if issubclass(factory.pin_class, MockPWMPin) else WiredPin
    made = factory.pin(pin, pin_class=cls, source=source)
    if not isinstance(made, WiredPin):
        raise ValueError(f"GPIO {pin} is already in use: wire the chip to it before opening it")
    return made
