"""The appliance: sampler thread + detector + cues live, and the main loop around them.

The main loop owns everything slow: it prints the event lines (the journal
keeps them), acts on buttons, and later draws the screen and writes the store.
It never touches the sensors. With a screen it also pumps the window's keys
and draws a frame from the view model (the display caps it at 30 a second). SIGTERM (systemd's stop) and Ctrl-C end it the
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

from device.app.config import Config, data_dir
from device.core.cues import CuePolicy, patterns_from_config
from device.core.detector import Detector, DetectorConfig
from device.core.contact import ContactConfig
from device.core.events import to_json
from device.app.hardware import Hardware
from device.app.live import LiveLoop
from device.core.reps import RepConfig
from device.app.notify import Watchdog, ready, sampler_is_alive, stopping
from device.app.sampler import Sampler
from device.view.model import SENSITIVITY_LOST_RATIO, Settings, ViewModelBuilder


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
    display: Any = None  # ui.display.Display, or None headless

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
        self.view = ViewModelBuilder(
            simulator=hw.dowel is not None, target_deg=cfg.detector.depth_min_deg,
            settings=Settings(schedule=cfg.cues.schedule, mute=cfg.cues.mute, volume=self.player.volume))
        self._open_store()
        self.live = LiveLoop(self.detector, self.policy, self.patterns, self.player, self.events,
                             on_sample=self.recorder.post_sample)
        self.sampler = Sampler(hw.adc, hw.tilt, cfg.sampler.rate_hz, self.live.on_sample,
                               self.live.on_event, channels=tuple(cfg.hardware.channels),  # type: ignore[arg-type]
                               adc_name=hw.adc_name)
        self.buttons = Buttons(cfg.buttons.a_pin, cfg.buttons.b_pin, self.press,
                               cfg.buttons.long_press_s, pin_factory=hw.pin_factory)
        self._presses: queue.Queue[str | dict] = queue.Queue()
        self._stop = threading.Event()
        self.exit_reason = ""
        self.watchdog = Watchdog()
        self._sim_keys: Any = None

    def _open_store(self) -> None:
        """The set store and its recorder (writes on its own thread), and the USB stick watch."""
        from device.store.recorder import SetRecorder
        from device.store.store import Store
        from device.export.usb import StickWatcher
        self.store = Store.open(data_dir(self.cfg))
        self.recorder = SetRecorder(self.store, self.hw.chain)
        self.sticks = StickWatcher(self.cfg.data.usb_roots)
        self.export_job: Any = None
        self._next_stick_poll = 0.0
        self._athletes = self.store.athletes()
        self.view.set_athletes([a.name for a in self._athletes],
                               next(a.name for a in self._athletes if a.is_guest))

    # -- inputs from other threads ----------------------------------------------------------
    def press(self, button: str) -> None:
        """Button callbacks (gpiozero's thread) and keys land here: queued for the main loop."""
        self._presses.put(button)

    def submit(self, command: dict) -> None:
        """A command (as the menu makes them) from another thread, done on the main loop."""
        self._presses.put(command)

    def stop(self, reason: str = "stop") -> None:
        self.exit_reason = self.exit_reason or reason
        self._stop.set()

    # -- main loop ----------------------------------------------------------------------------
    def run(self, duration: float | None = None) -> int:
        """Run until stopped (SIGTERM, Ctrl-C, power off, `duration` seconds)."""
        self._log({"t": 0.0, "type": "started", "hardware": self.hw.kind,
                   "rate_hz": self.cfg.sampler.rate_hz})
        if getattr(self.store, "moved_aside", None):
            self._log({"t": 0.0, "type": "warning", "detail": f"the database would not open: kept as "
                       f"{self.store.moved_aside}, a new one started"})
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
        from device.selftest.checks import quick_check
        for problem in quick_check(self.hw, self.cfg):
            event = {"t": 0.0, "type": "sensor_fault", "sensor": problem.check,
                     "reason": problem.reason, "detail": problem.message}
            if problem.contact:
                event["contact"] = problem.contact
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
            keys = self.sim_keys
            for word in self.display.pump():
                if word == "quit":
                    self.stop("quit")
                elif keys is None or not keys.apply(word):
                    self.press(word)
        while not self._presses.empty():
            self._act(self._presses.get_nowait())
        if self.display is not None:
            s = self.live.last_sample
            self.view.on_tick(s.t if s is not None else 0.0, self.detector, s)
            self.display.show(self.view.build())
        now = time.monotonic()
        self._usb(now)
        alive = sampler_is_alive(self.sampler, now)
        self.watchdog.kick_if_alive(alive, now)
        if not self.sampler.running and not self._stop.is_set():
            self.stop("sampler died")

    @property
    def sim_keys(self) -> Any:
        """The simulator's athlete played from the keyboard (only with a window: pygame is slow to import)."""
        if self._sim_keys is None and self.hw.dowel is not None and self.display is not None:
            from ui.keys import SimKeys
            self._sim_keys = SimKeys(self.hw.dowel)
        return self._sim_keys

    def _take(self, event: dict) -> None:
        self._log(event)
        self.view.on_event(event)
        self.recorder.post_event(event)

    # -- USB sticks ---------------------------------------------------------------------------
    def _usb(self, now: float) -> None:
        """Once a second: a new stick brings athletes and takes the new sets; a job reports."""
        if self.export_job is not None:
            self._follow_export()
        if now < self._next_stick_poll:
            return
        self._next_stick_poll = now + 1.0
        for stick in self.sticks.poll():
            self._stick_arrived(stick)

    def _stick_arrived(self, stick: Any) -> None:
        from device.export.usb import read_athletes
        self._log({"t": self._now(), "type": "usb", "mountpoint": stick.mountpoint,
                   "read_only": stick.read_only})
        athletes = read_athletes(stick.mountpoint)
        for warning in athletes.warnings:
            self._log({"t": self._now(), "type": "warning", "detail": warning})
        if athletes.names:
            added, _ = self.store.import_athletes(athletes.names)
            self._athletes = self.store.athletes()
            self.view.set_athletes([a.name for a in self._athletes], self.view.build().athlete)
            self._log({"t": self._now(), "type": "athletes_imported", "added": added})
        if stick.read_only:
            self.view.set_export("error", 0.0, "This stick is read-only: nothing was written.")
            return
        self._start_export(stick.mountpoint)

    def _start_export(self, mountpoint: str) -> None:
        from device.export.export import ExportJob
        if self.export_job is not None and not self.export_job.done:
            return
        self.export_job = ExportJob(self.store.data_dir, mountpoint).start()
        self.view.set_export("writing", 0.0, "Writing sets. Do not remove the stick.")

    def _follow_export(self) -> None:
        job = self.export_job
        done, total = job.progress
        if not job.done:
            if total:
                self.view.set_export("writing", done / total,
                                     f"Writing set {done} of {total}. Do not remove the stick.")
            return
        self.export_job = None
        message = job.message
        if job.ok:
            ok, why = unmount(job.dest)
            message = message if ok else f"{message} ({why})"
        self.view.set_export("done" if job.ok else "error", 1.0, message)
        self._log({"t": self._now(), "type": "export", "ok": job.ok, "message": message})

    def _act(self, button: str | dict) -> None:
        if isinstance(button, dict):
            self._do(button)
        elif button == "b_long":
            self._log({"t": self._now(), "type": "power_off_requested"})
            if self.power_off is not None:
                ok, message = self.power_off()
                self._log({"t": self._now(), "type": "power_off", "ok": ok, "message": message})
                if not ok:
                    return
            self.stop("power off")
        elif button in ("a", "b"):
            if self.display is None:  # no screen: A toggles the set, B has nothing to show
                if button == "a":
                    self._do({"do": "toggle_set"})
                return
            from device.view import navigation
            for command in navigation.press(self.view, button):
                self._do(command)

    def _do(self, command: dict) -> None:
        """Carry out what a button press on the screen asked for."""
        what = command.get("do")
        if what == "toggle_set":
            def toggle(detector: Detector, t: float) -> list[dict]:
                return detector.end_set(t) if detector.state == "ready" else detector.start_set(t)
            self.live.request(toggle)
        elif what == "setting":
            self._apply_setting(command["key"], command["value"])
        elif what == "athlete":
            athlete = next((a for a in self._athletes if a.name == command.get("name")), None)
            if athlete is not None:
                self.recorder.set_athlete(athlete.id)
                self.view.set_athletes([a.name for a in self._athletes], athlete.name)
                self.live.request(lambda d, t: self.policy.reset_session() or [])
        elif what == "load_history":
            rows = [dict(r) for r in self.store.iter_set_summaries()]
            self.view.set_history(rows[-20:][::-1])
        elif what == "export":
            from device.export.usb import find_sticks
            sticks = [s for s in find_sticks(self.sticks.roots, self.sticks.mounts_file) if not s.read_only]
            if sticks:
                self._start_export(sticks[0].mountpoint)
            else:
                self.view.set_export("waiting", 0.0, "Plug in a USB stick.")
        self._log({"t": self._now(), "type": "command", **command})

    def _apply_setting(self, key: str, value: Any) -> None:
        """Settings change on the sampler's thread, between samples, like everything it reads."""
        from dataclasses import replace
        if key == "schedule":
            self.live.request(lambda d, t: self.policy.set_schedule(value) or [])
        elif key == "mute":
            self.live.request(lambda d, t: setattr(self.policy, "mute", bool(value)) or [])
        elif key == "volume":
            self.player.volume = float(value)
        elif key == "sensitivity":
            ratio = SENSITIVITY_LOST_RATIO[value]

            def sensitivity(d: Detector, t: float) -> list[dict]:
                for k in d.contacts:
                    k.cfg = replace(k.cfg, lost_ratio=ratio)
                return []
            self.live.request(sensitivity)
        self.view.set_settings(replace(self.view.build().settings, **{key: value}))

    def _now(self) -> float:
        s = self.live.last_sample
        return round(s.t, 4) if s is not None else 0.0

    def _log(self, event: dict) -> None:
        self.out.write(to_json(event) + "\n")
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
        self._log({"t": self._now(), "type": "stopped", "reason": self.exit_reason or "stop",
                   "samples": self.sampler.samples, "interval_p50_ms": round(j.p50 * 1000, 2),
                   "interval_p99_ms": round(j.p99 * 1000, 2), "overruns": j.overruns})
        self.hw.close()
        if self.display is not None:
            self.display.close()


def unmount(mountpoint: str) -> tuple[bool, str]:
    """Let go of a stick after an export (systemd-umount, as the USB unit mounted it)."""
    import shutil
    import subprocess
    tool = shutil.which("systemd-umount")
    if tool is None or not mountpoint.startswith("/media/smartdowel/"):
        return True, "left mounted"  # not ours to unmount (a desktop, a test folder)
    try:
        proc = subprocess.run([tool, mountpoint], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"could not unmount: {exc}"
    return proc.returncode == 0, proc.stderr.strip() or "unmounted"


def install_signal_handlers(app: Appliance) -> None:
    """SIGTERM (systemd stop) ends the run like Ctrl-C: the finally-block cleans up."""
    def on_term(signum: int, frame: Any) -> None:
        app.stop("SIGTERM")
    signal.signal(signal.SIGTERM, on_term)
