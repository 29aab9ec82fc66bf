"""The buzzer and the screen: driven, and (when a person is there) heard and seen."""
from __future__ import annotations

import threading
import time
from typing import Any

from device.app import hardware
from device.app.checks import OK, SKIP, WARN, Problem, Result
from device.app.config import Config
from device.app.hardware import Hardware
from device.selftest.options import Options, ScreenError

BEEP = ((880.0, 0.15), (None, 0.08), (1760.0, 0.15))


def check_buzzer(hw: Hardware, cfg: Config, opts: Options) -> Result:
    """Two beeps: the pin must switch on; a person, when there, must hear them."""
    pin, sounded = cfg.buzzer.pin, threading.Event()
    try:
        player = hardware.buzzer_player(cfg, hw, on_first_note=lambda pattern, t: sounded.set())
    except Exception as exc:  # gpiozero/lgpio raise many kinds: pin busy, no chip, no access
        return Result.failed(Problem("buzzer", "pin_error", f"GPIO {pin} cannot drive the buzzer: {exc} "
                                     "(is the smartdowel service running? sudo systemctl stop smartdowel)"))
    try:
        player.play(BEEP)
        driven = sounded.wait(1.0)
        _wait_idle(player, 2.0)
    finally:
        player.close()
    if not driven:
        return Result.failed(Problem("buzzer", "pin_error", f"GPIO {pin} never switched on for the beep"))
    return _confirm("buzzer", f"beeped on GPIO {pin} ({cfg.buzzer.kind})", "Did you hear two beeps?",
                    f"nothing heard: check the piezo's wires to GPIO {pin} and GND (a magnetic buzzer "
                    "needs a transistor, see docs/wiring.md)", opts, hw.kind == "sim")


def _wait_idle(player: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while player.busy and time.monotonic() < deadline:
        time.sleep(0.02)


def _confirm(check: str, done: str, question: str, denied: str, opts: Options, simulated: bool) -> Result:
    """A person's yes turns `done` into ok, a no into a failure; nobody there is a warning."""
    if simulated:
        return Result(check, OK, f"{done} (simulated: nobody to ask)")
    if not opts.interactive:
        return Result(check, WARN, f"{done}; not confirmed (non-interactive)")
    answer = opts.ask(question, 20.0)
    if answer is None:
        return Result(check, WARN, f"{done}; no answer")
    return Result(check, OK, done) if answer else Result.failed(Problem(check, "not_confirmed", denied))


def check_screen(opts: Options, simulated: bool, show_s: float = 2.0) -> Result:
    """The test pattern on the display (kmsdrm on the Pi); skipped when headless or without one."""
    if opts.headless or opts.show_pattern is None:
        return Result("screen", SKIP, "headless: no test pattern shown")
    try:
        driver, (w, h) = opts.show_pattern(show_s if not opts.interactive else 0.2)
    except ScreenError as exc:
        return Result.failed(Problem("screen", "no_display", f"cannot open the display ({exc}): check "
                                     "/dev/dri/card*, the video and render groups, and that no desktop "
                                     "holds the screen"))
    if driver in ("dummy", "offscreen"):
        return Result("screen", WARN, f"pattern drawn on SDL's {driver!r} driver: nothing to see")
    return _confirm("screen", f"test pattern shown at {w}x{h} ({driver})",
                    "Do you see colour bars inside a white border?",
                    "pattern not seen: check the display cable and config.txt's display settings",
                    opts, simulated)
