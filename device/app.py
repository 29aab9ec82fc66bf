"""The appliance: sampler thread + detector + cues live, and the main loop around them.

The main loop owns everything slow: it prints the event lines (the journal
keeps them), acts on buttons, and later draws the screen and writes the store.
It never touches the sensors. SIGTERM (systemd's stop) and Ctrl-C end it the
same way: sampler stopped, buzzer off, pins and bus released.
"""
from __future__ import annotations

import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from device.config import Config
from device.cues import CuePolicy, patterns_from_config
from device.detector import Detector, DetectorConfig
from device.contact import ContactConfig
from device.events import to_json
from device.hardware import Hardware
from device.live import LiveLoop
from device.reps import RepConfig
from device.sampler import Sampler


def detector_config(cfg: Config) -> DetectorConfig:
    d = cfg.detector
    return DetectorConfig(contact=ContactConfig(lost_ratio=d.lost_ratio, debounce_s=d.debounce_s),
                          reps=RepConfig(depth_min_deg=d.depth_min_deg, return_deg=d.return_deg))


def cue_policy(cfg: Config) -> CuePolicy:
    c = cfg.cues
    return CuePolicy(schedule=c.schedule, mute=c.mute, clean_rep_chime=c.clean_rep_chime,
                     faded_start=c.faded_start, faded_end=c.faded_end,
                     faded_over_reps=c.faded_over_reps, bandwidth_s=c.bandwidth_s)


@dataclass
class Appliance:
    """Everything that runs, wired; `run()` is the main loop."""

    cfg: Config
    hw: Hardware
    out: TextIO = sys.stdout
    power_off: Callable[[], tuple[bool, str]] | None = None

    def __post_init__(self) -> None:
        from drivers.buzzer import BuzzerPlayer  # gpiozero: only when an appliance is built
        from drivers.buttons import Buttons
        cfg, hw = self.cfg, self.hw
        self.events: queue.Queue[dict] = queue.Queue()
        self.patterns = patterns_from_config(cfg.cues.patterns)
        self.player = BuzzerPlayer(cfg.buzzer.pin, kind=cfg.buzzer.kind, pin_factory=hw.pin_factory)
        for pattern in self.patterns.values():
            self.player.check(pattern)
        self.policy = cue_policy(cfg)
        self.detector = Detector(hw.chain, detector_config(cfg))
        self.live = LiveLoop(self.detector, self.policy, self.patterns, self.player, self.events)
        self.sampler = Sampler(hw.adc, hw.tilt, cfg.sampler.rate_hz, self.live.on_sample,
                               self.live.on_event, channels=tuple(cfg.hardware.channels),  # type: ignore[arg-type]
                               adc_name=hw.adc_name)
        self.buttons = Buttons(cfg.buttons.a_pin, cfg.buttons.b_pin, self.press,
                               cfg.buttons.long_press_s, pin_factory=hw.pin_factory)
        self._presses: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self.exit_reason = ""

    # -- inputs from other threads ----------------------------------------------------------
    def press(self, button: str) -> None:
        """Button callbacks (gpiozero's thread) and keys land here: queued for the main loop."""
        self._presses.put(button)

    def stop(self, reason: str = "stop") -> None:
        self.exit_reason = self.exit_reason or reason
        self._stop.set()

    # -- main loop ----------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> int:
        """Run until stopped (SIGTERM, Ctrl-C, power off, `duration` seconds)."""
        self._log({"t": 0.0, "type": "started", "hardware": self.hw.kind,
                   "rate_hz": self.cfg.sampler.rate_hz})
        self.sampler.start()
        end = None if duration is None else time.monotonic() + duration
        try:
            while not self._stop.is_set():
                if end is not None and time.monotonic() >= end:
                    self.stop("duration")
                self.step(timeout=0.05)
        except KeyboardInterrupt:
            self.stop("interrupt")
        finally:
            self.shutdown()
        return 0

    def step(self, timeout: float = 0.0) -> None:
        """One turn of the main loop: events out, presses in."""
        try:
            event = self.events.get(timeout=timeout)
            self._log(event)
            while True:
                self._log(self.events.get_nowait())
        except queue.Empty:
            pass
        while not self._presses.empty():
            self._act(self._presses.get_nowait())
        if not self.sampler.running and not self._stop.is_set():
            self.stop("sampler died")

    def _act(self, button: str) -> None:
        if button == "a":
            def toggle(detector: Detector, t: float) -> list[dict]:
                return detector.end_set(t) if detector.state == "ready" else detector.start_set(t)
            self.live.request(toggle)
        elif button == "b_long":
            self._log({"t": self._now(), "type": "power_off_requested"})
            if self.power_off is not None:
                ok, message = self.power_off()
                self._log({"t": self._now(), "type": "power_off", "ok": ok, "message": message})
                if not ok:
                    return
            self.stop("power off")
        elif button == "b":
            self._log({"t": self._now(), "type": "menu"})  # the screen's menu (issue 4) takes it

    def _now(self) -> float:
        s = self.live.last_sample
        return round(s.t, 4) if s is not None else 0.0

    def _log(self, event: dict) -> None:
        self.out.write(to_json(event) + "\n")
        self.out.flush()

    def shutdown(self) -> None:
        """Buzzer off, sampler stopped, pins and bus released: safe to call twice."""
        self.sampler.stop()
        self.player.close()
        self.buttons.close()
        j = self.sampler.jitter()
        self._log({"t": self._now(), "type": "stopped", "reason": self.exit_reason or "stop",
                   "samples": self.sampler.samples, "interval_p50_ms": round(j.p50 * 1000, 2),
                   "interval_p99_ms": round(j.p99 * 1000, 2), "overruns": j.overruns})
        self.hw.close()


def install_signal_handlers(app: Appliance) -> None:
    """SIGTERM (systemd stop) ends the run like Ctrl-C: the finally-block cleans up."""
    def on_term(signum: int, frame: Any) -> None:
        app.stop("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
