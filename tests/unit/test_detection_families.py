"""Every family of the second round's physics, simulated afresh and scored as the bars state them.

The same scoring as bench/detector_bench.py, on two seeds per family that the
benchmark does not use: a quick guard, the benchmark gives the figures.
"""
import dataclasses
import sys

import pytest

from support.repo import REPO

sys.path.insert(0, str(REPO / "bench"))

from families import score_sim  # noqa: E402
from score import Score  # noqa: E402
from drivers.sim import PRESETS  # noqa: E402

FAMILIES = ("slow_peel", "rep_sag", "hum", "mcp_light", "double", "ragged_removal", "fidget", "stall_heavy",
            "mount_offset", "edge_bounce", "shallow", "side_bends", "shallow_side", "slow_tempo", "fsr_curve",
            "mains60", "mix", "shorted")


SCORES: dict[str, Score] = {}


def scored(family: str) -> Score:
    if family not in SCORES:
        score = Score()
        for seed in (7, 8, 9):
            score.add(score_sim(dataclasses.replace(PRESETS[family], seed=seed)))
        SCORES[family] = score
    return SCORES[family]


@pytest.mark.parametrize("family", FAMILIES)
def test_family_finds_every_loss_and_nothing_else_and_counts_every_rep(family):
    score = scored(family)
    s = score.summary()
    assert score.found == score.faults and score.cause_ok == score.found, s
    assert score.false_alarms == 0, s
    assert score.exact_traces == score.imu_traces, s
    assert score.removals_clean == score.removals, s
    assert max(score.sampled, default=0.0) <= 0.1, s


def test_the_families_together_are_cued_within_30_ms_at_p95():
    total = Score()
    for family in FAMILIES:
        total.add(scored(family))
    assert len(total.sampled) > 200 and total.summary()["sampled_p95_ms"] <= 30.0


def test_a_long_creeping_set_holds_the_bars():
    score = score_sim(dataclasses.replace(PRESETS["creep_long"], seed=9))
    assert score.minutes > 3.5 and score.found == score.faults and score.false_alarms == 0
    assert score.exact_traces == 1
