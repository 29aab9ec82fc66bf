"""What the screen shows, as one immutable snapshot: the view model.

Why a view model: the screen may lag, the buzzer may not. The detector runs on
the sampler's thread; the main loop drains its events and, a few dozen times a
second, glances at the detector's live state. `ViewModelBuilder` folds both
into a `ViewModel`, a frozen value the pure render functions in `ui/` draw
from. Nothing here draws, and nothing in `ui/` reads a sensor.

Live values are quantised (pressure bars in 1/40 steps, tilt in whole degrees,
calibration in 2 % steps), so a model built twice from a steady scene is equal
and the display can skip the frame: equality is "nothing worth redrawing".

    >>> b = ViewModelBuilder()
    >>> for e in ({"t": 3.1, "type": "ready"}, {"t": 7.4, "type": "rep_started", "rep": 1},
    ...           {"t": 8.0, "type": "contact_lost", "contact": "sacrum", "rep": 1}):
    ...     b.on_event(e)
    >>> vm = b.build()
    >>> vm.screen, vm.current_rep, vm.cue
    ('live', 1, 'Sacrum off - hinge from the hips, keep the back flat')
    >>> b.on_event({"t": 9.9, "type": "rep_completed", "rep": 1, "depth_deg": 61.0,
    ...             "descent_s": 1.1, "bottom_s": 0.3, "ascent_s": 1.0, "faults": ["sacrum"]})
    >>> b.on_event({"t": 20.0, "type": "set_ended", "reps": 1})
    >>> vm = b.build()
    >>> vm.screen, vm.summary.reps, vm.summary.clean_reps, dict(vm.summary.losses)["sacrum"]
    ('summary', 1, 0, 1)

Times: `on_event` takes the detector's events, whose `t` is the sample time;
`on_tick(now, ...)` must be given `now` on that same clock (the last sample's
`t`), since cue hold times and the chart's series are measured on it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from device.core.cues import SCHEDULES

CONTACTS: tuple[str, str, str] = ("head", "upper_back", "sacrum")
LABELS: dict[str, str] = {"head": "Head", "upper_back": "Upper back", "sacrum": "Sacrum"}

# The design's table: technique words, never alarms.
CUES: dict[str, str] = {
    "head": "Head off the dowel - keep your gaze down, neck long",
    "upper_back": "Upper back off - push the hips back, less knee",
    "sacrum": "Sacrum off - hinge from the hips, keep the back flat",
}

# Display states of a contact. The first three are the detector's; WAITING is a
# pad not yet pressed while the dowel is being placed (not a loss: no set yet).
IN_CONTACT, LOST, FAULT, WAITING = "in_contact", "lost", "sensor_fault", "waiting"

# Screens. The first five follow the appliance; the rest are opened by the menu.
AUTO_SCREENS = ("place", "calibrating", "live", "summary", "fault")
MENU_SCREENS = ("menu", "history", "athletes", "settings", "export")
SCREENS = AUTO_SCREENS + MENU_SCREENS

VOLUMES: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
SENSITIVITIES: tuple[str, ...] = ("low", "normal", "high")
# What "sensitivity" means for the detector (its `lost_ratio`): a higher one cues
# a smaller drop. "high" stays below the 20 % sag that must never be cued.
SENSITIVITY_LOST_RATIO: dict[str, float] = {"low": 0.08, "normal": 0.12, "high": 0.16}
EXPORT_STATES = ("idle", "waiting", "writing", "done", "error")

CUE_HOLD_S = 3.0  # a cue stays this long after the contact is back: read it standing up
SERIES_STEP_S = 0.1  # the chart's series: at most one point per this many seconds...
SERIES_MAX = 400  # ...and never more points: past this, every other point goes
BAR_STEPS = 40
PRESSURE_MAX = 9.99


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class ContactView:
    """One contact as the screen shows it.

    `pressure` is a fraction of the standing baseline once calibrated, and of
    the "touching" threshold before; `bar` is what a pressure bar fills (0..1):
    standing pressure fills half, and before calibration the threshold sits at
    half on a log scale, so a light touch and a firm press both show.
    """

    name: str
    label: str
    state: str
    pressure: float = 0.0
    bar: float = 0.0


@dataclass(frozen=True)
class RepView:
    """The last counted rep: depth and its three tempo phases."""

    rep: int
    depth_deg: float
    descent_s: float
    bottom_s: float
    ascent_s: float
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesView:
    """The set's pressures and tilt, decimated for the summary chart (device/chart.py)."""

    t: tuple[float, ...] = ()
    pressure: tuple[tuple[str, tuple[float, ...]], ...] = ()
    pitch: tuple[float, ...] | None = None
    losses: tuple[tuple[str, float, float], ...] = ()
    reps: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class SummaryView:
    """A finished set in numbers."""

    set_no: int
    reps: int
    clean_reps: int
    losses: tuple[tuple[str, int], ...]
    mean_depth_deg: float | None
    tempo_s: tuple[float, float, float] | None  # mean descent, bottom, ascent
    duration_s: float
    series: SeriesView = SeriesView()


@dataclass(frozen=True)
class FaultView:
    """A sensor that cannot be trusted: which, why, and what a person should check."""

    sensor: str  # a contact name, or a chip ("ads1115", "mcp3008", "imu")
    label: str
    reason: str
    what: str
    check: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.sensor, self.reason)


@dataclass(frozen=True)
class Settings:
    """The menu's settings; the app applies them (cue policy, buzzer, detector)."""

    schedule: str = "every"
    mute: bool = False
    volume: float = 1.0
    sensitivity: str = "normal"


@dataclass(frozen=True)
class MenuState:
    """Navigation's memory: the menu screen open (None: follow the appliance) and its cursor.

    `summary_dismissed` is the set number whose summary was left with A;
    `dismissed_faults` the (sensor, reason) pairs the fault screen was closed for.
    """

    screen: str | None = None
    cursor: int = 0
    summary_dismissed: int = 0
    dismissed_faults: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class ExportView:
    """The USB export as the screen tells it: state, progress 0..1, a line of detail."""

    state: str = "idle"
    progress: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class ViewModel:
    """Everything one frame shows; equal models draw the same frame."""

    screen: str = "place"
    appliance: str = "no_dowel"
    contacts: tuple[ContactView, ...] = ()
    set_no: int = 0
    reps: int = 0
    clean_reps: int = 0
    current_rep: int | None = None
    phase: str = "standing"
    pitch_deg: float | None = None  # beyond standing; None before a set or without an IMU
    target_deg: float = 35.0
    has_imu: bool = False
    calibration: float = 0.0
    paused: bool = False  # a set was ended with A: the next starts with A
    cue: str = ""
    cue_contact: str | None = None
    last_rep: RepView | None = None
    summary: SummaryView | None = None
    faults: tuple[FaultView, ...] = ()
    settings: Settings = Settings()
    menu: MenuState = MenuState()
    athletes: tuple[str, ...] = ()
    athlete: str = ""
    history: tuple[dict, ...] = ()
    export: ExportView = ExportView()
    simulator: bool = False

    def contact(self, name: str) -> ContactView:
        """The view of one contact by name."""
        for c in self.contacts:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def open_faults(self) -> tuple[FaultView, ...]:
        """Faults the fault screen has not been dismissed for."""
        return tuple(f for f in self.faults if f.key not in self.menu.dismissed_faults)


# --------------------------------------------------------------------------- sensor faults

_CHIPS = {"ads1115": "Sensor chip", "mcp3008": "Sensor chip", "adc": "Sensor chip",
          "imu": "Tilt sensor"}
_REASONS = {
    "shorted": ("reads full pressure all the time",
                "Look for a pinched cable or bare wires touching at the {where} pad "
                "and at its plug on the box."),
    "stuck": ("reading has stopped changing",
              "Reseat the {where} plug on the box. If it stays, the cable to the pad "
              "may be broken."),
}
_CHIP_CHECK = {
    "Sensor chip": "Power off, then reseat the cable from the dowel to the box. If it "
                   "keeps happening, check the I2C wiring inside the box.",
    "Tilt sensor": "Reps and depth pause; the contacts still work. Reseat the dowel "
                   "cable and check the tilt sensor's wires.",
}


def fault_view(event: Mapping[str, Any]) -> FaultView:
    """The fault screen's words for a `sensor_fault` event (a contact's or a chip's)."""
    reason = str(event.get("reason", "unknown"))
    contact = event.get("contact")
    if contact in LABELS:
        label = LABELS[contact]
        what, check = _REASONS.get(reason, ("reading cannot be trusted",
                                            "Reseat the {where} plug on the box."))
        return FaultView(contact, f"{label} sensor", reason, what,
                         check.format(where=label.lower()))
    sensor = str(event.get("sensor", "adc"))
    label = _CHIPS.get(sensor, sensor)
    return FaultView(sensor, label, reason, "not answering",
                     _CHIP_CHECK.get(label, "Reseat the dowel's cable and restart the box."))


# --------------------------------------------------------------------------- numbers


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    """Clamp, with NaN as `lo` (a conductance can be inf at a shorted input)."""
    if x != x:
        return lo
    return lo if x < lo else hi if x > hi else x


def _quantise(x: float, steps: int) -> float:
    return round(_clamp(x) * steps) / steps


def presence_bar(ratio: float) -> float:
    """Bar fill for pressure relative to the touching threshold: half at the threshold.

    Log scale, because a firm press is ~100x the threshold.

    >>> presence_bar(1.0), presence_bar(100.0), presence_bar(0.0)
    (0.5, 1.0, 0.0)
    """
    if not ratio > 0.0:
        return 0.0
    return _quantise(0.5 + 0.25 * math.log10(min(ratio, 1e6)), BAR_STEPS)


def baseline_bar(ratio: float) -> float:
    """Bar fill for pressure relative to the standing baseline: half when standing."""
    return _quantise(ratio / 2.0, BAR_STEPS)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


# --------------------------------------------------------------------------- one set


class _SetLog:
    """The running set: counts, tempo, loss spans and the decimated chart series."""

    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self.t_last = t0
        self.reps = 0
        self.clean = 0
        self.losses = {c: 0 for c in CONTACTS}
        self.depths: list[float] = []
        self.tempos: list[tuple[float, float, float]] = []
        self.open_losses: dict[str, float] = {}
        self.loss_spans: list[tuple[str, float, float]] = []
        self.rep_spans: list[tuple[float, float]] = []
        self.ts: list[float] = []
        self.pressure: dict[str, list[float]] = {c: [] for c in CONTACTS}
        self.pitch: list[float | None] = []
        self.step = SERIES_STEP_S

    def add_rep(self, e: Mapping[str, Any]) -> RepView:
        t = float(e.get("t", self.t_last))
        self.reps = int(e.get("rep", self.reps + 1))
        faults = tuple(e.get("faults") or ())
        self.clean += not faults
        rep = RepView(self.reps, float(e.get("depth_deg", 0.0)), float(e.get("descent_s", 0.0)),
                      float(e.get("bottom_s", 0.0)), float(e.get("ascent_s", 0.0)), faults)
        self.depths.append(rep.depth_deg)
        self.tempos.append((rep.descent_s, rep.bottom_s, rep.ascent_s))
        self.rep_spans.append((t - float(e.get("duration_s", 0.0)), t))
        self.t_last = max(self.t_last, t)
        return rep

    def lost(self, contact: str, t: float) -> None:
        if contact in self.losses:
            self.losses[contact] += 1
            self.open_losses.setdefault(contact, t)

    def restored(self, contact: str, t: float) -> None:
        start = self.open_losses.pop(contact, None)
        if start is not None:
            self.loss_spans.append((contact, start, t))

    def record(self, t: float, ratios: Sequence[float], pitch: float | None) -> None:
        """One chart point, at most every `step` s; halve the series when it is full."""
        if self.ts and t - self.ts[-1] < self.step:
            return
        self.ts.append(t)
        for c, r in zip(CONTACTS, ratios):
            self.pressure[c].append(round(_clamp(r, 0.0, 3.0), 3))
        self.pitch.append(None if pitch is None else round(pitch, 1))
        self.t_last = max(self.t_last, t)
        if len(self.ts) > SERIES_MAX:
            self.ts = self.ts[::2]
            self.pressure = {c: v[::2] for c, v in self.pressure.items()}
            self.pitch = self.pitch[::2]
            self.step *= 2

    def summary(self, set_no: int, t_end: float) -> SummaryView:
        for contact in list(self.open_losses):
            self.restored(contact, t_end)
        tempo = None
        if self.tempos:
            tempo = tuple(round(sum(x[i] for x in self.tempos) / len(self.tempos), 2)
                          for i in range(3))
        depth = _mean(self.depths)
        return SummaryView(set_no=set_no, reps=self.reps, clean_reps=self.clean,
                           losses=tuple(self.losses.items()),
                           mean_depth_deg=None if depth is None else round(depth, 1),
                           tempo_s=tempo,  # type: ignore[arg-type]
                           duration_s=round(max(t_end, self.t_last) - self.t0, 1),
                           series=self._series())

    def _series(self) -> SeriesView:
        has_pitch = any(p is not None for p in self.pitch)
        return SeriesView(t=tuple(self.ts),
                          pressure=tuple((c, tuple(v)) for c, v in self.pressure.items()),
                          pitch=tuple(0.0 if p is None else p for p in self.pitch) if has_pitch else None,
                          losses=tuple(self.loss_spans), reps=tuple(self.rep_spans))

    @property
    def eventful(self) -> bool:
        """Worth a summary: a rep counted or a contact lost."""
        return bool(self.reps or any(self.losses.values()))


# --------------------------------------------------------------------------- the builder


class ViewModelBuilder:
    """Folds events and live glances into ViewModels. Main thread only.

    The app calls `on_event` for every event it drains, `on_tick` before each
    frame, and `build()` for the frame. The menu (`ui/navigation.py`) keeps its
    state here through `menu`/`set_menu`, so a set starting can close it.
    """

    def __init__(self, simulator: bool = False, target_deg: float = 35.0,
                 settings: Settings | None = None, athletes: Iterable[str] = (),
                 athlete: str = "") -> None:
        self.simulator = simulator
        self.target_deg = target_deg
        self._settings = settings or Settings()
        self._athletes = tuple(athletes)
        self._athlete = athlete
        self._history: tuple[dict, ...] = ()
        self._export = ExportView()
        self._menu = MenuState()
        self._appliance = "no_dowel"
        self._contacts = tuple(ContactView(c, LABELS[c], WAITING) for c in CONTACTS)
        self._live: dict[str, Any] = {"calibration": 0.0, "pitch": None, "current_rep": None,
                                      "phase": "standing", "has_imu": False, "paused": False}
        self._set: _SetLog | None = None
        self._set_no = 0
        self._last_rep: RepView | None = None
        self._summary: SummaryView | None = None
        self._faults: dict[tuple[str, str], FaultView] = {}
        self._cue: tuple[str, str | None] = ("", None)
        self._cue_until = math.inf
        self._now = 0.0
        self._vm: ViewModel | None = None

    # -- events --------------------------------------------------------------------------
    def on_event(self, e: Mapping[str, Any]) -> None:
        """One event line (detector, sampler or app); unknown types are ignored."""
        t = e.get("t")
        if isinstance(t, (int, float)):
            self._now = max(self._now, float(t))
        handler = self._HANDLERS.get(e.get("type"))  # type: ignore[arg-type]
        if handler is not None:
            handler(self, e)

    def _on_calibrating(self, e: Mapping[str, Any]) -> None:
        self._appliance = "calibrating"

    def _on_ready(self, e: Mapping[str, Any]) -> None:
        self._appliance = "ready"
        self._set_no += 1
        self._set = _SetLog(self._now)
        self._last_rep = None
        self._live["current_rep"] = None
        self._live["has_imu"] = "standing_deg" in e or self._live["has_imu"]
        self._clear_cue()
        self._menu = replace(self._menu, screen=None)  # a set starts: show it

    def _on_rep_started(self, e: Mapping[str, Any]) -> None:
        """A new rep starts clean: a cue whose contact is already back is done with."""
        self._live["current_rep"] = e.get("rep")
        if self._cue_until != math.inf:
            self._clear_cue()

    def _on_rep_completed(self, e: Mapping[str, Any]) -> None:
        if self._set is None:
            self._set = _SetLog(self._now)
        self._last_rep = self._set.add_rep(e)
        self._live["current_rep"] = None

    def _on_contact_lost(self, e: Mapping[str, Any]) -> None:
        contact = e.get("contact")
        if self._set is not None and isinstance(contact, str):
            self._set.lost(contact, self._now)
        if contact in CUES and self._settings.schedule != "retention":
            self._cue = (CUES[contact], contact)  # type: ignore[index]
            self._cue_until = math.inf

    def _on_contact_restored(self, e: Mapping[str, Any]) -> None:
        contact = e.get("contact")
        if self._set is not None and isinstance(contact, str):
            self._set.restored(contact, self._now)
        if self._cue[1] == contact:
            self._cue_until = self._now + CUE_HOLD_S

    def _on_set_over(self, e: Mapping[str, Any]) -> None:
        if self._set is not None and self._set.eventful:
            self._summary = self._set.summary(self._set_no, self._now)
        self._set = None
        self._appliance = "no_dowel"
        self._live["current_rep"] = None
        self._clear_cue()

    def _on_sensor_fault(self, e: Mapping[str, Any]) -> None:
        view = fault_view(e)
        self._faults = {k: v for k, v in self._faults.items() if k[0] != view.sensor}
        self._faults[view.key] = view

    def _on_sensor_ok(self, e: Mapping[str, Any]) -> None:
        sensor = e.get("contact", e.get("sensor"))
        self._faults = {k: v for k, v in self._faults.items() if k[0] != sensor}

    _HANDLERS: dict[str, Callable[[ViewModelBuilder, Mapping[str, Any]], None]] = {
        "calibrating": _on_calibrating, "ready": _on_ready, "rep_started": _on_rep_started,
        "rep_completed": _on_rep_completed, "contact_lost": _on_contact_lost,
        "contact_restored": _on_contact_restored, "set_ended": _on_set_over,
        "dowel_removed": _on_set_over, "sensor_fault": _on_sensor_fault,
        "sensor_ok": _on_sensor_ok,
    }

    def _clear_cue(self) -> None:
        self._cue = ("", None)
        self._cue_until = math.inf

    # -- live glance -----------------------------------------------------------------------
    def on_tick(self, now: float, detector: Any, last_sample: Any = None) -> None:
        """Glance at the detector's live state (read only) before a frame.

        `now` is on the events' clock (the last sample's `t`). Reading from the
        main thread while the sampler writes is safe here: single attributes
        are read, and a frame that mixes two samples is invisible.
        """
        self._now = max(self._now, now)
        self._appliance = detector.state
        self._contacts = self._contact_views(detector)
        live = self._live
        live["has_imu"] = bool(detector.has_imu)
        live["paused"] = bool(detector.paused)
        live["calibration"] = self._calibration(detector, last_sample)
        reps = detector.reps
        live["current_rep"] = reps.current_rep if detector.state == "ready" else None
        live["phase"] = reps.phase
        live["pitch"] = self._pitch(detector, last_sample)
        if self._set is not None and detector.state == "ready" and last_sample is not None:
            ratios = [k.m3 / k.baseline if k.baseline > 0 else 0.0 for k in detector.contacts]
            self._set.record(float(last_sample.t), ratios, live["pitch"])
        if self._now >= self._cue_until:
            self._clear_cue()

    def _contact_views(self, detector: Any) -> tuple[ContactView, ...]:
        ready = detector.state == "ready"
        present = detector.cfg.present_siemens
        views = []
        for k in detector.contacts:
            if k.state == FAULT:
                views.append(ContactView(k.name, LABELS[k.name], FAULT))
            elif ready and k.baseline > 0:
                r = _clamp(k.m3 / k.baseline, 0.0, PRESSURE_MAX)
                views.append(ContactView(k.name, LABELS[k.name], k.state, round(r, 2),
                                         baseline_bar(r)))
            else:
                r = _clamp(k.m3 / present, 0.0, PRESSURE_MAX * 100)
                state = IN_CONTACT if k.m3 >= present else WAITING
                views.append(ContactView(k.name, LABELS[k.name], state, round(r, 1),
                                         presence_bar(r)))
        return tuple(views)

    @staticmethod
    def _calibration(detector: Any, last_sample: Any) -> float:
        """Share of the still-standing time done (the detector restarts it on movement)."""
        if last_sample is None:
            return 1.0 if detector.state == "ready" else 0.0
        return round(detector.calibration_progress(float(last_sample.t)) * 50) / 50

    @staticmethod
    def _pitch(detector: Any, last_sample: Any) -> float | None:
        standing = detector.reps.standing
        if (detector.state != "ready" or not detector.has_imu or standing is None
                or last_sample is None or last_sample.pitch is None):
            return None
        return float(round(last_sample.pitch - standing))

    # -- from the app and the menu -----------------------------------------------------------
    @property
    def menu(self) -> MenuState:
        return self._menu

    def set_menu(self, menu: MenuState) -> None:
        self._menu = menu

    def set_settings(self, settings: Settings) -> None:
        self._settings = settings

    def set_athletes(self, names: Iterable[str], selected: str = "") -> None:
        self._athletes = tuple(names)
        self._athlete = selected

    def set_history(self, sets: Iterable[Mapping[str, Any]]) -> None:
        """Recent sets from the store, newest first; see ui/menus.py for the keys it reads."""
        self._history = tuple(dict(s) for s in sets)

    def set_export(self, state: str, progress: float = 0.0, message: str = "") -> None:
        if state not in EXPORT_STATES:
            raise ValueError(f"export state must be one of {', '.join(EXPORT_STATES)}, not {state!r}")
        self._export = ExportView(state, round(_clamp(progress), 2), message)

    # -- the snapshot ----------------------------------------------------------------------
    def build(self) -> ViewModel:
        """The frame's model; the very same object as last time when nothing changed."""
        live = self._live
        vm = ViewModel(
            screen=self._screen(), appliance=self._appliance, contacts=self._contacts,
            set_no=self._set_no, reps=self._set.reps if self._set else 0,
            clean_reps=self._set.clean if self._set else 0,
            current_rep=live["current_rep"], phase=live["phase"], pitch_deg=live["pitch"],
            target_deg=self.target_deg, has_imu=live["has_imu"],
            calibration=live["calibration"], paused=live["paused"],
            cue=self._cue[0], cue_contact=self._cue[1], last_rep=self._last_rep,
            summary=self._summary, faults=tuple(self._faults.values()),
            settings=self._settings, menu=self._menu, athletes=self._athletes,
            athlete=self._athlete, history=self._history, export=self._export,
            simulator=self.simulator)
        if vm != self._vm:
            self._vm = vm
        return self._vm  # type: ignore[return-value]

    def _screen(self) -> str:
        """Menu first, then an open sensor fault, then whatever the appliance is doing."""
        menu = self._menu
        if menu.screen is not None:
            return menu.screen
        if any(k not in menu.dismissed_faults for k in self._faults):
            return "fault"
        if self._appliance == "ready":
            return "live"
        if self._appliance == "calibrating":
            return "calibrating"
        if self._summary is not None and self._summary.set_no != menu.summary_dismissed:
            return "summary"
        return "place"


def next_in(options: Sequence[Any], current: Any) -> Any:
    """The option after `current`, wrapping (the settings cycle through their values).

    >>> next_in(SCHEDULES, "retention")
    'every'
    """
    try:
        return options[(list(options).index(current) + 1) % len(options)]
    except ValueError:
        return options[0]


__all__ = ["CONTACTS", "CUES", "LABELS", "SCREENS", "AUTO_SCREENS", "MENU_SCREENS", "IN_CONTACT",
           "LOST", "FAULT", "WAITING", "SCHEDULES", "VOLUMES", "SENSITIVITIES",
           "SENSITIVITY_LOST_RATIO", "ContactView", "RepView", "SeriesView", "SummaryView",
           "FaultView", "Settings", "MenuState", "ExportView", "ViewModel", "ViewModelBuilder",
           "fault_view", "next_in", "presence_bar", "baseline_bar"]
