"""The detector benchmark's families of traces: each a list of jobs that return a Score.

- shared/*, v2/*: the labelled traces beside the project (../shared/traces and
  ../shared/traces-v2, or --traces DIR), skipped when absent;
- sim/<preset>: the simulated athlete's presets (one phenomenon each), several seeds;
- stress/*: harsher than any preset, several phenomena at once;
- hours/long_clean: long clean sets adding up to several hours of training,
  where every contact_lost is a false alarm.
"""
from __future__ import annotations

import dataclasses
import glob
import json
import os
from typing import Iterable

from device.core.detector import Detector
from device.core.signal import Sample, SignalChain
from device.store.gztrace import read_trace
from drivers.sim import PRESETS, Scenario, simulate, trace_header
from score import Score, score_trace

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(HERE), "..", "shared")
Job = tuple[str, object]  # ("file", (truth path, trace path)) or ("sim", Scenario): picklable

SIM = ("typical", "clean", "fast", "no_imu", "noisy", "hard", "slow_peel", "rep_sag", "creep_long", "hum",
       "mcp_light", "double", "ragged_removal", "fidget", "stall_heavy", "mount_offset", "edge_bounce",
       "shallow", "side_bends", "shallow_side", "slow_tempo", "fsr_curve", "mains60", "mix", "shorted")

STRESS: dict[str, tuple[str, dict]] = {
    "50hz_stalls": ("hard", dict(rate_hz=50.0, jitter=0.2, stall_every_s=2.0, noise="high", light_head=True,
                                 sags=6, bounces=10, glitches_per_min=30.0, drift=0.35, faults=8, reps=12,
                                 sag_floor=(0.20, 0.22))),
    "sags_drift": ("typical", dict(jitter=0.1, sags=12, sag_floor=(0.20, 0.21), drift=0.35, light_head=True,
                                   faults=6, reps=12, bounces=6)),
    "bounces": ("typical", dict(jitter=0.15, bounces=25, glitches_per_min=60.0, faults=6, reps=12, noise="high")),
    "fast_ramps_200hz": ("typical", dict(rate_hz=200.0, fault_ramp_s=(0.08, 0.12), faults=8, reps=12,
                                         stall_every_s=3.0, jitter=0.1)),
    "slow_peel_50hz": ("slow_peel", dict(rate_hz=50.0, jitter=0.2, stall_every_s=4.0, noise="high")),
    "peel_stalls": ("slow_peel", dict(stall_every_s=2.0, stall_s=(0.05, 0.3), jitter=0.3, faults=8)),
    "double_hum": ("double", dict(hum_mv=(20.0, 50.0), doubles=5, jitter=0.2, spikes_per_min=2.0)),
    "double_stalls": ("double", dict(stall_every_s=2.5, stall_s=(0.05, 0.3), jitter=0.3, doubles=5)),
    "edge_bounce_hum": ("edge_bounce", dict(hum_mv=(10.0, 40.0), edge_bounces=8, sag_floor=(0.2, 0.25),
                                            bounce_s=(0.02, 0.03))),
    "fidget_light": ("fidget", dict(light_head=True, fidgets=8, fidget_floor=(0.35, 0.4), noise="high")),
    "mcp_hum": ("mcp_light", dict(hum_mv=(10.0, 40.0), spikes_per_min=2.0, jitter=0.2, stall_every_s=5.0)),
    "shallow_mount": ("shallow", dict(imu_offset_deg=(15.0, 30.0), imu_yaw_deg=(0.0, 20.0),
                                      standing_wander_deg=6.0, depth_deg=(20.0, 35.0))),
    "removal_faulty_pad": ("ragged_removal", dict(shorted=("head", 10.0), faults=3)),
}


def shared_dirs(extra: Iterable[str] = ()) -> dict[str, str]:
    """Labelled trace folders that exist: family prefix -> folder."""
    found = {"shared": os.path.join(SHARED, "traces"), "v2": os.path.join(SHARED, "traces-v2")}
    for d in extra:
        found[os.path.basename(os.path.normpath(d))] = d
    return {k: v for k, v in found.items() if os.path.isdir(v)}


def run_detector(chain: SignalChain, samples: Iterable[Sample]) -> tuple[list[dict], list[float]]:
    """The detector's events (as line objects) and the samples' times."""
    d = Detector(chain)
    feed = d.feed
    events: list[dict] = []
    times: list[float] = []
    for s in samples:
        times.append(s.t)
        e = feed(s)
        if e:
            events.extend(x.to_dict() for x in e)
    return events, times


def score_file(truth_path: str, trace_path: str) -> Score:
    with open(truth_path) as fh:
        truth = json.load(fh)
    with read_trace(trace_path) as r:
        return score_trace(truth, *run_detector(r.chain, r))


def as_written(row: tuple) -> Sample:
    """A simulated row as a trace file would give it back (t to 0.1 ms, angles to 0.01 deg)."""
    t, h, u, s, p = row[:5]
    r = row[5] if len(row) > 5 else None
    return Sample(round(t, 4), h, u, s, None if p is None else round(p, 2), None if r is None else round(r, 2))


def score_sim(scenario: Scenario) -> Score:
    rows, truth = simulate(scenario)
    chain = SignalChain(**trace_header(scenario))  # type: ignore[arg-type]
    return score_trace(truth, *run_detector(chain, map(as_written, rows)))


def run_job(job: Job) -> Score:
    kind, what = job
    return score_file(*what) if kind == "file" else score_sim(what)  # type: ignore[misc, arg-type]


def _sim_jobs(base: Scenario, family: str, seeds: Iterable[int], **changes: object) -> list[Job]:
    return [("sim", dataclasses.replace(base, seed=s, family=family, **changes)) for s in seeds]


def families(seeds: int, hours: float, dirs: Iterable[str] = (), first: int = 0) -> dict[str, list[Job]]:
    """name -> jobs, in the order the table prints them; `first` shifts every seed (a fresh sample)."""
    out: dict[str, list[Job]] = {}
    for prefix, folder in shared_dirs(dirs).items():
        for truth_path in sorted(glob.glob(os.path.join(folder, "*.truth.json"))):
            name = os.path.basename(truth_path)[: -len(".truth.json")]
            trace = next((p for p in (os.path.join(folder, name + ext) for ext in (".csv", ".csv.gz"))
                          if os.path.exists(p)), None)
            if trace is not None:
                fam = f"{prefix}/{name.rsplit('-', 1)[0]}"
                out.setdefault(fam, []).append(("file", (truth_path, trace)))
    for preset in SIM:
        out["sim/" + preset] = _sim_jobs(PRESETS[preset], preset, range(first + 1000, first + 1000 + seeds))
    for name, (base, changes) in STRESS.items():
        out["stress/" + name] = _sim_jobs(PRESETS[base], name, range(first + 2000, first + 2000 + seeds), **changes)
    out["hours/long_clean"] = long_clean(hours, first)
    return out


def long_clean(hours: float, first: int = 0) -> list[Job]:
    """Enough long clean sets (4-6 min each) to add up to `hours` of training."""
    n = max(1, int(round(hours * 60 / 4.5)))
    return _sim_jobs(PRESETS["long_clean"], "long_clean_h", range(first + 3000, first + 3000 + n))
