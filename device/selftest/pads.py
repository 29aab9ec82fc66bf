"""The pads, one by one: pressed, each raises its own input (swapped wires show here).

A person presses them on the real dowel (HumanPresser tells them which);
the simulator lifts and presses the simulated athlete's contacts instead
(SimPresser, through `SimulatedDowel.lift`).
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Protocol, Sequence, TextIO

from device.app.checks import OK, SKIP, WARN, Problem, Result, input_name, read_channels
from device.app.config import Config
from device.app.hardware import Hardware, SensorError
from device.core.contacts import CONTACTS
from device.core.signal import SignalChain
from device.selftest.options import Options

PRESS_DELTA_V = 0.3             # a finger on an FSR 402 lifts its divider far more than this
SIM_SKIP_S = 10.0               # simulated time by which the simulated athlete holds the dowel


class Presser(Protocol):
    """Who presses the pads: a person, or the simulated athlete."""

    automatic: bool

    def wrap(self, adc: Any) -> Any: ...
    def prepare(self) -> None: ...
    def press(self, contact: str, timeout_s: float) -> None: ...
    def release(self, contact: str) -> None: ...


class HumanPresser:
    """A person at the real dowel: told what to press, given time to do it."""

    automatic = False

    def __init__(self, cfg: Config, out: TextIO, settle_s: float = 3.0) -> None:
        self.cfg, self.out, self.settle_s = cfg, out, settle_s

    def wrap(self, adc: Any) -> Any:
        return adc

    def prepare(self) -> None:
        """Time to put the dowel down: the rest levels are read right after."""
        self._say(f"Lay the dowel down so that nothing touches the three pads ({self.settle_s:.0f} s).")
        time.sleep(self.settle_s)

    def press(self, contact: str, timeout_s: float) -> None:
        channel = self.cfg.hardware.channels[CONTACTS.index(contact)]
        self._say(f"Press and hold the {contact.upper()} pad ({input_name(self.cfg, channel)}) "
                  f"now ({timeout_s:.0f} s)...")

    def release(self, contact: str) -> None:
        self._say("Let go.")

    def _say(self, text: str) -> None:
        self.out.write(f"  >> {text}\n")
        self.out.flush()


class SimPresser:
    """The simulator's stand-in for the person: lifts all contacts, presses one at a time.

    The simulated athlete only holds the dowel a couple of seconds after the
    start, so reads are moved `SIM_SKIP_S` ahead: `wrap(adc)` reads the dowel
    at the later time first, and the fake ADC's reads, which come at an earlier
    time, are read as that latest time (SimulatedDowel's documented rule).
    """

    automatic = True

    def __init__(self, dowel: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.dowel, self.clock, self.t0 = dowel, clock, clock()

    def tick(self) -> None:
        self.dowel.read(SIM_SKIP_S + self.clock() - self.t0)

    def wrap(self, adc: Any) -> Any:
        return _ReadAhead(adc, self.tick)

    def prepare(self) -> None:
        for contact in CONTACTS:  # at simulated time 0: fully off by SIM_SKIP_S
            self.dowel.lift(contact, True)
        self.tick()

    def press(self, contact: str, timeout_s: float) -> None:
        self.tick()
        self.dowel.lift(contact, False)

    def release(self, contact: str) -> None:
        self.tick()
        self.dowel.lift(contact, True)


class _ReadAhead:
    """An ADC whose every read first moves the simulated athlete's clock on."""

    def __init__(self, adc: Any, tick: Callable[[], None]) -> None:
        self.adc, self.tick = adc, tick

    def read(self, channel: int) -> int:
        self.tick()
        return self.adc.read(channel)


def _levels(adc: Any, channels: Sequence[int], chain: Any, n: int = 5) -> dict[int, float]:
    counts = read_channels(adc, channels, n)
    return {ch: chain.volts(int(statistics.median(c))) for ch, c in counts.items()}


def _wait_for(adc: Any, channels: Sequence[int], chain: Any, until: Callable[[dict[int, float]], bool],
              timeout_s: float) -> dict[int, float] | None:
    """Poll the channels until `until(volts)` holds; the volts then, or None at the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        volts = {ch: chain.volts(adc.read(ch)) for ch in channels}
        if until(volts):
            return volts
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def check_pad(adc: Any, cfg: Config, chain: SignalChain, contact: str, presser: Presser,
              timeout_s: float) -> Result:
    """One pad: pressed, its own input rises by PRESS_DELTA_V; let go, it falls back."""
    channels = list(cfg.hardware.channels)
    mine = channels[CONTACTS.index(contact)]
    name, check = input_name(cfg, mine), f"pad:{contact}"
    rest = _levels(adc, channels, chain)
    moved: set[int] = set()

    def risen(volts: dict[int, float]) -> bool:
        moved.update(ch for ch, v in volts.items() if v - rest[ch] >= PRESS_DELTA_V)
        return mine in moved

    presser.press(contact, timeout_s)
    pressed = _wait_for(adc, channels, chain, risen, timeout_s)
    presser.release(contact)
    if pressed is None:
        return Result.failed(Problem(check, "no_response", _silent_pad(cfg, contact, name, moved, timeout_s),
                                     contact))
    back = _wait_for(adc, [mine], chain, lambda v: v[mine] - rest[mine] < PRESS_DELTA_V / 2, timeout_s)
    rise = pressed[mine] - rest[mine]
    if back is None:
        return Result(check, WARN, f"{contact} pad ({name}) rose {rise:.2f} V but did not fall back when let go")
    return Result(check, OK, f"{contact} pad ({name}) rose {rise:.2f} V when pressed")


def _silent_pad(cfg: Config, contact: str, name: str, moved: set[int], timeout_s: float) -> str:
    """Why a pad did not answer: another input moved (wires swapped), or nothing did."""
    others = [f"{CONTACTS[cfg.hardware.channels.index(ch)]} ({input_name(cfg, ch)})" for ch in sorted(moved)]
    if others:
        return (f"pressing the {contact} pad moved {', '.join(others)} instead of {name}: the wires are "
                "swapped, or hardware.channels in the config is")
    return (f"{contact} pad ({name}) did not respond within {timeout_s:g} s: check the FSR's two wires, "
            "its 3.3 V feed and the 10 kOhm resistor to GND")


def check_pads(hw: Hardware, cfg: Config, adc: Any, presser: Presser, opts: Options,
               skip: set[str]) -> list[Result]:
    """Each pad in turn, but for those already failed (shorted, stuck) or without a person."""
    if not presser.automatic and not opts.interactive:
        return [Result("pads", WARN, "not pressed: needs a person at the box (run on a terminal without --yes)")]
    results = []
    for contact in CONTACTS:
        if contact in skip:
            results.append(Result(f"pad:{contact}", SKIP, f"{contact}: its FSR failed above"))
            continue
        try:
            results.append(check_pad(adc, cfg, hw.chain, contact, presser, opts.press_timeout_s))
        except SensorError as exc:
            results.append(Result.failed(Problem(hw.adc_name, exc.reason, str(exc))))
            break
    return results
