"""Power cuts in short form (bench/power_cut_bench.py is the long one, 200 kills):
kill -9 the recording appliance 5 times and an export 3 times; after each, the store
is intact, holds every rep printed as completed, and the next start resumes.

The recording kills come at moments named by what the child has done, so each
phase is hit whatever the machine's load: placing, calibrating, a set just
begun, a rep under way, and a rep printed longer ago than the in-flight window.
"""
from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from support.recording import record_simulated_sets, typical_sets
from support.repo import REPO

_spec = importlib.util.spec_from_file_location("power_cut_bench", REPO / "bench" / "power_cut_bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("power_cut_bench", bench)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


@pytest.mark.slow
def test_kill_9_while_recording_keeps_every_printed_rep_and_resumes(tmp_path):
    moments = [bench.after_line("started"),            # placing: no set yet
               bench.after_line("calibrating"),        # calibrating: still no set
               bench.set_open,                         # ready: the set's row is there, no rep yet
               bench.after_line("rep_started"),        # mid-rep: samples in the trace, the rep not done
               bench.rep_printed_before(bench.IN_FLIGHT_S + 0.1)]  # a rep printed: it must be kept
    data = str(tmp_path / "data")
    os.makedirs(data)
    # seed 21: its athletes start their first reps early (any seed hits the same moments, slower)
    tally, _ = bench.power_cuts(len(moments), moments=moments, seed=21, data=data, verbose=False,
                                final_run_s=1.5)
    assert tally.problems == [], tally.problems
    assert tally.kills == 5 and tally.integrity_ok == 5
    assert tally.reps_printed >= 1 and tally.reps_kept + tally.reps_in_flight_lost == tally.reps_printed
    assert tally.reps_kept >= 1  # the last kill came after a rep was out of the in-flight window
    assert tally.reps_in_store >= tally.reps_kept
    assert tally.kills_mid_set >= 3
    assert len(tally.recovered_ids) >= tally.kills_mid_set  # each cut set ended as 'interrupted'


def test_kill_9_during_export_leaves_complete_or_partial_and_the_store_unchanged(tmp_path):
    data = str(tmp_path / "data")
    os.makedirs(data)
    record_simulated_sets(data, typical_sets(4))  # something to export
    et = bench.export_kills(data, 3, seed=4, verbose=False)
    assert et.problems == [], et.problems
    assert et.kills == 3 and et.next_export_ok == 3
    assert et.store_unchanged + et.store_marked_with_complete_export == 3
    assert et.complete + et.partial + et.nothing == 3
