"""Folds the events and a glance at the detector into view models (main thread only).

    >>> from device.core.events import ContactLost, Ready, RepCompleted, RepStarted, SetEnded
    >>> b = ViewModelBuilder()
    >>> for e in (Ready(3.1), RepStarted(7.4, rep=1), ContactLost(8.0, "sacrum", "spinal_flexion", rep=1)):
    ...     b.on_event(e)
    >>> vm = b.build()
    >>> str(vm.screen), vm.current_rep, vm.cue
    ('live', 1, 'Sacrum off - hinge from the hips, keep the back flat')
    >>> b.on_event(RepCompleted(9.9, rep=1, depth_deg=61.0, descent_s=1.1, bottom_s=0.3,
    ...                         ascent_s=1.0, faults=("sacrum",)))
    >>> b.on_event(SetEnded(20.0, reps=1))
    >>> vm = b.build()
    >>> str(vm.screen), vm.summary.reps, vm.summary.clean_reps, dict(vm.summary.losses)["sacrum"]
    ('summary', 1, 0, 1)

Times: `on_event` takes the detector's events, whose `t` is the sample time;
`on_tick(now, ...)` must be given `now` on that same clock (the last sample's
`t`), since cue hold times and the chart's series are measured on it.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Iterable, Mapping

from device.core.contact import FAULT
from device.core.contacts import CONTACTS, CUE_WORDS as CUES, LABELS
from device.core.detector import CALIBRATING, NO_DOWEL, READY, Detector
from device.core.events import (Calibrating, ContactLost, ContactRestored, DowelRemoved, Event,
                                EventHandler, LossWithdrawn, Ready, RepCompleted, RepStarted, SensorFault,
                                SensorOk, SetEnded)
from device.core.settings import LiveSettings
from device.core.signal import Sample
from device.view.faults import fault_view
from device.view.model import (EXPORT_STATES, IN_CONTACT, WAITING, ContactView, ExportView,
                               FaultView, MenuState, RepView, Screen, SummaryView, ViewModel)
from device.view.setlog import PRESSURE_MAX, SetLog, clamp, baseline_bar, presence_bar

CUE_HOLD_S = 3.0  # a cue stays this long after the contact is back: read it standing up


class ViewModelBuilder(EventHandler[None]):
    """Folds events and live glances into ViewModels. Main thread only.

    The app calls `on_event` for every event it drains, `on_tick` before each
    frame, and `build()` for the frame. The menu (device/view/navigation.py) keeps its
    state here through `menu`/`set_menu`, so a set starting can close it.
    """

    def __init__(self, simulator: bool = False, target_deg: float = 35.0,
                 settings: LiveSettings | None = None, athletes: Iterable[str] = (),
                 athlete: str = "") -> None:
        self.simulator = simulator
        self.target_deg = target_deg
        self._settings = settings or LiveSettings()
        self._athletes = tuple(athletes)
        self._athlete = athlete
        self._history: tuple[dict, ...] = ()
        self._export = ExportView()
        self._menu = MenuState()
        self._appliance = NO_DOWEL
        self._contacts = tuple(ContactView(c, LABELS[c], WAITING) for c in CONTACTS)
        self._live: dict[str, Any] = {"calibration": 0.0, "pitch": None, "current_rep": None,
                                      "phase": "standing", "has_imu": False, "paused": False}
        self._set: SetLog | None = None
        self._set_no = 0
        self._last_rep: RepView | None = None
        self._summary: SummaryView | None = None
        self._faults: dict[tuple[str, str], FaultView] = {}
        self._cue: tuple[str, str | None] = ("", None)
        self._cue_until = math.inf
        self._now = 0.0
        self._vm: ViewModel | None = None

    # -- events --------------------------------------------------------------------------
    def on_event(self, e: Event) -> None:
        """One event (detector, sampler or app); types it does not show are ignored."""
        self._now = max(self._now, e.t)
        e.accept(self)

    def on_calibrating(self, e: Calibrating) -> None:
        self._appliance = CALIBRATING

    def on_ready(self, e: Ready) -> None:
        self._appliance = READY
        self._set_no += 1
        self._set = SetLog(self._now)
        self._last_rep = None
        self._live["current_rep"] = None
        self._live["has_imu"] = e.standing_deg is not None or self._live["has_imu"]
        self._clear_cue()
        self._menu = replace(self._menu, screen=None)  # a set starts: show it

    def on_rep_started(self, e: RepStarted) -> None:
        """A new rep starts clean: a cue whose contact is already back is done with."""
        self._live["current_rep"] = e.rep
        if self._cue_until != math.inf:
            self._clear_cue()

    def on_rep_completed(self, e: RepCompleted) -> None:
        if self._set is None:
            self._set = SetLog(self._now)
        self._last_rep = self._set.add_rep(e)
        self._live["current_rep"] = None

    def on_contact_lost(self, e: ContactLost) -> None:
        contact = e.contact
        if self._set is not None:
            self._set.lost(contact, self._now)
        if contact in CUES and self._settings.schedule != "retention":
            self._cue = (CUES[contact], contact)
            self._cue_until = math.inf

    def on_contact_restored(self, e: ContactRestored) -> None:
        contact = e.contact
        if self._set is not None:
            self._set.restored(contact, self._now)
        if self._cue[1] == contact:
            self._cue_until = self._now + CUE_HOLD_S

    def on_loss_withdrawn(self, e: LossWithdrawn) -> None:
        """The pads left together: the dowel was taken off, that loss was no fault."""
        if self._set is not None:
            self._set.withdrawn(e.contact)
        if self._cue[1] == e.contact:
            self._clear_cue()

    def on_set_ended(self, e: SetEnded) -> None:
        self._set_over()

    def on_dowel_removed(self, e: DowelRemoved) -> None:
        self._set_over()

    def _set_over(self) -> None:
        if self._set is not None and self._set.eventful:
            self._summary = self._set.summary(self._set_no, self._now)
        self._set = None
        self._appliance = NO_DOWEL
        self._live["current_rep"] = None
        self._clear_cue()

    def on_sensor_fault(self, e: SensorFault) -> None:
        view = fault_view(e)
        self._faults = {k: v for k, v in self._faults.items() if k[0] != view.sensor}
        self._faults[view.key] = view

    def on_sensor_ok(self, e: SensorOk) -> None:
        sensor = e.part
        self._faults = {k: v for k, v in self._faults.items() if k[0] != sensor}

    def _clear_cue(self) -> None:
        self._cue = ("", None)
        self._cue_until = math.inf

    # -- live glance -----------------------------------------------------------------------
    def on_tick(self, now: float, detector: Detector, last_sample: Sample | None = None) -> None:
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
        live["current_rep"] = reps.current_rep if detector.state == READY else None
        live["phase"] = reps.phase
        live["pitch"] = self._pitch(detector, last_sample)
        self.target_deg = float(round(detector.rep_target_deg))  # the athlete's own, as it is learnt
        if self._set is not None and detector.state == READY and last_sample is not None:
            self._set.record(float(last_sample.t), detector.pressure_ratios(), live["pitch"])
        if self._now >= self._cue_until:
            self._clear_cue()

    def _contact_views(self, detector: Detector) -> tuple[ContactView, ...]:
        ready = detector.state == READY
        present = detector.cfg.present_siemens
        views = []
        for k, ratio in zip(detector.contacts, detector.pressure_ratios()):
            if k.state == FAULT:
                views.append(ContactView(k.name, LABELS[k.name], FAULT))
            elif ready and k.baseline > 0:
                r = clamp(ratio, 0.0, PRESSURE_MAX)
                views.append(ContactView(k.name, LABELS[k.name], k.state, round(r, 2),
                                         baseline_bar(r)))
            else:
                r = clamp(k.m3 / present, 0.0, PRESSURE_MAX * 100)
                state = IN_CONTACT if k.m3 >= present else WAITING
                views.append(ContactView(k.name, LABELS[k.name], state, round(r, 1),
                                         presence_bar(r)))
        return tuple(views)

    @staticmethod
    def _calibration(detector: Detector, last_sample: Sample | None) -> float:
        """Share of the still-standing time done (the detector restarts it on movement)."""
        if last_sample is None:
            return 1.0 if detector.state == READY else 0.0
        return round(detector.calibration_progress(float(last_sample.t)) * 50) / 50

    @staticmethod
    def _pitch(detector: Detector, last_sample: Sample | None) -> float | None:
        standing = detector.reps.standing
        if (detector.state != READY or not detector.has_imu or standing is None
                or last_sample is None or last_sample.pitch is None):
            return None
        return float(round(last_sample.pitch - standing))

    # -- from the app and the menu -----------------------------------------------------------
    @property
    def menu(self) -> MenuState:
        return self._menu

    def set_menu(self, menu: MenuState) -> None:
        self._menu = menu

    def set_settings(self, settings: LiveSettings) -> None:
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
        self._export = ExportView(state, round(clamp(progress), 2), message)

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
            return Screen.FAULT
        if self._appliance == READY:
            return Screen.LIVE
        if self._appliance == CALIBRATING:
            return Screen.CALIBRATING
        if self._summary is not None and self._summary.set_no != menu.summary_dismissed:
            return Screen.SUMMARY
        return Screen.PLACE
