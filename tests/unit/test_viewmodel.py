"""The view model: events and live glances in, the snapshot the screen draws out."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from support.signals import ev
from device.core.settings import LiveSettings as Settings
from device.view.builder import BACK_NOTE_S, ViewModelBuilder
from device.view.navigation import MENU_IDLE_S
from device.view.model import CUES, FAULT, IN_CONTACT, LOST, WAITING
from device.view.setlog import SERIES_MAX, baseline_bar, presence_bar

# The design's event lines for one short set (README "Events").
RECORDED = [
    {"t": 3.1, "type": "ready", "standing_deg": 4.2, "baseline_us": {}},
    {"t": 7.42, "type": "rep_started", "rep": 1},
    {"t": 8.06, "type": "contact_lost", "contact": "sacrum", "cause": "spinal_flexion", "rep": 1,
     "phase": "bottom"},
    {"t": 8.61, "type": "contact_restored", "contact": "sacrum", "rep": 1, "phase": "ascent"},
    {"t": 9.90, "type": "rep_completed", "rep": 1, "depth_deg": 71.5, "duration_s": 2.48,
     "descent_s": 1.1, "bottom_s": 0.3, "ascent_s": 1.08, "faults": ["sacrum"]},
    {"t": 11.0, "type": "rep_started", "rep": 2},
    {"t": 13.2, "type": "rep_completed", "rep": 2, "depth_deg": 58.5, "duration_s": 2.2,
     "descent_s": 0.9, "bottom_s": 0.5, "ascent_s": 0.8, "faults": []},
    {"t": 14.0, "type": "rep_discarded", "rep": 3, "depth_deg": 20.0, "reason": "shallow"},
    {"t": 31.2, "type": "dowel_removed", "reps": 2},
]


@dataclass
class Tracker:
    name: str
    state: str = IN_CONTACT
    m3: float = 0.0
    baseline: float = 0.0


@dataclass
class Cfg:
    present_siemens: float = 1.0e-5
    calibrate_s: float = 0.7


@dataclass
class Reps:
    current_rep: int | None = None
    phase: str = "standing"
    standing: float | None = None


@dataclass
class FakeDetector:
    """The attributes the builder reads, nothing else."""

    state: str = "no_dowel"
    has_imu: bool = True
    cfg: Cfg = field(default_factory=Cfg)
    reps: Reps = field(default_factory=Reps)
    contacts: list = field(default_factory=lambda: [Tracker(n) for n in ("head", "upper_back", "sacrum")])
    paused: bool = False
    cal_start: float = 0.0
    rep_target_deg: float = 35.0

    def pressure_ratios(self) -> list[float]:
        return [k.m3 / k.baseline if k.baseline > 0 else 0.0 for k in self.contacts]

    def calibration_progress(self, t: float) -> float:
        if self.state == "ready":
            return 1.0
        done = (t - self.cal_start) / self.cfg.calibrate_s
        return min(1.0, max(0.0, done)) if self.state == "calibrating" else 0.0


@dataclass
class S:
    t: float
    pitch: float | None = None


def feed(b: ViewModelBuilder, events) -> None:
    for e in events:
        b.on_event(ev(e))


def test_recorded_set_gives_counts_tempo_and_summary():
    b = ViewModelBuilder()
    feed(b, RECORDED[:5])
    vm = b.build()
    assert (vm.screen, vm.reps, vm.clean_reps) == ("live", 1, 0)
    assert vm.last_rep.depth_deg == 71.5 and vm.last_rep.faults == ("sacrum",)
    assert (vm.last_rep.descent_s, vm.last_rep.bottom_s, vm.last_rep.ascent_s) == (1.1, 0.3, 1.08)
    feed(b, RECORDED[5:])
    vm = b.build()
    s = vm.summary
    assert vm.screen == "summary" and vm.appliance == "no_dowel"
    assert (s.set_no, s.reps, s.clean_reps) == (1, 2, 1)
    assert dict(s.losses) == {"head": 0, "upper_back": 0, "sacrum": 1}
    assert s.mean_depth_deg == 65.0
    assert s.tempo_s == (1.0, 0.4, 0.94)
    assert s.series.losses == (("sacrum", 8.06, 8.61),)
    assert s.series.reps == ((7.42, 9.9), (11.0, 13.2))
    assert s.duration_s == pytest.approx(28.1)


def test_cue_words_are_short_one_wording_and_clear_when_the_contact_is_back():
    """Finding 9: the banner went 3 s after the contact was back, while the figure was all green."""
    assert {c: words[0] for c, words in CUES.items()} == {
        "head": "Head off", "upper_back": "Upper back off", "sacrum": "Sacrum off"}  # finding 14
    b = ViewModelBuilder()
    feed(b, RECORDED[:3])
    assert b.build().cues == ("sacrum",)
    feed(b, RECORDED[3:4])  # back at 8.61
    vm = b.build()
    assert vm.cues == () and vm.note == "back"
    b.on_tick(8.61 + BACK_NOTE_S + 0.01, FakeDetector(state="ready"), S(9.7))
    assert b.build().note == ""


def test_two_contacts_off_are_both_named_until_each_is_back():
    b = ViewModelBuilder()
    feed(b, RECORDED[:3] + [{"t": 8.2, "type": "contact_lost", "contact": "head", "cause": "cervical_flexion"}])
    assert b.build().cues == ("sacrum", "head")
    feed(b, [{"t": 8.4, "type": "contact_restored", "contact": "sacrum"}])
    assert b.build().cues == ("head",) and b.build().note == ""


def test_a_shallow_dip_says_so_unless_silenced():
    b = ViewModelBuilder()
    feed(b, RECORDED[:1] + [{"t": 5.0, "type": "rep_discarded", "rep": 1, "depth_deg": 12.0}])
    assert b.build().note == "shallow"
    quiet = ViewModelBuilder(settings=Settings(dip_note=False))
    feed(quiet, RECORDED[:1] + [{"t": 5.0, "type": "rep_discarded", "rep": 1, "depth_deg": 12.0}])
    assert quiet.build().note == ""


def test_the_hint_goes_when_the_first_rep_starts_and_angles_read_upright():
    b = ViewModelBuilder()
    feed(b, RECORDED[:2])
    assert b.build().current_rep == 1
    det = FakeDetector(state="ready", reps=Reps(standing=5.0))
    b.on_tick(7.5, det, S(7.5, pitch=-7.0))  # leaning back past standing
    assert b.build().pitch_deg == 0.0


def test_a_loss_withdrawn_by_the_detector_is_neither_counted_nor_cued():
    from device.core.events import LossWithdrawn
    b = ViewModelBuilder()
    feed(b, RECORDED[:3])
    b.on_event(LossWithdrawn(8.1, "sacrum", lost_t=8.06))
    feed(b, [{"t": 9.0, "type": "set_ended", "reps": 0}])
    assert b.build().cues == () and b.build().summary is None


def test_retention_schedule_withholds_the_cue_but_counts_the_loss():
    b = ViewModelBuilder(settings=Settings(schedule="retention"))
    feed(b, RECORDED[:3])
    assert b.build().cues == ()
    feed(b, RECORDED[3:])
    assert dict(b.build().summary.losses)["sacrum"] == 1


def test_sensor_fault_screen_words_and_recovery():
    b = ViewModelBuilder()
    b.on_event(ev({"t": 1.0, "type": "sensor_fault", "contact": "head", "reason": "shorted"}))
    vm = b.build()
    assert vm.screen == "fault"
    f = vm.faults[0]
    assert (f.sensor, f.label, f.reason) == ("head", "Head sensor", "shorted")
    assert "head" in f.check
    b.on_event(ev({"t": 2.0, "type": "sensor_ok", "contact": "head"}))
    assert b.build().faults == () and b.build().screen == "place"


def test_a_set_starting_keeps_the_menu_open_and_marks_it_running():
    """Finding 1: the menu vanished on `ready` and the A meant as Back ended the new set."""
    b = ViewModelBuilder()
    b.press("b")  # menu, on the place screen
    shown = b.press("a", b.build()) or b.build()  # Back
    b.press("b")
    b.press("b")  # History highlighted
    before = b.build()
    feed(b, [{"t": 3.1, "type": "ready"}])  # a set starts behind the menu
    vm = b.build()
    assert vm.screen == "menu" and vm.set_running and vm.menu.cursor == before.menu.cursor
    assert shown is not None


def test_a_press_means_what_the_screen_showed():
    """The frame drawn was the summary (A: next set); a set started meanwhile: A must not end it."""
    b = ViewModelBuilder()
    feed(b, RECORDED[:5] + [{"t": 14.0, "type": "set_ended", "reps": 1}])
    drawn = b.build()
    assert drawn.screen == "summary"
    feed(b, [{"t": 20.0, "type": "ready"}])
    from device.view.commands import EndSet, StartSet
    assert b.press("a", drawn) == [StartSet()]  # does nothing to a running set (app: paused only)
    assert EndSet() not in b.press("a", drawn)


def test_quick_presses_on_one_menu_each_count_but_never_across_a_screen_change():
    """Two B's pressed before the next frame is drawn (a quick double tap; a slow main loop) on
    the letter wheel or a list are two steps on, not one; a press that changed the screen is
    never followed this way: the second press still means what the drawn screen showed."""
    b = ViewModelBuilder(athletes=("Guest", "Sam"), athlete="Guest")
    b.press("b")  # place -> menu
    menu = b.build()
    assert menu.screen == "menu" and menu.menu.cursor == 0
    b.press("b", menu)
    b.press("b", menu)  # both read against the same frame
    assert b.build().menu.cursor == 2
    name = b.build()
    b.press("a", name)  # Athlete: opens the list (the screen changes)
    b.press("a", name)  # pressed on the menu's frame: opens the Athlete list again, nothing more
    assert b.build().screen == "athletes" and b.build().menu.cursor == 0


def test_menus_time_out_after_the_stated_idle_time():
    b = ViewModelBuilder()
    b.on_tick(1.0, FakeDetector(), S(1.0))
    b.press("b")
    b.on_tick(1.0 + MENU_IDLE_S - 1, FakeDetector(), S(60.0))
    assert b.build().screen == "menu"
    b.on_tick(1.0 + MENU_IDLE_S + 0.1, FakeDetector(), S(61.2))
    assert b.build().screen == "place"


def test_the_summary_keeps_its_athlete_and_numbers_per_athlete():
    """Findings 3 and 11: choosing an athlete relabelled a set done; numbers counted per power-on."""
    b = ViewModelBuilder(athletes=("Guest", "Sam"), athlete="Guest", sets_done=4)
    feed(b, RECORDED)
    assert (b.build().summary.athlete, b.build().summary.set_no) == ("Guest", 5)
    b.set_athletes(("Guest", "Sam"), "Sam", sets_done=0)
    assert (b.build().summary.athlete, b.build().summary.set_no) == ("Guest", 5)
    feed(b, RECORDED)
    assert (b.build().summary.athlete, b.build().summary.set_no) == ("Sam", 1)


def test_an_empty_set_leaves_no_summary_and_no_number():
    """Finding 10: an empty set re-showed the previous summary and took a number."""
    b = ViewModelBuilder(athlete="Guest")
    feed(b, RECORDED)
    assert b.build().summary.set_no == 1
    feed(b, [{"t": 40.0, "type": "ready", "standing_deg": 4.0}, {"t": 52.0, "type": "set_ended", "reps": 0}])
    assert b.build().summary is None and b.build().screen == "place"
    feed(b, RECORDED)
    assert b.build().summary.set_no == 2
    assert b.build().summary.has_imu  # "no reps counted", not "No tilt sensor"


def test_placing_pressures_are_relative_to_the_touching_threshold():
    b = ViewModelBuilder()
    det = FakeDetector(state="placing")
    det.contacts[0].m3 = 1.0e-5  # exactly at the threshold
    det.contacts[1].m3 = 1.0e-3  # 100x: a firm press
    det.contacts[2].m3 = 2.0e-6
    b.on_tick(1.0, det, S(1.0))
    vm = b.build()
    head, back, sacrum = vm.contacts
    assert (head.state, back.state, sacrum.state) == (IN_CONTACT, IN_CONTACT, WAITING)
    assert head.bar == 0.5 and back.bar == 1.0 and 0.0 < sacrum.bar < 0.5
    assert back.pressure == 100.0


def test_live_pressures_are_relative_to_the_baseline_and_states_come_from_the_detector():
    b = ViewModelBuilder()
    det = FakeDetector(state="ready")
    for k, (m3, state) in zip(det.contacts, ((3e-4, IN_CONTACT), (0.0, LOST), (5e-4, FAULT))):
        k.m3, k.baseline, k.state = m3, 3e-4, state
    det.reps = Reps(current_rep=2, phase="bottom", standing=4.0)
    b.on_tick(5.0, det, S(5.0, pitch=52.4))
    vm = b.build()
    assert [c.state for c in vm.contacts] == [IN_CONTACT, LOST, FAULT]
    assert vm.contacts[0].pressure == 1.0 and vm.contacts[0].bar == 0.5
    assert vm.contacts[1].bar == 0.0 and vm.contacts[2].bar == 0.0
    assert (vm.current_rep, vm.phase, vm.pitch_deg) == (2, "bottom", 48.0)


def test_calibration_progress_and_shorted_inputs_do_not_break_numbers():
    b = ViewModelBuilder()
    det = FakeDetector(state="calibrating", cal_start=10.0)
    det.contacts[0].m3 = float("inf")  # a shorted input reads infinite conductance
    b.on_tick(10.35, det, S(10.35))
    vm = b.build()
    assert vm.calibration == 0.5 and vm.contacts[0].bar == 1.0


def test_steady_scene_builds_the_same_object_and_a_real_change_a_new_one():
    b = ViewModelBuilder()
    det = FakeDetector(state="ready")
    for k in det.contacts:
        k.m3 = k.baseline = 3e-4
    det.reps = Reps(standing=4.0)
    b.on_tick(5.0, det, S(5.0, pitch=20.1))
    first = b.build()
    det.contacts[0].m3 = 3.001e-4  # noise well below a bar step
    b.on_tick(5.01, det, S(5.01, pitch=20.2))  # and tilt within the same degree
    assert b.build() is first
    b.on_tick(5.02, det, S(5.02, pitch=30.0))
    assert b.build() is not first and b.build().pitch_deg == 26.0


def test_an_uneventful_set_has_no_summary_and_losses_outside_a_set_are_ignored():
    b = ViewModelBuilder()
    b.on_event(ev({"t": 0.0, "type": "ready"}))
    b.on_event(ev({"t": 5.0, "type": "set_ended", "reps": 0}))
    b.on_event(ev({"t": 6.0, "type": "contact_lost", "contact": "head"}))
    vm = b.build()
    assert vm.summary is None and vm.screen == "place"


def test_series_decimates_and_keeps_the_whole_set():
    b = ViewModelBuilder()
    b.on_event(ev({"t": 0.0, "type": "ready"}))
    det = FakeDetector(state="ready")
    for k in det.contacts:
        k.m3 = k.baseline = 3e-4
    det.reps = Reps(standing=4.0)
    for i in range(30000):
        t = i * 0.02
        b.on_tick(t, det, S(t, pitch=4.0))
    b.on_event(ev({"t": 600.0, "type": "rep_completed", "rep": 1, "depth_deg": 50.0, "faults": []}))
    b.on_event(ev({"t": 600.0, "type": "set_ended", "reps": 1}))
    series = b.build().summary.series
    assert SERIES_MAX // 2 <= len(series.t) <= SERIES_MAX
    assert series.t[0] == 0.0 and series.t[-1] > 590.0
    assert all(len(v) == len(series.t) for _, v in series.pressure)


def test_bars():
    assert presence_bar(1.0) == 0.5 and presence_bar(float("nan")) == 0.0
    assert baseline_bar(1.0) == 0.5 and baseline_bar(5.0) == 1.0


def test_export_state_is_checked():
    b = ViewModelBuilder()
    b.set_export("writing", 0.5, "set 2 of 4")
    assert b.build().export.progress == 0.5
    with pytest.raises(ValueError):
        b.set_export("copying")


def test_simulated_set_through_the_real_detector():
    """End to end: simulated athlete -> Detector -> builder; the summary matches the truth."""
    from device.app.hardware import simulate_trace
    from device.cli.examples import SCENARIO, run_set
    truth = simulate_trace(SCENARIO).truth
    b, got = run_set(wants={})
    s = b.build().summary
    faulty_reps = {f["rep"] for f in truth["faults"]}
    assert s.reps == len(truth["reps"]) == 6
    assert s.clean_reps == s.reps - len(faulty_reps)
    lost = dict(s.losses)
    for contact in ("head", "upper_back", "sacrum"):
        assert lost[contact] == sum(f["contact"] == contact for f in truth["faults"])
    assert {c for c, _, _ in s.series.losses} == {"sacrum", "head"}
    assert s.series.pitch is not None and max(s.series.pitch) > 45


def test_losses_withdrawn_at_removal_are_out_of_the_summary_and_the_cue():
    b = ViewModelBuilder()
    feed(b, RECORDED[:5])  # one real sacrum fault in rep 1
    feed(b, [{"t": 30.9, "type": "contact_lost", "contact": "upper_back", "cause": "squatting"},
             {"t": 30.98, "type": "contact_lost", "contact": "head", "cause": "cervical_flexion"}])
    assert b.build().cues == ("upper_back", "head")
    feed(b, [{"t": 31.2, "type": "loss_withdrawn", "contact": "upper_back", "reason": "dowel_removed",
              "lost_t": 30.9},
             {"t": 31.2, "type": "loss_withdrawn", "contact": "head", "reason": "dowel_removed", "lost_t": 30.98}])
    assert b.build().cues == ()
    feed(b, [{"t": 31.2, "type": "dowel_removed", "reps": 1}])
    s = b.build().summary
    assert dict(s.losses) == {"head": 0, "upper_back": 0, "sacrum": 1}
    assert s.series.losses == (("sacrum", 8.06, 8.61),)


def test_a_model_is_assembled_only_when_something_changed_and_equals_a_fresh_one():
    """Every sample of a simulated set, then presses and the app's setters: the model handed out is
    always what assembling afresh gives, and it is assembled far less often than asked for."""
    from device.cli.examples import ATHLETES, HISTORY, run_set
    b = ViewModelBuilder(simulator=True, athlete="Alex")
    asked = []

    def check(vm):
        assert vm == b._assemble()
        asked.append(vm)
        return False
    run_set(wants={"every sample": check}, builder=b)
    steps = [lambda: b.set_athletes(ATHLETES, "Sam", sets_done=3), lambda: b.set_history(HISTORY),
             lambda: b.set_notice("3 athletes added"), lambda: b.set_export("writing", 0.4),
             lambda: b.set_settings(Settings(mute=True)), lambda: b.set_past(b.build().summary),
             lambda: setattr(b, "target_deg", 41.0)]
    steps += [lambda w=w: b.press(w, b.build()) for w in "b b b a b a b b a a b".split()]
    for act in steps:
        before = b.build()
        act()
        assert b.build() == b._assemble(), act
        assert b.build() is b.build()
        asked.append(before)
    assert b.builds < len(asked)  # within a set the quantised pressures change at most samples


def test_a_steady_scene_builds_no_model():
    """Glances that find the same quantised values, turn after turn: the same object, nothing assembled."""
    b = ViewModelBuilder()
    det = FakeDetector(state="ready")
    b.on_event(ev({"t": 1.0, "type": "ready"}))
    b.on_tick(1.0, det, S(1.0, pitch=3.0))
    first = b.build()
    builds = b.builds
    for i in range(200):
        b.on_tick(1.0 + i * 0.015, det, S(1.0 + i * 0.015, pitch=3.0))
        assert b.build() is first
    assert b.builds == builds
    det.reps.current_rep = 1
    b.on_tick(5.0, det, S(5.0, pitch=3.0))
    assert b.build().current_rep == 1 and b.builds == builds + 1
