"""Buttons post words for the main loop; a long press of B is power off, not menu."""
import time

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from drivers.buttons import Buttons
from drivers.power import LOGIND_POWEROFF, power_off


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()
    Device.pin_factory = None


def test_short_presses(factory):
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.2, pin_factory=factory)
    for pin in (5, 6, 5):
        factory.pin(pin).drive_low()
        factory.pin(pin).drive_high()
    time.sleep(0.05)
    assert got == ["a", "b", "a"]
    b.close()


def test_long_press_b_is_power_off_only(factory):
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.1, pin_factory=factory)
    factory.pin(6).drive_low()
    time.sleep(0.3)
    factory.pin(6).drive_high()
    time.sleep(0.05)
    assert got == ["b_long"]
    b.close()


class Proc:
    def __init__(self, code, err=""):
        self.returncode, self.stderr = code, err


def test_power_off_goes_through_logind():
    calls = []
    ok, msg = power_off(lambda cmd, **kw: calls.append(cmd) or Proc(0))
    assert ok and calls == [LOGIND_POWEROFF] and "sudo" not in LOGIND_POWEROFF
    ok, msg = power_off(lambda cmd, **kw: Proc(1, "Access denied"))
    assert not ok and "Access denied" in msg

    def missing(cmd, **kw):
        raise FileNotFoundError("busctl")
    ok, msg = power_off(missing)
    assert not ok and "busctl" in msg
