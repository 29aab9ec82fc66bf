"""Taking the dowel off is not faults, on the screen and in the store: the simulated athlete through
the detector, the view model and the recorder, as the app wires them."""
from __future__ import annotations

import dataclasses

import pytest

from support.signals import ev
from device.core.contacts import CONTACTS
from device.core.detector import Detector
from device.core.signal import Sample, SignalChain
from device.store.recorder import SetRecorder
from device.store.store import Store
from device.view.builder import ViewModelBuilder
from drivers.sim import PRESETS, simulate


def through_the_app(tmp_path, scenario):
    """Detector, view model and recorder fed as the live loop feeds them; (truth, events, summary, store)."""
    rows, truth = simulate(scenario)
    det = Detector(SignalChain())
    view = ViewModelBuilder()
    store = Store.open(str(tmp_path / "data"))
    rec = SetRecorder(store, SignalChain(), clock=lambda: 1_700_000_000.0)
    events = []
    for row in rows:
        s = Sample(*row)
        rec.post_sample(s)
        for e in det.feed(s):
            events.append(e)
            rec.post_event(e)
            view.on_event(e)
        view.on_tick(s.t, det, s)
    rec.close()
    assert rec.errors == 0, rec.last_error
    return truth, events, view.build().summary, store


def real_faults(truth) -> dict[str, int]:
    return {c: sum(f["contact"] == c for f in truth["faults"]) for c in CONTACTS}


@pytest.mark.parametrize("seed", [1, 3])
def test_an_uneven_lift_off_leaves_only_the_real_faults_counted(tmp_path, seed):
    truth, events, summary, store = through_the_app(tmp_path, dataclasses.replace(PRESETS["ragged_removal"], seed=seed))
    kinds = [e.TYPE for e in events]
    assert "loss_withdrawn" in kinds, "this lift-off had losses cued before it showed itself a removal"
    assert kinds[-1] == "dowel_removed"
    assert dict(summary.losses) == real_faults(truth)
    rows = store.losses_of(1)
    assert {c: sum(r["contact"] == c for r in rows) for c in CONTACTS} == real_faults(truth)
    assert store.set_row(1)["end_reason"] == "dowel_removed"


def test_a_set_only_placed_and_taken_off_is_no_summary_of_losses(tmp_path):
    sc = dataclasses.replace(PRESETS["ragged_removal"], seed=1, reps=0, faults=0, dips=0,
                             removal_spread_s=(0.2, 0.25))
    truth, events, summary, store = through_the_app(tmp_path, sc)
    assert "loss_withdrawn" in [e.TYPE for e in events]
    assert summary is None, "nothing happened in that set: no '0 reps 2 off'"
    assert store.losses_of(1) == []


def test_with_a_shorted_pad_the_set_ends_when_the_dowel_comes_off(tmp_path):
    sc = dataclasses.replace(PRESETS["shorted"], seed=2)
    truth, events, summary, store = through_the_app(tmp_path, sc)
    assert [(e.contact, e.reason) for e in events if e.TYPE == "sensor_fault"] == [("head", "shorted")]
    assert events[-1].TYPE == "dowel_removed"
    assert store.set_row(1)["end_reason"] == "dowel_removed"
    assert dict(summary.losses) == real_faults(truth)
    assert len(store.losses_of(1)) == len(truth["faults"])


def test_the_recorder_deletes_a_withdrawn_loss_even_in_the_same_batch_as_its_insert(tmp_path):
    store = Store.open(str(tmp_path / "data"))
    rec = SetRecorder(store, SignalChain(), clock=lambda: 1_700_000_000.0)
    for t in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0):
        rec.post_sample(Sample(t, 9000, 9000, 9000, 3.0))
    for line in ({"t": 3.0, "type": "ready", "standing_deg": 3.0, "baseline_us": {}},
                 {"t": 4.0, "type": "contact_lost", "contact": "sacrum", "cause": "spinal_flexion"},
                 {"t": 4.5, "type": "contact_restored", "contact": "sacrum"},
                 {"t": 5.0, "type": "contact_lost", "contact": "sacrum", "cause": "spinal_flexion"},
                 {"t": 5.9, "type": "contact_lost", "contact": "head", "cause": "cervical_flexion"},
                 {"t": 6.0, "type": "loss_withdrawn", "contact": "head", "reason": "dowel_removed", "lost_t": 5.9},
                 {"t": 6.0, "type": "dowel_removed", "reps": 0}):
        rec.post_event(ev(line))
    rec.close()
    rows = store.losses_of(1)
    assert [(r["contact"], r["start_s"]) for r in rows] == [("sacrum", 1.0), ("sacrum", 2.0)]
