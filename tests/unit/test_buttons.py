"""Buttons post words for the main loop; a long press of B is power off, not menu."""
import time

import pytest
from gpiozero import Device

from drivers.buttons import Buttons
from drivers.power import LOGIND_POWEROFF, power_off
from support.pins import debounced_factory, press

pytestmark = pytest.mark.timing  # debounce and long presses are real-time timers on gpiozero's threads


@pytest.fixture
def factory():
    f = debounced_factory()
    yield f
    f.reset()
    Device.pin_factory = None


def settle(got: list, n: int, timeout: float = 1.0) -> None:
    """Wait until `n` words were posted (or the timeout): debounced edges arrive late by design."""
    end = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < end:
        time.sleep(0.005)
    time.sleep(0.05)  # and nothing more comes


def test_short_presses(factory):
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.2, pin_factory=factory)
    for pin in (5, 6, 5):
        press(factory.pin(pin))
    settle(got, 3)
    assert got == ["a", "b", "a"]
    b.close()


def test_a_press_that_chatters_is_one_press(factory):
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.5, pin_factory=factory)
    press(factory.pin(5), bounces=3)
    press(factory.pin(6), bounces=3)
    settle(got, 2)
    assert got == ["a", "b"]
    b.close()


def test_without_debounce_the_same_chatter_is_many_presses(factory):
    """The mock pin bounces for real: with debounce off, one press reads as several (the old bug)."""
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.5, pin_factory=factory, bounce_s=0.0)
    press(factory.pin(5), bounces=3)
    settle(got, 7)
    assert len(got) > 1 and set(got) == {"a"}
    b.close()


def test_long_press_b_is_power_off_only(factory):
    got = []
    b = Buttons(5, 6, got.append, long_press_s=0.1, pin_factory=factory)
    press(factory.pin(6), hold_s=0.3, bounces=2)
    settle(got, 1)
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
    # logind started the shutdown before its reply got out: the call was taken (seen in a booted
    # system, where it failed one power-off in ten)
    ok, msg = power_off(lambda cmd, **kw: Proc(1, "Call failed: Connection reset by peer\n"))
    assert ok and "powering off" in msg

    def missing(cmd, **kw):
        raise FileNotFoundError("busctl")
    ok, msg = power_off(missing)
    assert not ok and "busctl" in msg
