"""Sets put into a store the way the appliance does it: detector events and samples to a SetRecorder.

In-process and as fast as the machine goes (no sampler, no clock): what the
export, exposure and power-cut tests need as something real to take away.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable

from device.core.contacts import CONTACTS
from device.core.detector import Detector
from device.core.signal import Sample, SignalChain
from device.store.recorder import SetRecorder
from device.store.store import Store
from drivers.sim import PRESETS, simulate
from support.signals import ev


def record_simulated_sets(data: str, scenarios: Iterable[str | object]) -> None:
    """One set per scenario (a preset's name, or a Scenario) from the simulated athlete,
    one after the other on one timeline, through a fresh detector each and one recorder."""
    chain = SignalChain()
    with Store.open(data) as store:
        rec = SetRecorder(store, chain)
        offset = 0.0
        for scenario in scenarios:
            det = Detector(chain)
            rows, _ = simulate(PRESETS[scenario] if isinstance(scenario, str) else scenario)
            last = offset
            for row in rows:
                s = Sample(row[0] + offset, *row[1:])
                last = s.t
                rec.post_sample(s)
                for e in det.feed(s):
                    rec.post_event(e)
            offset = last + 1.0
        rec.close()


def typical_sets(n: int) -> list[object]:
    """n typical sets, each with its own seed."""
    return [dataclasses.replace(PRESETS["typical"], seed=k) for k in range(n)]


def fake_set(rec: SetRecorder, t0: float, reps: int, end: str = "dowel_removed") -> float:
    """Hand-made samples (100 Hz) and events of a set that starts at t0; returns its end."""
    t = t0 - 1.0
    while t < t0:
        rec.post_sample(Sample(round(t, 4), 9000, 9000, 9000, 3.0))
        t += 0.01
    rec.post_event(ev({"t": t0, "type": "ready", "standing_deg": 3.0, "baseline_us": {c: 500.0 for c in CONTACTS}}))
    for rep in range(1, reps + 1):
        rec.post_event(ev({"t": round(t, 4), "type": "rep_started", "rep": rep}))
        for _ in range(100):
            rec.post_sample(Sample(round(t, 4), 9000, 9000, 9000, 40.0))
            t += 0.01
        rec.post_event(ev({"t": round(t, 4), "type": "rep_completed", "rep": rep, "depth_deg": 40.0,
                           "duration_s": 1.0, "descent_s": 0.4, "bottom_s": 0.2, "ascent_s": 0.4, "faults": []}))
    rec.post_event(ev({"t": round(t, 4), "type": end, "reason": "button", "reps": reps}))
    rec.post_sample(Sample(round(t + 0.01, 4), 0, 0, 0, 3.0))
    return t + 0.01
