"""The simulator's second-round physics: each knob does what its truth says, read back from the samples.

As in test_simulated_dowel.py, forces are read back from the counts through the
divider formula, so these check the samples against the truth.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import replace

import pytest

from drivers.sim import CONTACTS, PRESETS, Scenario, simulate, trace_header
from drivers.sim.shapes import FALLS, fall_fraction

LSB = 4.096 / 32768
QUIET = dict(noise="low", jitter=0.0, glitches_per_min=0.0, bounces=0, sags=0, dips=0)
LINEAR = dict(fsr_exponent=(1.0, 1.0), break_n=(0.0, 0.0))  # conductance proportional to force, down to 0


def g_of(count: int, offset: int = 13) -> float:
    """FSR conductance (S) from an ADS1115 count through the default divider."""
    v = max(count - offset, 0) * LSB
    return v / (10_000.0 * (3.3 - v)) if v < 3.3 else math.inf


def rows_of(sc: Scenario) -> tuple[list[tuple], dict]:
    rows, truth = simulate(sc)
    return list(rows), truth


def series(rows: list[tuple], contact: str, t0: float, t1: float) -> list[float]:
    i = 1 + CONTACTS.index(contact)
    return [g_of(r[i]) for r in rows if t0 <= r[0] <= t1]


def test_fall_shapes_go_from_full_to_nothing():
    for name, f in FALLS.items():
        assert f(0.0) == 1.0 and f(1.0) == 0.0
        xs = [i / 50 for i in range(51)]
        assert all(f(a) >= f(b) for a, b in zip(xs, xs[1:])), name
        assert f(fall_fraction(name, 0.1)) == pytest.approx(0.1, abs=1e-6)


def test_slow_peels_take_their_time_and_t_lost_is_the_ten_percent_moment():
    rows, truth = rows_of(replace(PRESETS["slow_peel"], seed=3, rate_hz=200.0, **QUIET, **LINEAR))
    assert {f["shape"] for f in truth["faults"]} <= set(FALLS)
    for f in truth["faults"]:
        assert 0.4 <= f["ramp_s"] <= 1.5
        level = statistics.median(series(rows, f["contact"], f["ramp_start"] - 0.03, f["ramp_start"]))
        i = 1 + CONTACTS.index(f["contact"])
        crossed = next(r[0] for r in rows if r[0] > f["ramp_start"] and g_of(r[i]) < 0.1 * level)
        assert abs(crossed - f["t_lost"]) < 0.03, (f, crossed)


def test_head_lightens_with_depth_while_the_back_presses_harder():
    rows, truth = rows_of(replace(PRESETS["rep_sag"], seed=2, faults=0, **QUIET, **LINEAR))
    standing = statistics.median(series(rows, "head", truth["ready_t"], truth["reps"][0]["start"]))
    back = statistics.median(series(rows, "sacrum", truth["ready_t"], truth["reps"][0]["start"]))
    for rep in truth["reps"]:
        bottom = statistics.median(series(rows, "head", rep["bottom"], rep["bottom_end"] + 0.01))
        depth = rep["depth_deg"]  # towards 25-45 % of standing over the athlete's 20-35 degrees
        lightest, heaviest = 0.25 + 0.75 * math.exp(-depth / 20.0), 0.45 + 0.55 * math.exp(-depth / 35.0)
        assert lightest - 0.03 <= bottom / standing <= heaviest + 0.03, rep
        assert statistics.median(series(rows, "sacrum", rep["bottom"], rep["bottom_end"] + 0.01)) > back


def test_the_head_follows_the_hinge_now_not_the_depth_the_rep_will_reach():
    # The reference recordings' heads lighten about 1 % a degree at first and level off past 50-60
    # degrees: a shallow rep unloads the head less. At the same angle on the way down, a rep that
    # will go deep and one that will not press the head alike (within the rep-to-rep spread).
    rows, truth = rows_of(replace(PRESETS["rep_sag"], seed=5, reps=16, faults=0, depth_deg=(30.0, 90.0),
                                  head_unload=(0.35, 0.35), **QUIET, **LINEAR))
    standing = statistics.median(series(rows, "head", truth["ready_t"], truth["reps"][0]["start"]))
    shallow = [r for r in truth["reps"] if r["depth_deg"] < 45.0]
    deep = [r for r in truth["reps"] if r["depth_deg"] > 70.0]
    assert shallow and deep

    def at_25_deg(rep: dict) -> float:  # the head on the way down, as the hinge passes 25 degrees
        down = [r for r in rows if rep["start"] <= r[0] <= rep["bottom"]]
        pitch0 = down[0][4]
        row = next(r for r in down if r[4] - pitch0 >= 25.0)
        return g_of(row[1]) / standing

    near = [at_25_deg(r) for r in shallow + deep]
    assert max(near) - min(near) < 0.12, near
    bottoms = {r["depth_deg"]: statistics.median(series(rows, "head", r["bottom"], r["bottom_end"] + 0.01))
               for r in shallow + deep}
    assert max(bottoms[d] for d in bottoms if d < 45.0) > min(bottoms[d] for d in bottoms if d > 70.0)


def test_creep_raises_the_standing_reading_over_minutes():
    sc = replace(PRESETS["creep_long"], seed=4, faults=0, drift=0.0, creep=(0.3, 0.3), **QUIET)
    rows, truth = rows_of(sc)
    assert truth["duration_s"] > 200 and 30 <= len(truth["reps"]) <= 50
    early = [r for r in truth["reps"] if r["start"] < 60]
    late = [r for r in truth["reps"] if r["start"] > 200]

    def standing(rep: dict) -> float:
        return statistics.median(series(rows, "upper_back", rep["start"] - 0.4, rep["start"]))
    assert statistics.mean(map(standing, late)) / statistics.mean(map(standing, early)) > 1.12


def test_hum_is_at_the_adc_input_and_spikes_read_towards_full_scale():
    sc = replace(PRESETS["hum"], seed=1, hum_mv=(40.0, 40.0), faults=0, **QUIET)
    hum, truth = rows_of(sc)
    plain, _ = rows_of(replace(sc, hum_mv=(0.0, 0.0), spikes_per_min=0.0))
    diffs = [(a[2] - b[2]) * LSB for a, b in zip(hum, plain) if truth["ready_t"] < a[0] < truth["reps"][0]["start"]]
    amp = max(abs(d) for d in diffs)
    assert 0.03 < amp < 0.04 * 1.8, amp  # 40 mV at 50 Hz plus up to 70 % of it at 100 Hz
    for spike in truth["spikes"]:
        i = 1 + CONTACTS.index(spike["contact"])
        hit = next(r for r in hum if r[0] >= spike["t"])
        assert hit[i] >= 0.55 * 32768 - 2


def test_mcp3008_build_reads_ten_bits_and_says_so():
    sc = replace(PRESETS["mcp_light"], seed=2)
    rows, truth = rows_of(sc)
    assert trace_header(sc)["adc"] == "mcp3008" and "pga_v" not in trace_header(sc)
    assert all(0 <= c <= 1023 for r in rows for c in r[1:4])
    assert 0.4 <= truth["base_force_n"]["head"] <= 0.9
    head = [r[1] for r in rows if truth["ready_t"] < r[0] < truth["reps"][0]["start"]]
    assert 150 < statistics.median(head) < 500


def test_doubles_lose_two_contacts_within_80_ms():
    _, truth = simulate(replace(PRESETS["double"], seed=5, faults=0))
    by_rep: dict[int, list[dict]] = {}
    for f in truth["faults"]:
        by_rep.setdefault(f["rep"], []).append(f)
    pairs = [fs for fs in by_rep.values() if len(fs) == 2]
    assert len(pairs) == 4
    for a, b in pairs:
        assert a["contact"] != b["contact"]
        assert abs(a["t_lost"] - b["t_lost"]) <= 0.08 + 0.03


def test_ragged_removal_pads_leave_apart():
    for seed in range(4):
        rows, truth = rows_of(replace(PRESETS["ragged_removal"], seed=seed, **QUIET))
        starts = sorted(p["start"] for p in truth["removal"])
        assert starts[0] == pytest.approx(truth["removed_t"])
        assert 0.05 <= starts[-1] - starts[0] <= 0.25
        last = next(p for p in truth["removal"] if p["start"] == starts[-1])
        still = series(rows, last["contact"], starts[0] + 0.02, starts[-1] - 0.01)
        assert min(still) > 0.5 * statistics.median(still), "the last pad is still pressing"


def test_fidgets_lighten_all_three_pads_together():
    rows, truth = rows_of(replace(PRESETS["fidget"], seed=3, faults=0, **QUIET))
    assert len(truth["fidgets"]) == 5
    for fid in truth["fidgets"]:
        assert fid["end"] - fid["start"] <= 1.05
        mid = 0.5 * (fid["start"] + fid["end"])
        for c, floor in zip(CONTACTS, fid["floors"]):
            before = statistics.median(series(rows, c, fid["start"] - 0.3, fid["start"]))
            during = min(series(rows, c, mid - 0.02, mid + 0.02))
            assert 0.3 <= during / before <= 0.7, (c, floor)


def test_heavy_stalls_leave_gaps_of_50_to_300_ms():
    rows, _ = rows_of(replace(PRESETS["stall_heavy"], seed=2))
    gaps = [b[0] - a[0] for a, b in zip(rows, rows[1:]) if b[0] - a[0] > 0.045]
    assert len(gaps) >= 10
    assert max(gaps) <= 0.31 and max(gaps) > 0.15


def test_imu_mount_offset_and_wandering_standing():
    rows, truth = rows_of(replace(PRESETS["mount_offset"], seed=1, imu_yaw_deg=(0.0, 0.0), **QUIET))
    stands = [statistics.median(r[4] for r in rows if rep["start"] - 0.5 < r[0] < rep["start"])
              for rep in truth["reps"]]
    assert all(15.0 + 2.0 - 6.5 < s < 30.0 + 9.0 + 6.5 for s in stands)
    assert max(stands) - min(stands) > 1.0, "the standing angle wanders"


def test_edge_bounces_land_on_a_sags_falling_edge():
    sc = replace(PRESETS["edge_bounce"], seed=6, faults=0, rate_hz=1000.0, **QUIET)
    rows, truth = rows_of(sc)
    edged = [s for s in truth["sags"] if "bounce" in s]
    assert len(edged) == 5
    for sag in edged:
        b = sag["bounce"]
        assert sag["start"] < b["t"] < sag["start"] + 0.4 and 0.005 <= b["dur"] <= 0.03
        gone = series(rows, sag["contact"], b["t"] + 0.001, b["t"] + b["dur"] - 0.001)
        assert gone and max(gone) < 1e-6


def test_side_bends_tilt_the_roll_more_than_the_pitch():
    sc = replace(PRESETS["side_bends"], seed=3, imu_yaw_deg=(0.0, 0.0), **QUIET)
    rows, truth = rows_of(sc)
    assert len(rows[0]) == 6, "the roll column"
    assert {m["kind"] for m in truth["moves"]} == {"side", "twist"}
    for m in truth["moves"]:
        peak = [r for r in rows if m["start"] < r[0] < m["end"]]
        pitch = max(r[4] for r in peak) - statistics.median(r[4] for r in rows if m["start"] - 0.3 < r[0] < m["start"])
        roll = max(abs(r[5]) for r in peak)
        if m["kind"] == "side":
            assert roll > pitch and roll > 0.6 * abs(m["depth_deg"])
        else:
            assert pitch < 20.0


def test_fsr_curve_and_break_force_as_the_labelled_traces_show_them():
    # 10 % of the force reads about 12.7 % of the conductance (n ~ 0.9), and a pad under its
    # break force reads open: a fall ends in a jump to zero from there
    sc = replace(PRESETS["slow_peel"], seed=4, rate_hz=200.0, fault_shapes=("cosine",), **QUIET)
    rows, truth = rows_of(sc)
    ratios = []
    for f in truth["faults"]:
        i = 1 + CONTACTS.index(f["contact"])
        level = statistics.median(series(rows, f["contact"], f["ramp_start"] - 0.03, f["ramp_start"]))
        at = next(r for r in rows if r[0] >= f["t_lost"])
        ratios.append(g_of(at[i]) / level)
        before_zero = [g_of(r[i]) for r in rows if f["ramp_start"] < r[0] < f["end"]]
        k = next(j for j, g in enumerate(before_zero) if g < 1e-6)
        assert before_zero[k - 1] > 5e-6, "it drops to zero from its break force, not smoothly"
    assert 0.11 < statistics.median(ratios) < 0.15
    _, light = simulate(replace(sc, sags=8, fidgets=2, light_head=True, head_unload=(0.25, 0.45)))
    for sag in light["sags"]:
        c = sag["contact"]
        assert sag["floor"] * light["base_force_n"][c] > light["break_force_n"][c], "a sag still touches"


def test_shallow_athletes_bend_less_than_35_deg():
    _, truth = simulate(replace(PRESETS["shallow"], seed=4))
    assert all(20.0 <= r["depth_deg"] <= 35.0 for r in truth["reps"])
    assert all(d["depth_deg"] <= 12.0 for d in truth["dips"])
