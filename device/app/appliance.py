"""The appliance: sampler thread + detector + cues live, and the main loop around them.

The main loop owns everything slow: it prints the event lines (the journal
keeps them), acts on buttons, draws the screen and feeds the store. It never
touches the sensors. With a screen it also pumps the window's keys and draws
a frame from the view model (the display caps it per board: [screen] fps). SIGTERM
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
from device.app.checks import CLOCK_WORDS, boot_events, quick_check
from device.app.coach import Coach
from device.app.config import Config, data_dir
from device.app.events import (ClockBehind, CommandDone, Notice, PowerOff, PowerOffRequested, Restored,
                               ScreenShown, Started, Stopped)
from device.app.hardware import Hardware
from device.app.live import LiveLoop
from device.app.notify import Watchdog, ready, sampler_is_alive, stopping
from device.app.poweroff import PowerOffGate
from device.app.profile import Profile, series_write
from device.app.sampler import Sampler
from device.app.simkeys import SimKeys
from device.app.sticks import StickFlow
from device.app.storage import StorageSupervisor
from device.core.cues import CuePolicy
from device.core.detector import READY, Detector
from device.core.events import DowelRemoved, Event, SetEnded
from device.core.idle import IdleWatch
from device.core.patterns import patterns_from_config
from device.core.settings import PLAN, LiveSettings
from device.store.athletes import Athlete
from device.store.box import box_id_or_why
from device.view import commands as cmd
from device.view.builder import ViewModelBuilder
from device.view.commands import Command
from device.view.model import ViewModel


class Screen(Protocol):
    """What the appliance needs of a display (ui/display.py's Display is one)."""

    pace: Callable[[float], None] | None  # called before each piece of a frame with its seconds

    def pump(self) -> Iterable[str]: ...
    def show(self, vm: ViewModel) -> bool: ...
    def close(self) -> None: ...


class Appliance:
    """Everything that runs, wired; `run()` is the main loop."""

    def __init__(self, cfg: Config, hw: Hardware, out: TextIO = sys.stdout,
                 display: Screen | None = None, clock: Callable[[], float] = time.time,
                 take_lock: bool = False) -> None:
        self.cfg, self.hw, self.out, self.display = cfg, hw, out, display
        self.events: queue.Queue[Event] = queue.Queue()
        self.patterns = patterns_from_config(cfg.cues.patterns)
        self.player = hardware.buzzer_player(cfg, hw)
        for pattern in self.patterns.values():
            self.player.check(pattern)
        self.policy = CuePolicy(cfg.cues)
        self.detector = Detector(hw.chain, cfg.detector)
        self.view = ViewModelBuilder(simulator=hw.dowel is not None, target_deg=self.detector.rep_target_deg)
        # the store opens behind the cues, on the recorder's thread, and never stops them (ADR 0031)
        self.storage = StorageSupervisor(data_dir(cfg), hw.chain, self.events.put, self._now, self.view,
                                         take_lock=take_lock, clock=clock)
        self.recorder = self.storage.recorder
        self.live = LiveLoop(self.detector, self.policy, self.patterns, self.player, self.events,
                             on_sample=self.recorder.post_sample, idle=IdleWatch(cfg.sets))
        self.coach = Coach(cfg.plan, cfg.cues, cfg.detector.reps.depth_min_deg, self.storage, self.live,
                           self.policy, self.recorder, self.view, self._log, clock, self._now)
        defaults = LiveSettings(schedule=PLAN if cfg.plan.follow else cfg.cues.schedule, mute=cfg.cues.mute,
                                volume=self.player.volume)
        self.profile = Profile(self.storage, self.view, defaults, self._apply_settings, self.coach.choose,
                               self._restored)
        self._apply_settings(defaults, self.profile.settings)
        self.view.set_settings(self.profile.settings)
        self.sticks = StickFlow(self.storage, cfg.data.usb_roots, self.view, self._log, self._now,
                                self.profile.reload, cfg.data.mounts_file)
        self.power = PowerOffGate(lambda: self.sticks.busy, self._power_off, self._log, self._now, self.view)
        self.sampler = Sampler(hw.adc, hw.tilt, cfg.sampler.rate_hz, self.live.on_sample,
                               self.live.on_event, channels=tuple(cfg.hardware.channels),  # type: ignore[arg-type]
                               adc_name=hw.adc_name, clock=hw.clock, sleep=hw.sleep)
        self.clock = hw.clock  # the main loop's time is the sampler's (the watchdog compares them)
        if display is not None:  # a frame is drawn in pieces that wait while a sample is read
            display.pace = self.sampler.make_way
        self.buttons = hardware.buttons(cfg, hw, self.press)
        self._presses: queue.Queue[tuple[str, ViewModel | None] | Command] = queue.Queue()
        self._shown: ViewModel | None = None  # the frame on the screen: what a press answers
        self._screen_logged = ""
        self._stop = threading.Event()
        self.exit_reason = ""
        self.watchdog = Watchdog()
        self.sim_keys = None
        if hw.dowel is not None:  # in a window the manual scenario waits for the person to place it
            manual = display is not None and not hw.dowel.scenario.remove
            self.sim_keys = SimKeys(hw.dowel, placed=not manual)

    @property
    def settings(self) -> LiveSettings:
        return self.profile.settings

    # -- inputs from other threads ----------------------------------------------------------
    def press(self, button: str) -> None:
        """Button callbacks (gpiozero's thread) and keys land here: queued for the main loop,
        with the frame on the screen at that moment (the press means what it showed)."""
        self._presses.put((button, self._shown))

    def submit(self, command: Command) -> None:
        """A command (as the menu makes them) from another thread, done on the main loop."""
        self._presses.put(command)

    def _restored(self, athlete: Athlete | None, settings: LiveSettings) -> None:
        self._log(Restored(self._now(), athlete=athlete.name if athlete else None,
                           settings=dataclasses.asdict(settings)))

    def stop(self, reason: str = "stop") -> None:
        self.exit_reason = self.exit_reason or reason
        self._stop.set()

    # -- main loop ----------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> int:
        """Run until stopped (SIGTERM, Ctrl-C, power off, `duration` seconds)."""
        athlete = self.profile.athlete.name if self.profile.athlete else None
        box, problem = box_id_or_why(data_dir(self.cfg))
        self._log(Started(0.0, hardware=self.hw.kind, rate_hz=self.cfg.sampler.rate_hz, athlete=athlete,
                          settings=dataclasses.asdict(self.settings), box_id=box))
        if problem:
            self._log(Notice(0.0, detail=problem))
        for notice in (*self.cfg.notices, *self.hw.notices):
            self._log(Notice(0.0, detail=notice))
        self._boot_check()
        self.sampler.start()
        self.storage.start()  # cues first: the store opens now, on the recorder's thread
        ready("running")  # sensors read, screen up: systemd may call the unit started
        end = None if duration is None else self.clock() + duration
        tick = 0.015 if self.display is not None else 0.05  # room for 30 frames a second
        try:
            while not self._stop.is_set():
                if end is not None and self.clock() >= end:
                    self.stop("duration")
                self.step(timeout=tick)
                if not self.sampler.running and not self._stop.is_set():
                    self.stop("sampler died")
        except KeyboardInterrupt:
            self.stop("interrupt")
        finally:
            self.shutdown()
        return 0

    def _boot_check(self) -> None:
        """The quick part of the selftest: a loose wire is shown now, not discovered mid-set."""
        for event in boot_events(quick_check(self.hw, self.cfg)):
            self._log(event)
            if isinstance(event, ClockBehind):
                self.view.set_notice(CLOCK_WORDS)
            else:
                self.view.on_event(event)

    def step(self, timeout: float = 0.0) -> None:
        """One turn of the main loop: events out, presses in, a frame, sticks, the watchdog.

        Whether the sampler still runs is `run()`'s business, not a turn's: so a
        test can play the sampler itself (`sampler.run_for` in fake time) and
        call `step()` in between, as the loop would."""
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
            vm = self.view.build()
            if self.display.show(vm):
                self._shown = vm
                if vm.screen != self._screen_logged:
                    self._screen_logged = vm.screen
                    self._log(ScreenShown(self._now(), name=vm.screen))
        now = self.clock()
        self.profile.tick()
        self.sticks.tick(now)
        self.power.tick()
        self.watchdog.kick_if_alive(sampler_is_alive(self.sampler, now), now)

    def _take(self, event: Event) -> None:
        self._log(event)
        self.view.on_event(event)
        self.storage.on_event(event)
        if isinstance(event, (SetEnded, DowelRemoved)):
            summary = self.view.build().summary  # this set's, if it was worth keeping
            if summary is not None and summary.series.t:
                self.recorder.attach(series_write(summary.series))
        self.coach.on_event(event)
        self.recorder.post_event(event)

    # -- presses and commands ------------------------------------------------------------------
    def _act(self, press: tuple[str, ViewModel | None] | Command) -> None:
        if isinstance(press, Command):
            self._do(press)
            return
        word, shown = press
        if self.display is None:  # no screen: A starts or ends the set, long B powers off
            running = self.view.build().set_running
            headless = {"a": cmd.EndSet() if running else cmd.StartSet(), "b_long": cmd.PowerOff()}
            if word in headless:
                self._do(headless[word])
            return
        for command in self.view.press(word, shown):
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
        """Carry out what a button press on the screen asked for, then log it."""
        problem = ""
        if isinstance(command, cmd.StartSet):
            self.live.request(_start_set)
        elif isinstance(command, cmd.EndSet):
            self.live.request(_end_set)
        elif isinstance(command, cmd.ChangeSetting):
            self.profile.change(command.key)
        elif isinstance(command, cmd.PickAthlete):
            if self.profile.pick(command.name):
                self.live.request(self._new_athlete)
        elif isinstance(command, cmd.PlanCommand):
            problem = self.coach.do(command)
        elif isinstance(command, cmd.AddAthlete):
            problem = self.profile.add(command.name)
        elif isinstance(command, cmd.RenameAthlete):
            problem = self.profile.rename(command.old, command.new)
        elif isinstance(command, cmd.LoadHistory):
            self.profile.load_history()
        elif isinstance(command, cmd.MoreHistory):
            self.profile.load_history(command.before)
        elif isinstance(command, cmd.OpenSet):
            self.profile.open_set(command.set_id)
        elif isinstance(command, cmd.StartExport):
            self.sticks.export_to_first()
        elif isinstance(command, cmd.PowerOff):
            self.power.request()  # deferred while an export writes to a stick
        self._log(CommandDone(self._now(), command=command.to_dict()))
        if problem:
            self._log(Notice(self._now(), detail=problem))
            self.view.set_notice(problem)

    def _new_athlete(self, detector: Detector, t: float) -> list[Event]:
        """Another athlete: their own rep target and posture, learnt afresh (the store keeps no target
        per athlete yet: seed it here once it does). Their feedback anew is the coach's (coach.py)."""
        detector.seed_rep_target(None)
        return []

    def _apply_settings(self, old: LiveSettings, new: LiveSettings) -> None:
        """Settings applied where they act: what the sampler's thread reads changes there,
        between samples; the buzzer's volume at once; the feedback schedule by the coach (the plan's
        or the one set by hand)."""
        self.coach.settings_changed(new)
        if new.mute != old.mute:
            self.live.request(lambda d, t: _and_no_events(self.policy.set_mute, new.mute))
        if new.volume != old.volume:
            self.player.volume = float(new.volume)
        if new.sensitivity != old.sensitivity:
            contact = self.cfg.detector.contact.with_sensitivity(new.sensitivity)

            def sensitivity(d: Detector, t: float) -> list[Event]:
                for k in d.contacts:
                    k.cfg = contact
                return []
            self.live.request(sensitivity)

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
        self.storage.close()  # the set in progress is saved, as "interrupted"
        self.profile.close()
        self.player.close()
        self.buttons.close()
        j = self.sampler.jitter()
        self._log(Stopped(self._now(), reason=self.exit_reason or "stop", samples=self.sampler.samples,
                          interval_p50_ms=round(j.p50 * 1000, 2), interval_p99_ms=round(j.p99 * 1000, 2),
                          overruns=j.overruns))
        self.hw.close()
        if self.display is not None:
            self.display.close()


def _start_set(detector: Detector, t: float) -> list[Event]:
    """On the sampler's thread: the next set, only after one was ended with A (dowel still on)."""
    return detector.start_set(t) if detector.state is not READY and detector.paused else []


def _end_set(detector: Detector, t: float) -> list[Event]:
    """On the sampler's thread: end the set in progress; nothing if it has ended meanwhile."""
    return detector.end_set(t) if detector.state is READY else []


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def install_signal_handlers(app: Appliance) -> None:
    """SIGTERM (systemd stop) and SIGHUP (the terminal went away) end the run like Ctrl-C.

    The main loop's finally-block then cleans up: the set in progress saved,
    the buzzer silenced (a signal's default action would leave its pin mid-tone),
    bus and pins released."""
    def on_signal(signum: int, frame: Any) -> None:
        app.stop(signal.Signals(signum).name)
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)


def _and_no_events(action: Callable[..., None], *args: Any) -> list[Event]:
    """Run `action` on the sampler's thread (a live-loop command) and decide no events."""
    action(*args)
    return []
