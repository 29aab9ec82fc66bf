"""The appliance: sampler thread + detector + cues live, and the main loop around them.

The main loop owns everything slow: it prints the event lines (the journal
keeps them), acts on buttons, draws the screen and feeds the store. It never
touches the sensors. With a screen it also pumps the window's keys and draws
a frame from the view model (the display caps it at 30 a second). SIGTERM
(systemd's stop) and Ctrl-C end it the same way: sampler stopped, buzzer off,
pins and bus released.

It knows hardware only through device/app/hardware.py and the screen only as
a `Screen` (ui/ implements it; the CLI picks one): arrows go one way.
"""
from __future__ import annotations

import dataclasses
import queue
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterable, Protocol, TextIO

from device.app import hardware
from device.app.checks import quick_check
from device.app.config import Config, data_dir
from device.app.events import CommandDone, Notice, PowerOff, PowerOffRequested, Started, Stopped
from device.app.hardware import Hardware
from device.app.live import LiveLoop
from device.app.notify import Watchdog, ready, sampler_is_alive, stopping
from device.app.sampler import Sampler
from device.app.simkeys import SimKeys
from device.app.sticks import StickFlow
from device.core.cues import CuePolicy
from device.core.detector import READY, Detector
from device.core.events import Event, SensorFault
from device.core.patterns import patterns_from_config
from device.core.settings import LiveSettings
from device.store.recorder import SetRecorder
from device.store.store import Store
from device.view import navigation
from device.view.builder import ViewModelBuilder
from device.view.model import ViewModel
from device.view.navigation import (ChangeSetting, Command, LoadHistory, PickAthlete, StartExport,
                                    ToggleSet)


class Screen(Protocol):
    """What the appliance needs of a display (ui/display.py's Display is one)."""

    def pump(self) -> Iterable[str]: ...
    def show(self, vm: ViewModel) -> bool: ...
    def close(self) -> None: ...


class Appliance:
    """Everything that runs, wired; `run()` is the main loop."""

    def __init__(self, cfg: Config, hw: Hardware, out: TextIO = sys.stdout,
                 display: Screen | None = None) -> None:
        self.cfg, self.hw, self.out, self.display = cfg, hw, out, display
        self.events: queue.Queue[Event] = queue.Queue()
        self.patterns = patterns_from_config(cfg.cues.patterns)
        self.player = hardware.buzzer_player(cfg, hw)
        for pattern in self.patterns.values():
            self.player.check(pattern)
        self.policy = CuePolicy(cfg.cues)
        self.detector = Detector(hw.chain, cfg.detector)
        self.settings = LiveSettings(schedule=cfg.cues.schedule, mute=cfg.cues.mute,
                                     volume=self.player.volume)
        self.view = ViewModelBuilder(simulator=hw.dowel is not None,
                                     target_deg=self.detector.rep_target_deg, settings=self.settings)
        self.store = Store.open(data_dir(cfg))
        self.recorder = SetRecorder(self.store, hw.chain)
        self.sticks = StickFlow(self.store, cfg.data.usb_roots, self.view, self._log, self._now,
                                self._load_athletes)
        self._load_athletes()
        self.live = LiveLoop(self.detector, self.policy, self.patterns, self.player, self.events,
                             on_sample=self.recorder.post_sample)
        self.sampler = Sampler(hw.adc, hw.tilt, cfg.sampler.rate_hz, self.live.on_sample,
                               self.live.on_event, channels=tuple(cfg.hardware.channels),  # type: ignore[arg-type]
                               adc_name=hw.adc_name)
        self.buttons = hardware.buttons(cfg, hw, self.press)
        self._presses: queue.Queue[str | Command] = queue.Queue()
        self._stop = threading.Event()
        self.exit_reason = ""
        self.watchdog = Watchdog()
        self.sim_keys = SimKeys(hw.dowel) if hw.dowel is not None else None

    def _load_athletes(self) -> None:
        """The athlete picker from the store (again after a stick brought names)."""
        self._athletes = self.store.athletes()
        chosen = self.view.build().athlete or next(a.name for a in self._athletes if a.is_guest)
        self.view.set_athletes([a.name for a in self._athletes], chosen)

    # -- inputs from other threads ----------------------------------------------------------
    def press(self, button: str) -> None:
        """Button callbacks (gpiozero's thread) and keys land here: queued for the main loop."""
        self._presses.put(button)

    def submit(self, command: Command) -> None:
        """A command (as the menu makes them) from another thread, done on the main loop."""
        self._presses.put(command)

    def stop(self, reason: str = "stop") -> None:
        self.exit_reason = self.exit_reason or reason
        self._stop.set()

    # -- main loop ----------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> int:
        """Run until stopped (SIGTERM, Ctrl-C, power off, `duration` seconds)."""
        self._log(Started(0.0, hardware=self.hw.kind, rate_hz=self.cfg.sampler.rate_hz))
        if self.store.moved_aside:
            self._log(Notice(0.0, detail=f"the database would not open: kept as "
                                         f"{self.store.moved_aside}, a new one started"))
        self._boot_check()
        self.sampler.start()
        ready("running")  # sensors read, screen up: systemd may call the unit started
        end = None if duration is None else time.monotonic() + duration
        tick = 0.015 if self.display is not None else 0.05  # room for 30 frames a second
        try:
            while not self._stop.is_set():
                if end is not None and time.monotonic() >= end:
                    self.stop("duration")
                self.step(timeout=tick)
        except KeyboardInterrupt:
            self.stop("interrupt")
        finally:
            self.shutdown()
        return 0

    def _boot_check(self) -> None:
        """The quick part of the selftest: a loose wire is shown now, not discovered mid-set."""
        for problem in quick_check(self.hw, self.cfg):
            event = SensorFault(0.0, contact=problem.contact, sensor=problem.check,
                                reason=problem.reason, detail=problem.message)
            self._log(event)
            self.view.on_event(event)

    def step(self, timeout: float = 0.0) -> None:
        """One turn of the main loop: events out, presses in, a frame, the watchdog."""
        try:
            self._take(self.events.get(timeout=timeout))
            while True:
                self._take(self.events.get_nowait())
        except queue.Empty:
            pass
        if self.display is not None:
            for word in self.display.pump():
                if word == "quit":
                    self.stop("quit")
                elif self.sim_keys is None or not self.sim_keys.apply(word):
                    self.press(word)
        while not self._presses.empty():
            self._act(self._presses.get_nowait())
        if self.display is not None:
            s = self.live.last_sample
            self.view.on_tick(s.t if s is not None else 0.0, self.detector, s)
            self.display.show(self.view.build())
        now = time.monotonic()
        self.sticks.tick(now)
        self.watchdog.kick_if_alive(sampler_is_alive(self.sampler, now), now)
        if not self.sampler.running and not self._stop.is_set():
            self.stop("sampler died")

    def _take(self, event: Event) -> None:
        self._log(event)
        self.view.on_event(event)
        self.recorder.post_event(event)

    # -- presses and commands ------------------------------------------------------------------
    def _act(self, press: str | Command) -> None:
        if isinstance(press, Command):
            self._do(press)
        elif press == "b_long":
            self._power_off()
        elif press in ("a", "b"):
            if self.display is None:  # no screen: A toggles the set, B has nothing to show
                if press == "a":
                    self._do(ToggleSet())
                return
            for command in navigation.press(self.view, press):
                self._do(command)

    def _power_off(self) -> None:
        self._log(PowerOffRequested(self._now()))
        if self.hw.power_off is not None:
            ok, message = self.hw.power_off()
            self._log(PowerOff(self._now(), ok=ok, message=message))
            if not ok:
                return
        self.stop("power off")

    def _do(self, command: Command) -> None:
        """Carry out what a button press on the screen asked for."""
        if isinstance(command, ToggleSet):
            self.live.request(_toggle_set)
        elif isinstance(command, ChangeSetting):
            self.apply_setting(command.key, command.value)
        elif isinstance(command, PickAthlete):
            self._pick_athlete(command.name)
        elif isinstance(command, LoadHistory):
            rows = [dict(r) for r in self.store.iter_set_summaries()]
            self.view.set_history(rows[-20:][::-1])
        elif isinstance(command, StartExport):
            self.sticks.export_to_first()
        self._log(CommandDone(self._now(), command=command.to_dict()))

    def _pick_athlete(self, name: str) -> None:
        athlete = next((a for a in self._athletes if a.name == name), None)
        if athlete is not None:
            self.recorder.set_athlete(athlete.id)
            self.view.set_athletes([a.name for a in self._athletes], athlete.name)

            def new_athlete(d: Detector, t: float) -> list[Event]:
                """Their own rep target and posture, learnt afresh (the store keeps no target yet)."""
                self.policy.reset_session()
                d.seed_rep_target(None)
                return []
            self.live.request(new_athlete)

    def apply_setting(self, key: str, value: Any) -> None:
        """A setting from the menu: the app's own state, applied where it acts, then shown.

        What the sampler's thread reads (policy, detector) changes there, between samples."""
        self.settings = dataclasses.replace(self.settings, **{key: value})
        if key == "schedule":
            self.live.request(lambda d, t: self.policy.set_schedule(value) or [])
        elif key == "mute":
            self.live.request(lambda d, t: self.policy.set_mute(bool(value)) or [])
        elif key == "volume":
            self.player.volume = float(value)
        elif key == "sensitivity":
            contact = self.cfg.detector.contact.with_sensitivity(value)

            def sensitivity(d: Detector, t: float) -> list[Event]:
                for k in d.contacts:
                    k.cfg = contact
                return []
            self.live.request(sensitivity)
        self.view.set_settings(self.settings)

    # -- out --------------------------------------------------------------------------------
    def _now(self) -> float:
        s = self.live.last_sample
        return round(s.t, 4) if s is not None else 0.0

    def _log(self, event: Event) -> None:
        self.out.write(event.to_json() + "\n")
        self.out.flush()

    def shutdown(self) -> None:
        """Buzzer off, sampler stopped, pins and bus released: safe to call twice."""
        stopping()
        self.sampler.stop()
        self.recorder.close()  # the set in progress is saved, as "interrupted"
        self.store.close()
        self.player.close()
        self.buttons.close()
        j = self.sampler.jitter()
        self._log(Stopped(self._now(), reason=self.exit_reason or "stop", samples=self.sampler.samples,
                          interval_p50_ms=round(j.p50 * 1000, 2), interval_p99_ms=round(j.p99 * 1000, 2),
                          overruns=j.overruns))
        self.hw.close()
        if self.display is not None:
            self.display.close()


def _toggle_set(detector: Detector, t: float) -> list[Event]:
    """Button A on the sampler's thread: end the set in progress, or start one."""
    return detector.end_set(t) if detector.state is READY else detector.start_set(t)


def install_signal_handlers(app: Appliance) -> None:
    """SIGTERM (systemd stop) ends the run like Ctrl-C: the finally-block cleans up."""
    def on_term(signum: int, frame: Any) -> None:
        app.stop("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)


