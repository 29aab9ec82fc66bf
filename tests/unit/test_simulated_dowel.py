"""The simulated dowel: reproducible, and its truth is what its samples show.

Forces are read back from the counts through the divider formula, the way a
scorer or a detector would, so these tests check the samples against the truth
rather than the model against itself.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import replace

import pytest

from drivers.sim import (
    CAUSES, CONTACTS, PRESETS, FaultSpec, Scenario, SimulatedDowel, simulate, trace_header,
)

LSB = 4.096 / 32768


def conductance(count: int, vcc: float = 3.3, r: float = 10_000.0) -> float:
    """Invert the divider: counts -> volts -> FSR conductance (proportional to force)."""
    v = max(count - 12, 0) * LSB
    return v / (r * (vcc - v)) if v < vcc else float("inf")


def rows_of(scenario: Scenario) -> tuple[list[tuple], dict]:
    rows, truth = simulate(scenario)
    return list(rows), truth


def column(rows: list[tuple], contact: str) -> list[tuple[float, int]]:
    i = 1 + CONTACTS.index(contact)
    return [(r[0], r[i]) for r in rows]


def level_before(series: list[tuple[float, int]], t: float, span: float = 0.05) -> float:
    return statistics.median(conductance(c) for s, c in series if t - span <= s <= t)


QUIET = dict(noise="low", jitter=0.0, glitches_per_min=0.0, bounces=0, sags=0,
             fsr_exponent=(1.0, 1.0), break_n=(0.0, 0.0))  # conductance proportional to force, down to 0


def test_same_seed_same_rows_and_truth():
    a_rows, a_truth = rows_of(replace(PRESETS["hard"], seed=5))
    b_rows, b_truth = rows_of(replace(PRESETS["hard"], seed=5))
    assert a_rows == b_rows and a_truth == b_truth
    c_rows, _ = rows_of(replace(PRESETS["hard"], seed=6))
    assert c_rows != a_rows


def test_truth_schema_and_json():
    rows, truth = simulate(replace(PRESETS["noisy"], seed=2))
    keys = {"name", "family", "rate_hz", "imu", "ready_t", "removed_t", "place_t", "reps", "dips",
            "faults", "blips", "base_force_n", "duration_s", "sags", "sensor_faults"}
    assert keys <= set(truth)
    assert json.loads(json.dumps(truth)) == truth
    assert truth["name"] == "noisy-02" and truth["family"] == "noisy"
    assert truth["place_t"] < truth["ready_t"] < truth["reps"][0]["start"] - 1.0
    assert truth["reps"][0]["start"] >= truth["place_t"] + 2.5
    assert truth["removed_t"] < truth["duration_s"]
    for f in truth["faults"]:
        assert f["cause"] == CAUSES[f["contact"]]
        assert f["ramp_start"] < f["t_lost"] < f["end"]
    per_rep = [(f["rep"], f["contact"]) for f in truth["faults"]]
    assert len(per_rep) == len(set(per_rep)), "two faults on one contact in one rep"


@pytest.mark.parametrize("rate", [50.0, 100.0, 200.0])
def test_rate_gives_mean_spacing(rate):
    rows, _ = rows_of(Scenario(seed=1, rate_hz=rate, reps=3))
    dt = [b[0] - a[0] for a, b in zip(rows, rows[1:])]
    assert rows[0][0] == 0.0
    assert statistics.mean(dt) == pytest.approx(1.0 / rate, rel=0.02)


@pytest.mark.parametrize("jitter", [0.05, 0.2, 1.0])
def test_jitter_never_goes_backwards(jitter):
    rows, _ = rows_of(Scenario(seed=3, jitter=jitter, reps=3, stall_every_s=2.0))
    assert all(b[0] > a[0] for a, b in zip(rows, rows[1:]))


def test_stalls_leave_gaps_of_about_their_length():
    rows, _ = rows_of(Scenario(seed=4, reps=4, stall_every_s=2.0, stall_s=(0.06, 0.14)))
    gaps = [b[0] - a[0] for a, b in zip(rows, rows[1:]) if b[0] - a[0] > 0.03]
    assert len(gaps) >= 5
    assert all(0.05 <= g <= 0.16 for g in gaps)
    rows, _ = rows_of(Scenario(seed=4, reps=4, stall_every_s=0.0))
    assert max(b[0] - a[0] for a, b in zip(rows, rows[1:])) < 0.02


def test_counts_in_range_and_zero_force_near_zero():
    for name in ("typical", "noisy", "hard"):
        rows, truth = rows_of(replace(PRESETS[name], seed=7))
        assert all(-32768 <= c <= 32767 and isinstance(c, int) for r in rows for c in r[1:4])
        empty = [c for r in rows if r[0] < truth["place_t"] - 0.01 or r[0] > truth["removed_t"] + 0.2
                 for c in r[1:4]]
        assert -45 < min(empty) and max(empty) < 60
        assert 5 <= statistics.mean(empty) <= 20
        placed = [c for r in rows if truth["ready_t"] < r[0] < truth["removed_t"] for c in r[1:4]]
        assert statistics.median(placed) > 3000
        assert max(placed) < 25872, "a working FSR never reads as shorted (98 % of vcc)"


def test_fault_t_lost_is_where_force_crosses_ten_percent():
    specs = [FaultSpec("sacrum", 1, "descent"), FaultSpec("head", 2, "bottom", ramp_s=0.35),
             FaultSpec("upper_back", 3, "ascent", ramp_s=0.08), FaultSpec("sacrum", 3, "bottom")]
    sc = Scenario(seed=11, reps=4, faults=specs, rate_hz=200.0, **QUIET)
    rows, truth = rows_of(sc)
    assert {(f["contact"], f["rep"], f["phase"]) for f in truth["faults"]} == \
        {(s.contact, s.rep, s.phase) for s in specs}
    for f in truth["faults"]:
        series = column(rows, f["contact"])
        level = level_before(series, f["ramp_start"], 0.02)
        crossed = next(t for t, c in series if t > f["ramp_start"] and conductance(c) < 0.1 * level)
        assert f["t_lost"] - 0.004 <= crossed <= f["t_lost"] + 0.005 + 0.004
        held = [c for t, c in series if f["t_lost"] + 0.1 < t < f["end"]]
        assert held and max(held) < 60, "force must stay gone until the fault ends"
        back = [c for t, c in series if f["end"] + 0.16 < t < f["end"] + 0.2]
        assert min(back) > 3000, "force comes back within 0.15 s"
        rep = truth["reps"][f["rep"] - 1]
        lo, hi = {"descent": (rep["start"], rep["bottom"]), "bottom": (rep["bottom"], rep["bottom_end"]),
                  "ascent": (rep["bottom_end"], rep["end"])}[f["phase"]]
        assert lo <= f["ramp_start"] <= hi


def test_random_faults_are_real_losses():
    _, truth = simulate(replace(PRESETS["typical"], seed=3, faults=12))
    assert len(truth["faults"]) == 12
    for f in truth["faults"]:
        ramp = f["t_lost"] - f["ramp_start"]
        assert 0.05 <= ramp <= 0.40
        assert 0.3 <= f["end"] - f["t_lost"] <= 1.5 + 0.1


def test_sags_stay_above_a_fifth_of_level():
    """The same set with and without sags differs only by the sag: their ratio is the sag."""
    base = Scenario(seed=21, reps=8, faults=2, rate_hz=100.0, sag_floor=(0.2, 0.2), **QUIET)
    plain, _ = rows_of(base)
    sagged, truth = rows_of(replace(base, sags=4))
    assert len(truth["sags"]) == 4
    for sag in truth["sags"]:
        i = 1 + CONTACTS.index(sag["contact"])
        ratios = [conductance(b[i]) / conductance(a[i]) for a, b in zip(plain, sagged)
                  if sag["start"] <= a[0] <= sag["end"]]
        assert min(ratios) >= 0.18
        assert min(ratios) <= 0.25, "it does sag"
        after = [conductance(b[i]) / conductance(a[i]) for a, b in zip(plain, sagged)
                 if sag["end"] + 0.01 < a[0] < sag["end"] + 0.3]
        assert min(after) > 0.97


def test_bounces_last_at_most_30_ms():
    sc = Scenario(seed=8, reps=6, faults=0, rate_hz=1000.0, jitter=0.0, bounces=8, noise="low")
    rows, truth = rows_of(sc)
    bounces = [b for b in truth["blips"] if b["kind"] == "bounce"]
    assert len(bounces) == 8
    for b in bounces:
        assert 0.005 <= b["dur"] <= 0.030
        zero = [t for t, c in column(rows, b["contact"]) if b["t"] - 0.05 < t < b["t"] + 0.08 and c < 60]
        assert zero and max(zero) - min(zero) <= 0.031
        assert b["t"] - 0.001 <= min(zero) <= b["t"] + 0.0011


def test_glitches_read_zero_once():
    sc = Scenario(seed=9, reps=6, faults=0, **{**QUIET, "glitches_per_min": 30.0})
    rows, truth = rows_of(sc)
    glitches = [b for b in truth["blips"] if b["kind"] == "glitch"]
    assert len(glitches) >= 8
    for g in glitches:
        series = column(rows, g["contact"])
        j = next(j for j, (t, _) in enumerate(series) if t >= g["t"])
        assert series[j][1] == 0
        if truth["ready_t"] + 0.05 < g["t"] < truth["removed_t"] - 0.05:
            assert series[j - 1][1] > 1000 and series[j + 1][1] > 1000


def test_rep_depth_beyond_standing_matches_truth():
    sc = Scenario(seed=12, reps=6, dips=2, bottom_s=(0.2, 0.5), **QUIET)
    rows, truth = rows_of(sc)
    standing = statistics.median(r[4] for r in rows if r[0] < truth["place_t"])
    for rep in truth["reps"]:
        bottom = [r[4] for r in rows if rep["bottom"] <= r[0] <= rep["bottom_end"]]
        assert statistics.median(bottom) - standing == pytest.approx(rep["depth_deg"], abs=0.5)
        assert 45.0 <= rep["depth_deg"] <= 85.0
        assert rep["start"] < rep["bottom"] <= rep["bottom_end"] < rep["end"]
    for dip in truth["dips"]:
        peak = statistics.median(sorted(r[4] for r in rows if dip["start"] <= r[0] <= dip["end"])[-5:])
        assert peak - standing == pytest.approx(dip["depth_deg"], abs=1.5)
        assert 6.0 <= dip["depth_deg"] <= 20.0
        assert not any(rep["start"] < dip["end"] and dip["start"] < rep["end"] for rep in truth["reps"])


def test_no_pitch_without_imu():
    rows, truth = rows_of(replace(PRESETS["no_imu"], seed=1))
    assert truth["imu"] is False
    assert all(r[4] is None for r in rows)


def test_removal_drops_all_three_within_150_ms():
    for seed in range(3):
        rows, truth = rows_of(Scenario(seed=seed, reps=2, faults=0, **QUIET))
        t0 = truth["removed_t"]
        before = [c for r in rows if t0 - 0.03 <= r[0] < t0 for c in r[1:4]]
        after = [c for r in rows if t0 + 0.15 <= r[0] for c in r[1:4]]
        assert min(before) > 3000 and max(after) < 60
        assert truth["duration_s"] - t0 >= 0.9


def test_placement_ramps_up_and_is_settled_by_ready():
    rows, truth = rows_of(Scenario(seed=2, reps=2, **QUIET))
    for contact in CONTACTS:
        series = column(rows, contact)
        assert max(c for t, c in series if t < truth["place_t"]) < 60
        level = level_before(series, truth["ready_t"] + 0.5, 0.3)
        rising = [conductance(c) / level for t, c in series if truth["place_t"] <= t <= truth["ready_t"]]
        assert min(rising) < 0.05 and max(rising) > 0.8
    assert truth["ready_t"] - truth["place_t"] <= 1.5


def test_light_head_and_base_forces():
    _, truth = simulate(replace(PRESETS["hard"], seed=4))
    assert truth["base_force_n"]["head"] < 1.0 and truth["rate_hz"] == 50
    _, truth = simulate(replace(PRESETS["typical"], seed=4))
    assert 1.0 <= truth["base_force_n"]["head"] <= 4.0
    assert all(4.0 <= truth["base_force_n"][c] <= 12.0 for c in ("upper_back", "sacrum"))


def test_sensor_faults_shorted_and_stuck():
    rows, truth = rows_of(Scenario(seed=5, reps=6, faults=3, shorted=("head", 15.0), stuck=("sacrum", 18.0)))
    by = {s["contact"]: s for s in truth["sensor_faults"]}
    assert by["head"]["reason"] == "shorted" and by["sacrum"]["reason"] == "stuck"
    head = [c for t, c in column(rows, "head") if t >= 15.0]
    assert min(head) > 25900 and max(head) < 26400
    sacrum = {c for t, c in column(rows, "sacrum") if t >= 18.0}
    assert sacrum == {by["sacrum"]["count"]}
    for f in truth["faults"] + truth["blips"] + truth["sags"]:
        t = f.get("end", f.get("t"))
        assert f["contact"] not in by or t < by[f["contact"]]["t"]


def test_every_preset_simulates():
    assert {"typical", "clean", "fast", "no_imu", "noisy", "hard", "demo", "manual"} <= set(PRESETS)
    for sc in PRESETS.values():
        rows, truth = simulate(sc)
        first = [next(rows) for _ in range(50)]
        assert first[0][0] == 0.0 and len(first) == 50
        assert trace_header(sc)["rate_hz"] == truth["rate_hz"]
    _, truth = simulate(PRESETS["clean"])
    assert truth["faults"] == []


def test_bad_fault_specs_are_refused():
    with pytest.raises(ValueError):
        Scenario(reps=2, faults=[FaultSpec("head", 3)])
    with pytest.raises(ValueError):
        Scenario(reps=2, faults=[FaultSpec("head", 1), FaultSpec("head", 1, "ascent")])
    with pytest.raises(ValueError):
        Scenario(noise="loud")


def test_live_lift_reads_zero_within_300_ms_and_restores():
    dowel = SimulatedDowel(replace(PRESETS["manual"], seed=3))
    t = 0.0
    while t < 5.0:
        dowel.read(t)
        t += 0.01
    before = dowel.read(t)
    dowel.lift("sacrum", True)
    lifted = [dowel.read(t + dt) for dt in (0.1, 0.2, 0.3, 0.4)]
    assert lifted[2][2] < 60 and lifted[3][2] < 60
    assert lifted[3][1] > 0.8 * before[1], "other contacts stay"
    dowel.lift("sacrum", False)
    restored = dowel.read(t + 0.8)
    assert conductance(restored[2]) > 0.75 * conductance(before[2])


def test_live_tilt_and_monotonic_reads():
    dowel = SimulatedDowel(replace(PRESETS["manual"], seed=1))
    standing = statistics.mean(dowel.read(4.0 + i * 0.01)[3] for i in range(50))
    dowel.tilt(30.0)
    tilted = statistics.mean(dowel.read(5.0 + i * 0.01)[3] for i in range(50))
    assert tilted - standing == pytest.approx(30.0, abs=1.0)
    assert dowel.read(4.0)[0] > 1000  # an earlier time (a racing thread) reads as the latest


def test_live_matches_simulate_without_jitter():
    sc = Scenario(seed=2, reps=2, jitter=0.0)
    rows, _ = rows_of(sc)
    dowel = SimulatedDowel(sc)
    assert [dowel.read(r[0]) for r in rows] == [r[1:] for r in rows]


def test_demo_loops_into_a_new_set():
    dowel = SimulatedDowel(replace(PRESETS["demo"], reps=1, faults=0, glitches_per_min=0.0))
    duration = dowel.truth["duration_s"]
    t, late = 0.0, []
    while t < duration + 6.0:
        row = dowel.read(t)
        if t > duration + 4.5:
            late.append(row[1])
        t += 0.02
    assert min(late) > 3000, "the next set's dowel is on"
