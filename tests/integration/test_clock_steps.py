"""The Pi has no battery clock: its time may be set back or forward between sets. A session never
ends before it starts, whatever the clock did."""
from __future__ import annotations

from support.signals import ev
from device.core.signal import Sample, SignalChain
from device.store.recorder import SetRecorder
from device.store.store import Store


class SteppedClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def one_set(rec: SetRecorder, t0: float) -> float:
    for i in range(400):
        rec.post_sample(Sample(round(t0 + i * 0.01, 4), 9000, 9100, 9200, 3.0))
    rec.post_event(ev({"t": t0 + 3.5, "type": "ready", "standing_deg": 3.0, "baseline_us": {}}))
    rec.post_event(ev({"t": t0 + 3.6, "type": "rep_started", "rep": 1}))
    rec.post_event(ev({"t": t0 + 3.8, "type": "rep_completed", "rep": 1, "depth_deg": 50.0,
                       "duration_s": 0.2, "faults": []}))  # a rep: a set worth keeping
    rec.post_event(ev({"t": t0 + 3.99, "type": "set_ended", "reason": "button", "reps": 1}))
    assert rec.sync()
    return t0 + 4.0


def test_a_clock_set_back_between_sets_keeps_the_session_in_order(tmp_path):
    clock = SteppedClock(1_700_000_000.0)
    store = Store.open(str(tmp_path))
    rec = SetRecorder(store, SignalChain(), clock=clock)
    t = one_set(rec, 0.0)
    clock.now -= 3600.0  # someone set the clock back an hour
    one_set(rec, t)
    rec.close()
    sessions = store.conn.execute("SELECT started_at, ended_at FROM sessions").fetchall()
    assert len(sessions) == 1
    started, ended = sessions[0]
    assert started <= ended
    sets = store.conn.execute("SELECT started_at, ended_at FROM sets").fetchall()
    assert all(started <= s <= ended and started <= e <= ended for s, e in sets)
    store.close()
