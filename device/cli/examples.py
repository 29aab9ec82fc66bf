"""Example view models of every screen, taken from a simulated set.

Why simulated and not hand-written: screenshots, tests and the benchmark
should show states the appliance really reaches, with the detector's own
numbers (pressures, tilt, tempo, the chart's series). So a simulated athlete
(the simulator's 'screens' preset) does a set, the real Detector watches it, and a
ViewModelBuilder is snapshotted at chosen moments. This is a development
tool: the running appliance never imports it.

    >>> models = examples()
    >>> models["live_cue"].cues, str(models["summary"].screen)
    (('sacrum',), 'summary')
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Callable

from device.app.hardware import simulate_trace
from device.core.detector import Detector
from device.core.events import SensorFault
from device.core.plan import Plan, PlanState, SetSummary, Stage
from device.core.settings import LiveSettings
from device.view.builder import ViewModelBuilder
from device.view.model import (FAULT, IN_CONTACT, LOST, WAITING, PlanView, ProgressView, Screen, SessionPoint,
                               ViewModel)
from device.view.storage import storage_view

SCENARIO = "screens"  # the simulated athlete's preset for these screens
ATHLETES = ("Alex", "Sam", "Jordan", "Priya", "Chris", "Mia", "Tomás")
HISTORY = tuple({"set_id": 40 - i, "number": 7 - i, "started_at": 1_764_000_000.0 - 86_400 * i,
                 "reps": 8 - i % 3, "clean_reps": 6 - i % 4} for i in range(7))

Want = Callable[[ViewModel], bool]

WANTS: dict[str, Want] = {
    "place": lambda vm: vm.appliance == "placing" and _touching(vm) == 2 and all(c.bar > 0 for c in vm.contacts),
    "calibrating": lambda vm: vm.screen == "calibrating" and vm.calibration >= 0.6,
    "live": lambda vm: vm.current_rep == 3 and (vm.pitch_deg or 0) >= 45 and not vm.cues,
    "live_cue": lambda vm: vm.cues == ("sacrum",) and (vm.pitch_deg or 0) >= 40
    and vm.contact("sacrum").state == LOST,
}


def _touching(vm: ViewModel) -> int:
    return sum(c.state == IN_CONTACT for c in vm.contacts)


def run_set(scenario: str = SCENARIO, wants: dict[str, Want] | None = None,
            builder: ViewModelBuilder | None = None) -> tuple[ViewModelBuilder, dict[str, ViewModel]]:
    """Feed a simulated set through Detector and builder; the first model each `want` accepts."""
    wants = WANTS if wants is None else wants
    trace = simulate_trace(scenario)
    detector = Detector(trace.chain)
    b = builder or ViewModelBuilder(simulator=True, athlete="Alex",
                                    settings=LiveSettings(schedule="every", volume=0.75))
    got: dict[str, ViewModel] = {}
    for sample in trace.samples:
        for event in detector.feed(sample):
            b.on_event(event)
        b.on_tick(sample.t, detector, sample)
        if len(got) < len(wants):
            vm = b.build()
            for name, want in wants.items():
                if name not in got and want(vm):
                    got[name] = vm
    return b, got


PLAN_STATE = PlanState(Stage.FADE, 45.0, window=((7, 8), (8, 8)), since="2026-11-24")


def _plan_view(state: PlanState) -> PlanView:
    plan = Plan(athlete="Alex")
    return PlanView(str(state.stage), state.depth_target_deg, plan.schedule_for(state)[0], plan.suggestion(state, True),
                    state.since)


def _progress() -> ProgressView:
    """Ten sessions of an athlete who improves: learn, fade, a failed and two passed tests, mastered."""
    stages = ("learn", "learn", "fade", "fade", "test", "fade", "test", "test", "mastered", "mastered")
    tests = {4: ("failed",), 6: ("passed",), 7: ("passed",)}
    sessions = tuple(SessionPoint(f"{3 + 2 * i} Nov", 32, 55.0 + 4.5 * i, 38.0 + 1.2 * i, 45.0, (1.2, 0.3, 1.0),
                                  stage, tests.get(i, ())) for i, stage in enumerate(stages))
    history = (("19 Nov", "test", "mastered", "box"), ("17 Nov", "fade", "test", "box"),
               ("13 Nov", "test", "fade", "box"), ("11 Nov", "fade", "test", "box"), ("7 Nov", "learn", "fade", "box"))
    return ProgressView("Alex", sessions, (("sacrum", "bottom", 14), ("upper_back", "descent", 6)), history, 41)


@lru_cache(maxsize=1)
def examples() -> dict[str, ViewModel]:
    """Every screen in its main states, keyed by a short name (used for file names)."""
    builder = ViewModelBuilder(simulator=True, athlete="Alex", settings=LiveSettings(volume=0.75))
    builder.set_plan(_plan_view(PLAN_STATE))
    b, got = run_set(builder=builder)
    _score(b)
    b.set_athletes(ATHLETES, "Alex")
    b.set_history(HISTORY)
    models = dict(got)
    if "place" not in models:  # the pads may press within one sample of each other
        models["place"] = replace(got["calibrating"], screen=Screen.PLACE, appliance="placing")
    models["idle"] = _idle(models["place"])
    models["summary"] = b.build()
    models["live_fault"] = _with_states(got["live"], {"upper_back": FAULT, "head": LOST})
    models.update(_menus(b))
    b.on_event(SensorFault(99.0, contact="upper_back", reason="shorted"))
    models["fault"] = b.build()
    full = storage_view("full", held_reps=3)
    models["live_not_saving"] = replace(got["live_cue"], storage=full)
    models["place_not_saving"] = replace(models["place"], storage=storage_view("read_only"))
    models["history_more"] = replace(models["history"], history_more=True,
                                     storage=storage_view("no_permission"))
    return models


def _score(b: ViewModelBuilder) -> None:
    """The set just done as the real plan scores it: enough good reps to move from fade to test."""
    summary = b.build().summary
    assert summary is not None
    depth = summary.mean_depth_deg or 50.0
    reps = ((depth, True),) * summary.clean_reps + ((depth, False),) * (summary.reps - summary.clean_reps)
    state, events = Plan(athlete="Alex").after_set(PLAN_STATE, SetSummary(datetime(2026, 11, 30, 16, 0), reps))
    for event in events:
        b.on_event(event)
    b.set_plan(_plan_view(state))


def _idle(vm: ViewModel) -> ViewModel:
    return _with_states(replace(vm, appliance="no_dowel"),
                        {"head": WAITING, "upper_back": WAITING, "sacrum": WAITING}, bar=0.0)


def _with_states(vm: ViewModel, states: dict[str, str], bar: float | None = None) -> ViewModel:
    contacts = tuple(replace(c, state=states.get(c.name, c.state),
                             bar=c.bar if bar is None else bar) for c in vm.contacts)
    return replace(vm, contacts=contacts)


def _walk(b: ViewModelBuilder, words: str) -> ViewModel:
    """Press the buttons as a person would ("b b a" ...), each on the frame before it."""
    for word in words.split():
        b.press(word, b.build())
    return b.build()


def _menus(b: ViewModelBuilder) -> dict[str, ViewModel]:
    out: dict[str, ViewModel] = {}
    out["menu"] = _walk(b, "b b b b")  # the menu, Settings highlighted
    out["settings"] = _walk(b, "a b b")
    out["history"] = _walk(b, "b b b a " + "b " * 5 + "a b")
    summary = b.build().summary
    assert summary is not None  # the example set has been walked to its summary
    out["past_set"] = replace(_walk(b, "a"), past=replace(summary, when="Mon 24 Nov 16:00"))
    out["athletes"] = _walk(b, "a " + "b " * 7 + "a b a b")
    out["name"] = replace(_walk(b, "b " * 6 + "a"), menu=replace(b.build().menu, text="Tom", cursor=18))
    _walk(b, "b " * 30 + "a")  # Cancel
    b.set_export("writing", 0.62, "Writing set 5 of 8. Do not remove the stick.")
    out["export_writing"] = _walk(b, "b " * 8 + "a b b b b a")
    b.set_export("done", 1.0, "8 sets on the stick in smartdowel-export-2026-11-30T16-05-12.")
    out["export_done"] = b.build()
    _walk(b, "a")
    b.set_progress(_progress())
    out["progress"] = _walk(b, "b b b b b a")
    out["progress_tempo"] = _walk(b, "b")
    out["progress_history"] = _walk(b, "b")
    out["plan"] = _walk(b, "a b a b")
    _walk(b, "b b b b a b b a")  # Back, then the menu's Back
    return out
