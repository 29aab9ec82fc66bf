"""Storage faults while recording, in short form (bench/storage_fault_bench.py is the long one, 200
flips): the card fills up or turns read-only 6 times during sets, and the box cues on, never
crashes, keeps every completed rep and says each fault within a second."""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys

import pytest

from support.repo import REPO
from support.filesystems import can_mount

_spec = importlib.util.spec_from_file_location("storage_fault_bench",
                                               os.path.join(REPO, "bench", "storage_fault_bench.py"))
bench = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("storage_fault_bench", bench)
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


def test_six_storage_faults_during_sets_cost_no_cue_no_rep_and_are_said_within_a_second():
    if not can_mount() or shutil.which("gcc") is None:
        pytest.skip("needs root with mount namespaces and gcc (a tmpfs card, the card shim)")
    figures = bench.run(flips=6, seed=3, card_mib=16, quiet=True)
    flips = figures["flips"]
    assert len(flips) == 6
    assert figures["cue_decisions"] == figures["cues_played"] >= 1
    assert figures["sampler_alive"] and figures["recorder_errors"] == 0, figures["last_error"]
    assert figures["integrity"] and all(r == "ok" for r in figures["integrity"])
    assert figures["kept_working"] == figures["reps_working"] and figures["kept_refused"] == figures["reps_refused"]
    assert figures["reps_working"] + figures["reps_refused"] >= 1
    assert all(f["said"] is not None and f["said"] - f["at"] < 1.0 for f in flips), flips
    assert all(f["back"] is not None for f in flips), flips
