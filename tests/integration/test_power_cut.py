"""Power cuts in short form (bench/power_cut_bench.py is the long one, 200 kills):
kill -9 the recording appliance 5 times and an export 3 times; after each, the store
is intact, holds every rep printed as completed, and the next start resumes."""
from __future__ import annotations

import importlib.util
import os
import random
import sys
from conftest import REPO

ROOT = str(REPO)
_spec = importlib.util.spec_from_file_location("power_cut_bench", os.path.join(ROOT, "bench", "power_cut_bench.py"))
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("power_cut_bench", bench)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


def test_kill_9_while_recording_keeps_every_printed_rep_and_resumes(tmp_path):
    rng = random.Random(3)
    # one kill early (placing/calibrating), three mid-set, one late enough for reps to be printed
    delays = [rng.uniform(0.2, 1.5), rng.uniform(4.5, 6.0), rng.uniform(5.0, 7.0),
              rng.uniform(4.5, 6.0), rng.uniform(8.5, 10.0)]
    data = str(tmp_path / "data")
    os.makedirs(data)
    tally, _ = bench.power_cuts(len(delays), delays=delays, seed=2, data=data, verbose=False,
                                final_run_s=1.5)
    assert tally.problems == [], tally.problems
    assert tally.kills == 5 and tally.integrity_ok == 5
    assert tally.reps_printed >= 1 and tally.reps_kept + tally.reps_in_flight_lost == tally.reps_printed
    assert tally.reps_in_store >= tally.reps_kept
    assert tally.kills_mid_set >= 3
    assert len(tally.recovered_ids) >= tally.kills_mid_set  # each cut set ended as 'interrupted'


def _record_sets(data: str, n: int) -> None:
    """n simulated sets through the detector and the recorder, in-process (a second or two)."""
    import dataclasses
    from device.core.detector import Detector
    from device.store.recorder import SetRecorder
    from device.core.signal import Sample, SignalChain
    from device.store.store import Store
    from drivers.sim import PRESETS, simulate
    chain = SignalChain()
    with Store.open(data) as store:
        rec = SetRecorder(store, chain)
        offset = 0.0
        for k in range(n):
            det = Detector(chain)
            rows, _ = simulate(dataclasses.replace(PRESETS["typical"], seed=k))
            last = 0.0
            for row in rows:
                s = Sample(row[0] + offset, *row[1:])
                last = s.t
                rec.post_sample(s)
                for e in det.feed(s):
                    rec.post_event(e)
            offset = last + 1.0
        rec.close()
        assert store.conn.execute("SELECT COUNT(*) FROM sets WHERE ended_at IS NOT NULL").fetchone()[0] == n


def test_kill_9_during_export_leaves_complete_or_partial_and_the_store_unchanged(tmp_path):
    data = str(tmp_path / "data")
    os.makedirs(data)
    _record_sets(data, 4)  # something to export
    et = bench.export_kills(data, 3, seed=4, verbose=False)
    assert et.problems == [], et.problems
    assert et.kills == 3 and et.next_export_ok == 3
    assert et.store_unchanged + et.store_marked_with_complete_export == 3
    assert et.complete + et.partial + et.nothing == 3
