"""The learning plan wired into the box: each athlete's plan picks each set's cues, and each set moves it.

Why a module of its own: the plan (device/core/plan.py) is pure, and the
appliance's main loop should only hand on events and commands. What this
does, on the main loop's thread:

- when an athlete is chosen, their plan is loaded from the store (or started:
  learn, with the box's default depth target); the guest is anyone, so the
  box keeps no plan for it and cues every fault;
- between sets, the schedule the plan gives the athlete's stage is applied on
  the sampler's thread (a faded set starts its own ramp: `reset_session`);
- when a set begins, what it runs under is noted (whose, which stage, which
  schedule), and the recorder is told the schedule, so the set's row says
  what it really ran with;
- when a set worth keeping ends, the plan scores it (`after_set`); the
  `plan_set` and `plan_stage` lines are logged and shown at once, and the set's
  plan columns, the athlete's new state and its stage changes are handed to
  the recorder, which commits them in one transaction with the set's id
  (device/store/plans.py);
- the coach's commands: a stage or the next depth target set by hand, and
  the progress screen's numbers.

Feedback set by hand in Settings wins over the plan for every athlete until
it is set back to "plan"; a set run so (or one whose schedule or stage was
changed while it ran) is logged and moves nothing, so it is never a
retention test (docs/adr/0027-the-plan-on-the-box-and-feedback-by-hand.md).
"""
from __future__ import annotations

import dataclasses
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from device.app.progress import load_progress
from device.core.cues import CuesConfig
from device.core.detector import Detector
from device.core.events import DowelRemoved, Event, EventHandler, Ready, RepCompleted, SetEnded
from device.core.plan import SCHEDULE_OF, Plan, PlanConfig, PlanState, SetSummary, Stage, next_target
from device.core.settings import PLAN, LiveSettings
from device.store.athletes import Athlete
from device.store.errors import StoreError
from device.store.plans import load_state, record_change, record_set
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from device.view.commands import LoadProgress, NextTarget, PlanCommand, SetStage
from device.view.model import PlanView

log = logging.getLogger("smartdowel.app")
HAND_PARAMS = ("faded_start", "faded_end", "faded_over_reps", "bandwidth_s")  # a schedule set by hand: [cues]'s
GUEST_ADVICE = "The guest has no learning plan: every fault is cued. Choose an athlete for one."
Schedule = tuple[str, dict[str, Any]]


class Live(Protocol):
    def request(self, command: Callable[[Detector, float], list[Event]]) -> None: ...


class Policy(Protocol):
    def set_schedule(self, schedule: str, **params: Any) -> None: ...
    def reset_session(self) -> None: ...


class Storage(Protocol):
    """The store as the storage supervisor gives it (device/app/storage.py): None until it opens."""

    store: Store | None


class Recorder(Protocol):
    def set_settings(self, settings: LiveSettings) -> None: ...
    def attach(self, write: Callable[[Store, int], None]) -> None: ...


@dataclass
class _SetRun:
    """A set in progress as the coach noted it when it began."""

    athlete_id: int
    athlete: str
    state: PlanState | None  # None: the guest
    schedule: str
    by_plan: bool
    reps: list[tuple[float | None, bool]] = field(default_factory=list)
    changed: bool = False  # the schedule changed while it ran


class Coach(EventHandler[None]):
    """The chosen athlete's plan, applied before each set and moved after it."""

    def __init__(self, plan_cfg: PlanConfig, cues: CuesConfig, default_target: float, storage: Storage, live: Live,
                 policy: Policy, recorder: Recorder, view: ViewModelBuilder, log_event: Callable[[Event], None],
                 clock: Callable[[], float], now: Callable[[], float]) -> None:
        self.cfg, self.cues, self.default_target = plan_cfg, cues, default_target
        self.storage, self.live, self.policy, self.recorder, self.view = storage, live, policy, recorder, view
        self.log_event, self.clock, self.now = log_event, clock, now
        self.settings = LiveSettings()
        self.athlete: Athlete | None = None
        self.plan = Plan(plan_cfg)
        self.state: PlanState | None = None
        self._applied: Schedule | None = None
        self._run: _SetRun | None = None
        self._reset_due = True

    # -- who, and how the box is set -------------------------------------------------------------
    def choose(self, athlete: Athlete) -> None:
        """The athlete of the next set (the set in progress keeps its own): their plan, loaded or begun."""
        if self.athlete is not None and self.athlete.id == athlete.id:
            self.athlete = athlete  # renamed: the same plan
            self.plan = Plan(self.cfg, athlete=athlete.name)
            self._show()
            return
        self.athlete = athlete
        self.plan = Plan(self.cfg, athlete=athlete.name)
        self.state = None if athlete.is_guest else (
            self._saved_state(athlete) or self.plan.start(self.default_target, self._day()))
        self._reset_due = True
        self._next_set()

    def _saved_state(self, athlete: Athlete) -> PlanState | None:
        """The athlete's plan as the store keeps it (None: not begun, or the store not open or unreadable)."""
        store = self.storage.store
        if store is None:
            return None
        try:
            return load_state(store, athlete.id)
        except (StoreError, sqlite3.Error) as exc:
            log.error("smartdowel: %s's plan could not be read: %s", athlete.name, exc)
            return None

    def settings_changed(self, settings: LiveSettings) -> None:
        """Feedback, mute... changed in Settings (or loaded at start): applied at once, set running or not."""
        self.settings = settings
        self._apply(reset=False)
        self._record_settings()

    @property
    def schedule(self) -> str:
        """The cue schedule in force now."""
        return self._applied[0] if self._applied else self._schedule()[0]

    # -- events (the main loop's, in order) -------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """Every event the main loop takes, after the screen and before the recorder has it."""
        event.accept(self)

    def on_ready(self, e: Ready) -> None:
        athlete = self.athlete
        if athlete is None:
            return
        self._run = _SetRun(athlete.id, athlete.name, self.state, self.schedule, self.settings.schedule == PLAN)
        self._record_settings()  # before the recorder hears of the set: its row gets this schedule

    def on_rep_completed(self, e: RepCompleted) -> None:
        if self._run is not None:
            self._run.reps.append((e.depth_deg, not e.faults))

    def on_set_ended(self, e: SetEnded) -> None:
        self._set_over(e.t)

    def on_dowel_removed(self, e: DowelRemoved) -> None:
        self._set_over(e.t)

    def _set_over(self, t: float) -> None:
        """Score a set worth keeping (the screen's rule: it has a summary), then ready the next."""
        run, self._run = self._run, None
        if run is not None and run.state is not None and self.view.build().summary is not None:
            self._score(run, t)
        self._next_set()

    def _score(self, run: _SetRun, t: float) -> None:
        assert run.state is not None
        same = self.athlete is not None and self.athlete.id == run.athlete_id
        state = self.state if same and self.state is not None else run.state
        planned = run.by_plan and not run.changed and state.stage is run.state.stage
        summary = SetSummary(datetime.fromtimestamp(self.clock()), tuple(run.reps),
                             retention=planned and run.schedule == SCHEDULE_OF[Stage.TEST], t=t, planned=planned)
        plan = self.plan if same else Plan(self.cfg, athlete=run.athlete)
        after, events = plan.after_set(state, summary)
        for event in events:
            self.log_event(event)
            self.view.on_event(event)
        ran_in, at, athlete_id = run.state, self.clock(), run.athlete_id
        self.recorder.attach(lambda store, set_id: record_set(store, set_id, athlete_id, ran_in, after, events, at))
        if same:
            self.state = after

    # -- the coach's commands ---------------------------------------------------------------------
    def do(self, command: PlanCommand) -> str:
        """Carry out a Plan or Progress command; '' or why not (for the notice)."""
        if isinstance(command, LoadProgress):
            return self._load_progress()
        if self.state is None or self.athlete is None:
            return GUEST_ADVICE
        events: list[Event] = []
        if isinstance(command, SetStage):
            new, events = self.plan.override(self.state, command.stage, datetime.fromtimestamp(self.clock()),
                                             t=self.now())
        elif isinstance(command, NextTarget):
            new = self.plan.set_target(self.state, next_target(self.state.depth_target_deg))
        else:
            return ""
        store = self.storage.store
        if store is None:
            return "The plan could not be saved (sets are not being saved): nothing was changed."
        try:
            record_change(store, self.athlete.id, new, events, self.clock())
        except (StoreError, sqlite3.Error, OSError) as exc:
            return f"The plan could not be saved ({exc}): nothing was changed."
        self.state = new
        for event in events:
            self.log_event(event)
            self.view.on_event(event)
        self._next_set()
        return ""

    def _load_progress(self) -> str:
        store = self.storage.store
        if self.athlete is None or store is None:
            return "" if self.athlete is None else "Progress cannot be read: the store is not open."
        try:
            self.view.set_progress(load_progress(store, self.athlete))
        except (StoreError, sqlite3.Error) as exc:
            return f"Progress could not be read: {exc}"
        return ""

    # -- applying the schedule ----------------------------------------------------------------------
    def _next_set(self) -> None:
        """The next set's schedule, applied between sets (a change while a set runs waits for its end)."""
        self._show()
        if self._run is not None:
            return
        self._apply(reset=self._reset_due or self.settings.schedule == PLAN, force=True)
        self._reset_due = False

    def _schedule(self) -> Schedule:
        if self.settings.schedule != PLAN:
            return self.settings.schedule, {k: getattr(self.cues, k) for k in HAND_PARAMS}
        if self.state is None:
            return SCHEDULE_OF[Stage.LEARN], {}
        return self.plan.schedule_for(self.state)

    def _apply(self, reset: bool, force: bool = False) -> None:
        """Set the cue policy's schedule on the sampler's thread (a faded plan set: its ramp anew)."""
        schedule, params = self._schedule()
        if not force and (schedule, params) == self._applied:
            return
        if self._run is not None and (schedule, params) != self._applied:
            self._run.changed = True
        self._applied = (schedule, params)
        policy, reset = self.policy, reset and schedule == "faded"

        def command(detector: Detector, t: float) -> list[Event]:
            policy.set_schedule(schedule, **params)
            if reset:
                policy.reset_session()
            return []
        self.live.request(command)
        self._show()

    def _record_settings(self) -> None:
        """The recorder keeps the schedule in force, never the word "plan"."""
        self.recorder.set_settings(dataclasses.replace(self.settings, schedule=self.schedule))

    def _show(self) -> None:
        by_hand = self.settings.schedule != PLAN
        if self.state is None:
            view = PlanView(target_deg=self.default_target, advice=GUEST_ADVICE, by_hand=by_hand)
        else:
            view = PlanView(str(self.state.stage), self.state.depth_target_deg, self.plan.schedule_for(self.state)[0],
                            self.plan.suggestion(self.state, short=True), self.state.since, by_hand)
        self.view.set_plan(view)

    def _day(self) -> str:
        return datetime.fromtimestamp(self.clock()).date().isoformat()
