"""Cue patterns and the cue policy: pure logic, time from events, no sleeping."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device.core.patterns import (CONTACT_CUE_MAX_S, CONTACT_NAMES, DEFAULT_PATTERNS, PATTERN_NAMES, Note,
                                  Pattern, patterns_from_config)
from device.core.cues import CuePolicy, CuesConfig
from device.core.events import ContactLost, ContactRestored, Event, RepCompleted, RepStarted
from support.signals import ev


# -- helpers -----------------------------------------------------------------------------


def policy(seed: int = 0, **settings) -> CuePolicy:
    """A policy with these cue settings (the config's [cues] keys)."""
    return CuePolicy(CuesConfig(**settings), seed=seed)


def lost(t: float, contact: str, rep: int | None = None) -> Event:
    return ContactLost(t, contact, "x", rep=rep)


def restored(t: float, contact: str, rep: int | None = None) -> Event:
    return ContactRestored(t, contact, rep=rep)


def rep_started(t: float, rep: int) -> Event:
    return RepStarted(t, rep=rep)


def rep_completed(t: float, rep: int, faults: Sequence[str] = ()) -> Event:
    return RepCompleted(t, rep=rep, depth_deg=70.0, duration_s=2.0, faults=tuple(faults))


def faulty_reps(policy: CuePolicy, reps: int, contact: str = "sacrum") -> list[bool]:
    """Run `reps` reps, each losing `contact` once; which reps were cued."""
    out = []
    for r in range(1, reps + 1):
        t = r * 3.0
        policy.on_event(rep_started(t, r))
        out.append(policy.on_event(lost(t + 0.5, contact, r)) == contact)
        policy.on_event(restored(t + 1.0, contact, r))
        policy.on_event(rep_completed(t + 2.0, r, [contact]))
    return out


# -- patterns ----------------------------------------------------------------------------


def test_every_named_pattern_exists():
    assert set(DEFAULT_PATTERNS) == set(PATTERN_NAMES)


@pytest.mark.parametrize("a, b", [("head", "upper_back"), ("head", "sacrum"),
                                  ("upper_back", "sacrum")])
def test_contact_patterns_differ_in_pitch_and_count(a, b):
    pa, pb = DEFAULT_PATTERNS[a], DEFAULT_PATTERNS[b]
    assert pa.beeps != pb.beeps
    assert set(pa.pitches).isdisjoint(pb.pitches)


def test_contact_patterns_are_high_to_low_and_few_to_many():
    head, back, sacrum = (DEFAULT_PATTERNS[c] for c in CONTACT_NAMES)
    assert head.pitches[0] > back.pitches[0] > sacrum.pitches[0]
    assert (head.beeps, back.beeps, sacrum.beeps) == (3, 2, 1)


@pytest.mark.parametrize("name", CONTACT_NAMES)
def test_contact_patterns_are_over_while_the_fault_lasts(name):
    assert DEFAULT_PATTERNS[name].duration_s <= CONTACT_CUE_MAX_S


def test_all_patterns_sound_different_even_without_pitch():
    """An active buzzer only has rhythm: no two patterns may share one."""
    rhythms = {name: p.beep_lengths for name, p in DEFAULT_PATTERNS.items()}
    assert len(set(rhythms.values())) == len(rhythms), rhythms


def test_ready_is_a_short_rising_two_note_chime():
    ready = DEFAULT_PATTERNS["ready"]
    assert len(ready.pitches) == 2 and ready.pitches[0] < ready.pitches[1]
    assert ready.duration_s <= 0.4


def test_clean_rep_chime_is_short_and_soft():
    chime = DEFAULT_PATTERNS["clean_rep"]
    assert chime.duration_s <= 0.1 and chime.volume < 1.0


def test_pattern_is_an_immutable_sequence_of_notes():
    p = DEFAULT_PATTERNS["upper_back"]
    assert isinstance(p, Sequence) and isinstance(p.notes, tuple)
    assert list(p) == [Note(1568.0, 0.09), Note(None, 0.06), Note(1568.0, 0.09)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.notes = ()  # type: ignore[misc]
    assert hash(p) == hash(Pattern(tuple(p)))


@pytest.mark.parametrize("notes, words", [
    (((None, 0.1),), "sounding"),
    (((440.0, 0.0),), "note 0: duration"),
    (((440.0, 0.1), (5.0, 0.1)), "note 1: frequency"),
])
def test_pattern_rejects_bad_notes(notes, words):
    with pytest.raises(ValueError, match=words):
        Pattern(notes)


# -- patterns from config ----------------------------------------------------------------


def test_config_none_or_empty_gives_defaults():
    assert patterns_from_config(None) == DEFAULT_PATTERNS
    assert patterns_from_config({}) == DEFAULT_PATTERNS


def test_config_list_form_with_rests():
    p = patterns_from_config({"head": [[3000, 0.05], [0, 0.03], [3000, 0.05], ["rest", 0.03],
                                       [3000, 0.05], [3000, 0.05]]})
    assert p["head"].beeps == 3 and p["head"].pitches == (3000,)
    assert p["sacrum"] == DEFAULT_PATTERNS["sacrum"]


def test_config_table_form():
    p = patterns_from_config({"upper_back": {"beeps": 2, "hz": 1400, "on_s": 0.1,
                                             "off_s": 0.05, "volume": 0.5}})
    assert p["upper_back"].beep_lengths == (0.1, 0.1)
    assert p["upper_back"].volume == 0.5


@pytest.mark.parametrize("config, words", [
    ({"elbow": [[440, 0.1]]}, "unknown cue pattern 'elbow'"),
    ({"head": [[-5, 0.1]]}, "'head': note 0: frequency"),
    ({"head": [[440, 0.1], [440, -0.1]]}, "'head': note 1: duration"),
    ({"head": [[440]]}, "'head': note 0 must be"),
    ({"sacrum": [[784, 0.6]]}, "'sacrum': lasts 0.60 s"),
    ({"ready": "ding"}, "'ready': must be a list"),
    ({"ready": {"hz": 900}}, "'ready': missing key 'on_s'"),
    ({"ready": {"hz": 900, "on_s": 0.1, "pitch": 3}}, "'ready': unknown key 'pitch'"),
    ({"ready": {"hz": 900, "on_s": 0.1, "beeps": 0}}, "'ready': beeps must be"),
    ({"clean_rep": {"hz": 900, "on_s": 0.1, "volume": 2}}, "'clean_rep': volume"),
    ({"ready": [[None, 0.1]]}, "'ready': a pattern needs"),
    ({"head": {"beeps": 1, "hz": 784, "on_s": 0.3}}, "'head' and 'sacrum' sound the same"),
    ([["head"]], "must be a table"),
])
def test_config_errors_name_the_bad_key_or_value(config, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        patterns_from_config(config)


# -- one cue per fault per rep -----------------------------------------------------------


def test_every_schedule_cues_each_contact_once_per_rep():
    p = policy()
    assert p.on_event(rep_started(1.0, 1)) is None
    assert p.on_event(lost(1.2, "head", 1)) == "head"
    assert p.on_event(restored(1.4, "head", 1)) is None
    assert p.on_event(lost(1.6, "head", 1)) is None  # same fault, same rep
    assert p.on_event(lost(1.7, "sacrum", 1)) == "sacrum"  # another fault
    p.on_event(rep_completed(2.0, 1, ["head", "sacrum"]))
    p.on_event(restored(2.1, "head"))
    p.on_event(rep_started(3.0, 2))
    assert p.on_event(lost(3.2, "head", 2)) == "head"  # a new rep resets
    assert p.stats["cued"] == {"head": 2, "sacrum": 1}
    assert p.stats["suppressed"] == {"repeat": 1}


def test_loss_outside_a_rep_cues_once_until_restored_and_lost_again():
    p = policy()
    assert p.on_event(lost(1.0, "upper_back")) == "upper_back"
    assert p.on_event(lost(1.1, "upper_back")) is None  # duplicate, never restored
    assert p.on_event(restored(1.5, "upper_back")) is None
    assert p.on_event(lost(2.0, "upper_back")) == "upper_back"


def test_loss_still_held_when_a_rep_starts_is_not_cued_again():
    p = policy()
    assert p.on_event(lost(1.0, "head")) == "head"
    p.on_event(rep_started(1.5, 1))
    assert p.on_event(restored(1.8, "head", 1)) is None
    assert p.on_event(lost(2.0, "head", 1)) == "head"  # a new loss in the rep


def test_ready_and_sensor_fault_cues():
    p = policy()
    assert p.on_event(ev({"t": 1.0, "type": "ready"})) == "ready"
    fault = {"t": 2.0, "type": "sensor_fault", "contact": "head", "reason": "shorted"}
    assert p.on_event(ev(fault)) == "sensor_fault"
    assert p.on_event(ev(dict(fault, t=2.5))) is None  # the same broken part is not news
    assert p.on_event(ev(dict(fault, contact="sacrum"))) == "sensor_fault"
    assert p.on_event(ev({"t": 9.0, "type": "dowel_removed"})) is None
    assert p.on_event(ev({"t": 9.5, "type": "ready"})) == "ready"
    assert p.on_event(ev(dict(fault, t=10.0))) == "sensor_fault"  # after a new ready, again


def test_clean_rep_chime_is_off_by_default():
    off, on = policy(), policy(clean_rep_chime=True)
    for p in (off, on):
        p.on_event(rep_started(1.0, 1))
    assert off.on_event(rep_completed(2.0, 1)) is None
    assert on.on_event(rep_completed(2.0, 1)) == "clean_rep"
    on.on_event(rep_started(3.0, 2))
    assert on.on_event(rep_completed(4.0, 2, ["head"])) is None


@pytest.mark.parametrize("event", [
    Event(1.0), ContactLost(1.0, "knee", "x"), ContactRestored(1.0, "head"), RepCompleted(1.0),
    ev({"t": 1.0, "type": "sensor_ok", "sensor": "imu"}),
])
def test_odd_events_never_raise(event):
    assert policy(schedule="bandwidth").on_event(event) is None


# -- mute --------------------------------------------------------------------------------


def test_mute_silences_everything_and_counts_it():
    p = policy(mute=True, clean_rep_chime=True)
    events = [ev({"t": 0.5, "type": "ready"}), rep_started(1.0, 1), lost(1.2, "head", 1),
              rep_completed(2.0, 1), ev({"t": 3.0, "type": "sensor_fault", "contact": "head",
                                         "reason": "open"})]
    assert [p.on_event(e) for e in events] == [None] * 5
    assert p.stats["suppressed"] == {"mute": 4}
    assert p.stats["cued_total"] == 0


def test_unmute_resumes_cues():
    p = policy()
    p.set_mute(True)
    assert p.on_event(lost(1.0, "sacrum")) is None
    p.set_mute(False)
    p.on_event(restored(1.5, "sacrum"))
    assert p.on_event(lost(2.0, "sacrum")) == "sacrum"


# -- faded -------------------------------------------------------------------------------


def test_faded_thins_cues_over_the_session():
    p = policy(schedule="faded", faded_start=1.0, faded_end=0.2, faded_over_reps=30)
    cued = faulty_reps(p, 60)
    assert all(cued[:3])  # full feedback at the start
    first, last = sum(cued[:10]), sum(cued[-20:])
    assert first >= 8 and 3 <= last <= 5  # ~20 % at the end
    assert p.stats["suppressed"]["faded"] == 60 - sum(cued)


def test_faded_is_deterministic_for_a_seed():
    runs = [faulty_reps(policy(schedule="faded", seed=s), 40) for s in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert sum(runs[0]) - sum(runs[2]) in (-1, 0, 1)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), start=st.floats(0.0, 1.0), end=st.floats(0.0, 1.0),
       over=st.integers(1, 50))
def test_faded_share_follows_the_schedule_within_one_rep(seed, start, end, over):
    p = policy(schedule="faded", faded_start=start, faded_end=end,
                  faded_over_reps=over, seed=seed)
    cued = faulty_reps(p, 60)
    expected = 0.0
    for n, _ in enumerate(cued, 1):
        expected += p.feedback_share(n)
        assert abs(sum(cued[:n]) - expected) < 1.0 + 1e-6


def test_faded_schedule_shape():
    p = policy(schedule="faded", faded_start=1.0, faded_end=0.2, faded_over_reps=5)
    assert [round(p.feedback_share(n), 2) for n in range(1, 8)] == \
        [1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2]


def test_faded_without_reps_thins_each_loss():
    """No IMU, no reps: each loss is a trial of its own."""
    p = policy(schedule="faded", faded_start=0.5, faded_end=0.5)
    cued = []
    for i in range(20):
        cued.append(p.on_event(lost(i, "head")) == "head")
        p.on_event(restored(i + 0.5, "head"))
    assert sum(cued) == 10


def test_faded_also_thins_the_clean_rep_chime_and_reset_session_restarts():
    p = policy(schedule="faded", faded_start=0.0, faded_end=0.0, clean_rep_chime=True)
    p.on_event(rep_started(1.0, 1))
    assert p.on_event(rep_completed(2.0, 1)) is None
    p.set_schedule("faded", faded_start=1.0)
    p.reset_session()
    p.on_event(rep_started(3.0, 1))
    assert p.on_event(rep_completed(4.0, 1)) == "clean_rep"


# -- bandwidth ---------------------------------------------------------------------------


def test_bandwidth_cues_only_long_losses_late_and_once():
    p = policy(schedule="bandwidth", bandwidth_s=0.5)
    p.on_event(rep_started(1.0, 1))
    assert p.on_event(lost(1.2, "sacrum", 1)) is None  # decided later
    assert p.poll(1.5) is None
    assert p.poll(1.7) == "sacrum"  # lasted 0.5 s: cued, late by design
    assert p.poll(1.8) is None and p.poll(5.0) is None  # once
    assert p.on_event(restored(2.0, "sacrum", 1)) is None
    assert p.on_event(lost(2.2, "sacrum", 1)) is None
    assert p.poll(3.0) is None  # one cue per fault per rep


def test_bandwidth_ignores_short_losses():
    p = policy(schedule="bandwidth", bandwidth_s=0.5)
    assert p.on_event(lost(1.0, "head")) is None
    assert p.poll(1.3) is None
    assert p.on_event(restored(1.4, "head")) is None
    assert p.poll(3.0) is None
    assert p.stats["suppressed"] == {"bandwidth": 1}


def test_bandwidth_short_loss_leaves_the_rep_open_for_a_long_one():
    p = policy(schedule="bandwidth", bandwidth_s=0.3)
    p.on_event(rep_started(1.0, 1))
    p.on_event(lost(1.1, "head", 1))
    p.on_event(restored(1.2, "head", 1))
    p.on_event(lost(1.4, "head", 1))
    assert p.poll(1.71) == "head"


def test_bandwidth_loss_restored_after_the_band_without_poll_still_cues():
    p = policy(schedule="bandwidth", bandwidth_s=0.5)
    p.on_event(lost(1.0, "upper_back"))
    assert p.on_event(restored(1.6, "upper_back")) == "upper_back"


def test_bandwidth_poll_returns_due_losses_oldest_first():
    p = policy(schedule="bandwidth", bandwidth_s=0.2)
    p.on_event(lost(1.05, "head"))
    p.on_event(lost(1.0, "sacrum"))
    assert [p.poll(2.0), p.poll(2.0), p.poll(2.0)] == ["sacrum", "head", None]


def test_bandwidth_mute_and_dowel_removed():
    p = policy(schedule="bandwidth", bandwidth_s=0.2)
    p.on_event(lost(1.0, "head"))
    p.set_mute(True)
    assert p.poll(1.5) is None
    p.set_mute(False)
    p.on_event(lost(2.0, "sacrum"))
    p.on_event(ev({"t": 2.1, "type": "dowel_removed"}))
    assert p.poll(3.0) is None
    assert p.stats["suppressed"] == {"mute": 1, "dowel_removed": 1}


def test_bandwidth_zero_cues_at_the_first_poll():
    p = policy(schedule="bandwidth", bandwidth_s=0.0)
    assert p.on_event(lost(1.0, "head")) is None
    assert p.poll(1.0) == "head"


# -- retention ---------------------------------------------------------------------------


def test_retention_is_silent_feedback_but_the_box_still_says_ready():
    p = policy(schedule="retention", clean_rep_chime=True)
    assert p.on_event(ev({"t": 0.5, "type": "ready"})) == "ready"
    assert faulty_reps(p, 5) == [False] * 5
    p.on_event(rep_started(30.0, 6))
    assert p.on_event(rep_completed(31.0, 6)) is None
    assert p.on_event(lost(40.0, "head")) is None
    assert p.stats["suppressed"] == {"retention": 7}


# -- schedule switching and validation ---------------------------------------------------


def test_set_schedule_switches_and_drops_pending_bandwidth_losses():
    p = policy(schedule="bandwidth", bandwidth_s=1.0)
    p.on_event(lost(1.0, "head"))
    p.set_schedule("every")
    assert p.poll(5.0) is None
    assert p.stats["suppressed"] == {"schedule_changed": 1}
    p.on_event(restored(5.1, "head"))
    assert p.on_event(lost(5.2, "head")) == "head"
    p.set_schedule("bandwidth", bandwidth_s=0.25)
    assert p.schedule == "bandwidth" and p.bandwidth_s == 0.25


@pytest.mark.parametrize("kwargs, words", [
    ({"schedule": "sometimes"}, "schedule must be one of"),
    ({"faded_start": 1.5}, "faded_start"),
    ({"faded_end": -0.1}, "faded_end"),
    ({"faded_over_reps": 0}, "faded_over_reps"),
    ({"bandwidth_s": -1.0}, "bandwidth_s"),
    ({"bandwidth_s": float("nan")}, "bandwidth_s"),
])
def test_policy_rejects_bad_settings(kwargs, words):
    with pytest.raises(ValueError, match=words):
        policy(**kwargs)


def test_set_schedule_rejects_unknown_parameters():
    with pytest.raises(ValueError, match="unknown schedule parameter 'bandwidth'"):
        policy().set_schedule("bandwidth", bandwidth=0.3)


def test_stats_is_a_copy():
    p = policy()
    p.on_event(lost(1.0, "head"))
    p.stats["cued"]["head"] = 99
    assert p.stats == {"cued": {"head": 1}, "suppressed": {}, "cued_total": 1,
                       "suppressed_total": 0}
