"""Folds the events and a glance at the detector into view models (main thread only).

    >>> from device.core.events import ContactLost, Ready, RepCompleted, RepStarted, SetEnded
    >>> b = ViewModelBuilder(athlete="Sam")
    >>> for e in (Ready(3.1), RepStarted(7.4, rep=1), ContactLost(8.0, "sacrum", "spinal_flexion", rep=1)):
    ...     b.on_event(e)
    >>> vm = b.build()
    >>> str(vm.screen), vm.current_rep, vm.cues
    ('live', 1, ('sacrum',))
    >>> b.on_event(RepCompleted(9.9, rep=1, depth_deg=61.0, descent_s=1.1, bottom_s=0.3,
    ...                         ascent_s=1.0, faults=("sacrum",)))
    >>> b.on_event(SetEnded(20.0, reps=1))
    >>> vm = b.build()
    >>> str(vm.screen), vm.summary.reps, vm.summary.clean_reps, vm.summary.athlete, vm.summary.set_no
    ('summary', 1, 0, 'Sam', 1)

Times: `on_event` takes the detector's events, whose `t` is the sample time;
`on_tick(now, ...)` must be given `now` on that same clock (the last sample's
`t`), since note hold times, the menu's idle time and the chart's series are
measured on it.

Which screen shows is device/view/navigation.py's table: events and app
news reach it as `Input`s here, presses through `press()`.

Why `build()` is cheap when nothing changed: the main loop asks for a model
every turn (about 66 a second), and on a Pi Zero 2 W building one that turns
out equal to the last is CPU the sampler could use. So every input that can
change the model (an event, a press, a setter, a glance whose quantised
values differ from the last) marks it stale, and `build()` assembles a new
one only then; otherwise it hands back the very object it built last, which
the display recognises at once. `builds` counts the models assembled.
"""
from __future__ import annotations


from dataclasses import replace
from typing import Any, Iterable, Mapping

from device.core.contacts import CONTACTS, LABELS
from device.core.detector import CALIBRATING, NO_DOWEL, READY, Detector
from device.core.events import (Calibrating, ContactLost, ContactRestored, DowelRemoved, Event,
                                EventHandler, LossWithdrawn, Ready, RepCompleted, RepDiscarded, RepStarted,
                                SensorFault, SensorOk, SetEnded)
from device.core.plan import PlanSet, PlanStageChanged
from device.core.settings import LiveSettings
from device.core.signal import Sample
from device.view.commands import Command
from device.view.faults import fault_view
from device.view.model import (EXPORT_STATES, WAITING, ContactView, ExportView,
                               FaultView, MenuState, PlanView, ProgressView, RepView, Screen, StorageView,
                               SummaryView, ViewModel, schedule_in_force)
from device.view.navigation import MENU_IDLE_S, Input, step
from device.view.storage import storage_view
from device.view.glance import glance
from device.view.setlog import SetLog, clamp

BACK_NOTE_S = 1.0  # "back in contact" shows this long once every cued contact is back
SHALLOW_NOTE_S = 2.5  # "too shallow, not counted" after a dip


class ViewModelBuilder(EventHandler[None]):
    """Folds events and live glances into ViewModels. Main thread only.

    The app calls `on_event` for every event it drains, `on_tick` before each
    frame, `press()` for every button press (with the frame it had drawn),
    and `build()` for the frame.
    """

    def __init__(self, simulator: bool = False, target_deg: float = 35.0,
                 settings: LiveSettings | None = None, athletes: Iterable[str] = (),
                 athlete: str = "", sets_done: int = 0) -> None:
        self._stale = True  # the inputs changed since the last model was assembled
        self.builds = 0
        self.simulator = simulator
        self._target_deg = target_deg
        self._settings = settings or LiveSettings()
        self._athletes = tuple(athletes)
        self._athlete = athlete
        self._sets_done: dict[str, int] = {athlete: sets_done}
        self._history: tuple[dict, ...] = ()
        self._history_more = self._history_loading = False
        self._storage: StorageView | None = None
        self._past: SummaryView | None = None
        self._export = ExportView()
        self._plan = PlanView(target_deg=target_deg)
        self._progress: ProgressView | None = None
        self._notice = ""
        self._menu = MenuState()
        self._last_press = 0.0
        self._pressed_on: ViewModel | None = None  # the frame the last press was read against
        self._appliance = NO_DOWEL
        self._contacts = tuple(ContactView(c, LABELS[c], WAITING) for c in CONTACTS)
        self._live: dict[str, Any] = {"calibration": 0.0, "pitch": None, "current_rep": None,
                                      "phase": "standing", "has_imu": False, "paused": False}
        self._set: SetLog | None = None
        self._last_rep: RepView | None = None
        self._summary: SummaryView | None = None
        self._faults: dict[tuple[str, str], FaultView] = {}
        self._cues: tuple[str, ...] = ()
        self._note, self._note_until = "", 0.0
        self._now = 0.0
        self._glance: tuple[Any, ...] = ()
        self._vm: ViewModel | None = None

    @property
    def target_deg(self) -> float:
        """The depth the gauge shades as the target."""
        return self._target_deg

    @target_deg.setter
    def target_deg(self, value: float) -> None:
        if value != self._target_deg:
            self._target_deg = value
            self._stale = True

    # -- events --------------------------------------------------------------------------
    def on_event(self, e: Event) -> None:
        """One event (detector, sampler or app); types it does not show are ignored."""
        self._now = max(self._now, e.t)
        self._stale = True
        self._glance = ()  # events set live values too: the next glance puts the detector's back
        e.accept(self)

    def on_calibrating(self, e: Calibrating) -> None:
        self._appliance = CALIBRATING
        self.on_input(Input.PLACED)

    def on_ready(self, e: Ready) -> None:
        """A set starts: numbered among the chosen athlete's sets. A menu open stays open."""
        self._appliance = READY
        has_imu = e.standing_deg is not None
        number = self._sets_done.get(self._athlete, 0) + 1
        self._set = SetLog(self._now, self._athlete, number, has_imu)
        self._last_rep = None
        self._live["current_rep"] = None
        self._live["has_imu"] = has_imu or self._live["has_imu"]
        self._cues, self._note = (), ""
        self.on_input(Input.STARTED)

    def on_rep_started(self, e: RepStarted) -> None:
        self._live["current_rep"] = e.rep

    def on_rep_completed(self, e: RepCompleted) -> None:
        if self._set is None:
            return
        self._last_rep = self._set.add_rep(e)
        self._live["current_rep"] = None

    def on_rep_discarded(self, e: RepDiscarded) -> None:
        """A dip too shallow to count: said so (unless the setting silences it)."""
        if self._set is None:
            return
        self._set.dips += 1
        if self._settings.dip_note and not self._cues:
            self._note, self._note_until = "shallow", self._now + SHALLOW_NOTE_S

    def on_contact_lost(self, e: ContactLost) -> None:
        if self._set is None:
            return
        self._set.lost(e.contact, self._now)
        if e.contact in CONTACTS and self.schedule != "retention" and e.contact not in self._cues:
            self._cues += (e.contact,)
            self._note = ""

    def on_contact_restored(self, e: ContactRestored) -> None:
        if self._set is not None:
            self._set.restored(e.contact, self._now)
        if e.contact in self._cues:
            self._cues = tuple(c for c in self._cues if c != e.contact)
            if not self._cues:
                self._note, self._note_until = "back", self._now + BACK_NOTE_S

    def on_other(self, e: Event) -> None:
        """The plan's events (device/core/plan.py): what a set did to the plan, on its summary."""
        if isinstance(e, (PlanSet, PlanStageChanged)):
            self.on_plan_event(e)

    def on_plan_event(self, e: PlanSet | PlanStageChanged) -> None:
        """The set just ended, as the plan saw it: its note, and the stage it moved to."""
        s = self._summary
        if s is None or s.athlete != e.athlete:
            return
        if isinstance(e, PlanSet):
            self._summary = replace(s, plan_note=e.note)
        elif e.by == "box":
            self._summary = replace(s, plan_moved=f"{e.from_stage} -> {e.to_stage}")

    def on_loss_withdrawn(self, e: LossWithdrawn) -> None:
        """A loss the detector takes back (the pads left together: the dowel came off) is neither
        counted nor cued any more."""
        if self._set is not None:
            self._set.withdrawn(e.contact)
        self._cues = tuple(c for c in self._cues if c != e.contact)

    def on_set_ended(self, e: SetEnded) -> None:
        self._set_over()
        self.on_input(Input.ENDED)

    def on_dowel_removed(self, e: DowelRemoved) -> None:
        self._set_over()
        self.on_input(Input.REMOVED)

    def _set_over(self) -> None:
        """The set's summary, if it is worth keeping (an empty set leaves none, and no number)."""
        cur, self._set = self._set, None
        self._summary = None
        if cur is not None and cur.worth_keeping(self._now):
            self._summary = cur.summary(self._now)
            self._sets_done[cur.athlete] = max(self._sets_done.get(cur.athlete, 0), cur.set_no)
        self._appliance = NO_DOWEL
        self._live["current_rep"] = None
        self._cues, self._note = (), ""

    def on_sensor_fault(self, e: SensorFault) -> None:
        view = fault_view(e)
        self._faults = {k: v for k, v in self._faults.items() if k[0] != view.sensor}
        self._faults[view.key] = view
        self.on_input(Input.FAULT)

    def on_sensor_ok(self, e: SensorOk) -> None:
        sensor = e.part
        self._faults = {k: v for k, v in self._faults.items() if k[0] != sensor}

    # -- inputs and presses ------------------------------------------------------------------
    def on_input(self, inp: Input) -> None:
        """Something the box noticed (an event above, a stick, an export's end) on the screen shown."""
        menu, _ = step(self._menu, inp, self.build())
        self._set_menu(menu)

    def press(self, word: str, basis: ViewModel | None = None) -> list[Command]:
        """A button press, read against `basis`: the frame that was on the screen when it came.

        A press that means nothing there changes nothing (so a screen that
        moved on meanwhile stays where it went); otherwise its result stands.
        Any press also clears the notice it has had a chance to read.
        """
        shown = basis if basis is not None else self.build()
        if basis is not None and basis is self._pressed_on and basis.menu.screen is not None \
                and self._menu.screen == basis.menu.screen:
            # Pressed again before the frame after the last press was drawn, on a menu that press
            # left open: the person meant to go on from there (two quick B's on the letter wheel
            # are two letters on), and nothing but this menu's own cursor has moved meanwhile.
            shown = replace(basis, menu=self._menu)
        self._pressed_on = basis
        menu, commands = step(shown.menu, word, shown)
        self._last_press = self._now
        if menu != shown.menu or commands:
            self._set_menu(menu)
        if self._notice:
            self._notice = ""
            self._stale = True
        return commands

    def _set_menu(self, menu: MenuState) -> None:
        if menu != self._menu:
            self._menu = menu
            self._stale = True
            self._last_press = self._now  # a screen just opened counts its idle time from now

    # -- live glance -----------------------------------------------------------------------
    def on_tick(self, now: float, detector: Detector, last_sample: Sample | None = None) -> None:
        """Glance at the detector's live state (read only) before a frame.

        `now` is on the events' clock (the last sample's `t`). Reading from the
        main thread while the sampler writes is safe here: single attributes
        are read, and a frame that mixes two samples is invisible.
        """
        self._now = max(self._now, now)
        seen, ratios, pitch = glance(detector, last_sample)
        if seen != self._glance:
            self._glance = seen
            self._take_glance(seen)
        self.target_deg = float(round(detector.rep_target_deg))  # the athlete's own, as it is learnt
        if self._set is not None and detector.state == READY and last_sample is not None:
            self._set.record(float(last_sample.t), ratios, pitch)
        if self._note and self._now >= self._note_until:
            self._note = ""
            self._stale = True
        if self._menu.screen is not None and self._now - self._last_press >= MENU_IDLE_S:
            self.on_input(Input.IDLE)

    def _take_glance(self, seen: tuple[Any, ...]) -> None:
        """The live values of a glance that differs from the last: the model is stale."""
        self._appliance, contacts, has_imu, paused, calibration, current_rep, phase, pitch = seen
        self._contacts = tuple(ContactView(name, LABELS[name], *rest) for name, *rest in contacts)
        self._live.update(has_imu=has_imu, paused=paused, calibration=calibration,
                          current_rep=current_rep, phase=phase, pitch=pitch)
        self._stale = True

    # -- from the app ---------------------------------------------------------------------------
    @property
    def menu(self) -> MenuState:
        return self._menu

    def set_settings(self, settings: LiveSettings) -> None:
        self._settings = settings
        self._stale = True

    @property
    def schedule(self) -> str:
        """The cue schedule in force: the plan's (Feedback "plan") or the one set by hand."""
        return schedule_in_force(self._settings, self._plan)

    def set_plan(self, plan: PlanView) -> None:
        """The chosen athlete's plan (its depth target is the coach's goal; the tilt gauge shows the
        detector's rep target, what a rep must reach to count)."""
        self._plan = plan
        self._stale = True

    def set_progress(self, progress: ProgressView | None) -> None:
        """The progress screen's numbers (the store's, for the chosen athlete)."""
        self._progress = progress
        self._stale = True

    def set_athletes(self, names: Iterable[str], selected: str = "", sets_done: int | None = None) -> None:
        """The picker's names and the chosen athlete; `sets_done` their kept sets so far (store)."""
        self._athletes = tuple(names)
        self._athlete = selected
        if sets_done is not None:
            self._sets_done[selected] = max(self._sets_done.get(selected, 0), sets_done)
        self._stale = True

    def set_history(self, sets: Iterable[Mapping[str, Any]], more: bool = False) -> None:
        """A page of the chosen athlete's sets, newest first (keys: ui/menus.py `history_row`);
        `more`: older ones are in the store."""
        self._history = tuple(dict(s) for s in sets)
        self._history_more, self._history_loading = more, False
        self._stale = True

    def history_loading(self) -> None:
        """A page was asked for: History says so (and shows no rows) until it comes."""
        self._history, self._history_more, self._history_loading = (), False, True
        self._stale = True

    def set_storage(self, reason: str | None, held_reps: int = 0) -> None:
        """Sets are not being saved because of `reason` (the banner on every screen); None: they are."""
        self._storage = None if reason is None else storage_view(reason, held_reps)
        self._stale = True

    def set_past(self, summary: SummaryView | None) -> None:
        """The set opened from History."""
        self._past = summary
        self._stale = True

    def set_notice(self, text: str) -> None:
        """News for the coach, shown until the next press (athletes imported, a file moved aside)."""
        self._notice = text
        self._stale = True

    def set_export(self, state: str, progress: float = 0.0, message: str = "") -> None:
        if state not in EXPORT_STATES:
            raise ValueError(f"export state must be one of {', '.join(EXPORT_STATES)}, not {state!r}")
        self._export = ExportView(state, round(clamp(progress), 2), message)
        self._stale = True

    # -- the snapshot ----------------------------------------------------------------------
    def build(self) -> ViewModel:
        """The frame's model; the very same object as last time when nothing changed."""
        if self._stale or self._vm is None:
            vm = self._assemble()
            self.builds += 1
            self._stale = False
            if vm != self._vm:
                self._vm = vm
        return self._vm

    def _assemble(self) -> ViewModel:
        """A new model from everything the builder holds (`build` calls it only when stale)."""
        live = self._live
        return ViewModel(
            screen=self._screen(), appliance=self._appliance, contacts=self._contacts,
            set_no=self._set.set_no if self._set else 0, reps=self._set.reps if self._set else 0,
            clean_reps=self._set.clean if self._set else 0,
            current_rep=live["current_rep"], phase=live["phase"], pitch_deg=live["pitch"],
            target_deg=self.target_deg, has_imu=live["has_imu"],
            calibration=live["calibration"], paused=live["paused"],
            cues=self._cues, note=self._note, last_rep=self._last_rep,
            summary=self._summary, past=self._past, faults=tuple(self._faults.values()),
            settings=self._settings, menu=self._menu, athletes=self._athletes,
            athlete=self._athlete, history=self._history, history_more=self._history_more,
            history_loading=self._history_loading, export=self._export,
            notice=self._notice, storage=self._storage, simulator=self.simulator, plan=self._plan,
            progress=self._progress)

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
        s = self._summary
        if s is not None and (s.athlete, s.set_no) != menu.summary_dismissed:
            return Screen.SUMMARY
        return Screen.PLACE
