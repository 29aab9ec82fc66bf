"""Detector benchmark: quality and latency on labelled traces, replay speed, memory.

    python bench/detector_bench.py [--seeds N] [--quick]

Prints, per family of traces, faults found, false alarms, cause accuracy, rep
counting and latency from the moment the force fell below 10 % (p50/p95/max),
then the replay speed of `smartdowel replay` on an hour-long 100 Hz trace
(x real time, median of 3 runs) and the replay's peak memory for 10 and 60
minute traces (flat means streaming). Families:

- shared/*: the labelled reference traces in ../shared/traces (skipped if absent)
- sim/<preset>: the simulated athlete's presets, several seeds each
- stress/*: harsher than any preset: 50 Hz with 20 % jitter and 100 ms stalls
  every 2 s, light head contact, many sags to 20 %, bounces, glitches, drift 35 %
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from device.core.detector import Detector  # noqa: E402
from device.core.signal import Sample, SignalChain  # noqa: E402
from device.store.trace import TraceReader, TraceWriter  # noqa: E402
from drivers.simulated_dowel import PRESETS, simulate  # noqa: E402
from score import Score, score_trace  # noqa: E402

SHARED = os.path.join(os.path.dirname(HERE), "..", "shared", "traces")

STRESS = {
    "stress/50hz_stalls": dict(rate_hz=50.0, jitter=0.2, stall_every_s=2.0, noise="high",
                               light_head=True, sags=6, bounces=10, glitches_per_min=30.0,
                               drift=0.35, faults=8, reps=12, sag_floor=(0.20, 0.22)),
    "stress/sags_drift": dict(rate_hz=100.0, jitter=0.1, sags=12, sag_floor=(0.20, 0.21),
                              drift=0.35, light_head=True, faults=6, reps=12, bounces=6),
    "stress/bounces": dict(rate_hz=100.0, jitter=0.15, bounces=25, glitches_per_min=60.0,
                           faults=6, reps=12, noise="high"),
    "stress/fast_ramps_200hz": dict(rate_hz=200.0, fault_ramp_s=(0.08, 0.12), faults=8, reps=12,
                                    stall_every_s=3.0, jitter=0.1),
    "stress/slow_ramps_50hz": dict(rate_hz=50.0, fault_ramp_s=(0.3, 0.4), faults=8, reps=12,
                                   jitter=0.2, stall_every_s=4.0, sags=4),
}


def run_detector(chain: SignalChain, samples) -> list[dict]:
    d = Detector(chain)
    events: list[dict] = []
    for s in samples:
        e = d.feed(s)
        if e:
            events.extend(x.to_dict() for x in e)
    return events


def score_sim(scenario) -> Score:
    rows, truth = simulate(scenario)
    chain = SignalChain(pga_v=scenario.pga_v, vcc_v=scenario.vcc_v,
                        divider_ohm=scenario.divider_ohm, rate_hz=scenario.rate_hz)
    samples = [Sample(round(r[0], 4), r[1], r[2], r[3],
                      None if r[4] is None else round(r[4], 2)) for r in rows]
    return score_trace(truth, run_detector(chain, samples))


def families(seeds: int) -> dict[str, list]:
    """name -> list of callables returning a Score."""
    out: dict[str, list] = {}
    if os.path.isdir(SHARED):
        for truth_path in sorted(glob.glob(os.path.join(SHARED, "*.truth.json"))):
            name = os.path.basename(truth_path)[: -len(".truth.json")]
            fam = "shared/" + name.split("-")[0]

            def job(truth_path=truth_path, name=name) -> Score:
                with open(truth_path) as fh:
                    truth = json.load(fh)
                with TraceReader(os.path.join(SHARED, name + ".csv")) as r:
                    return score_trace(truth, run_detector(r.chain, r))
            out.setdefault(fam, []).append(job)
    for preset in ("typical", "clean", "fast", "no_imu", "noisy", "hard"):
        out["sim/" + preset] = [
            (lambda s=s, p=preset: score_sim(dataclasses.replace(PRESETS[p], seed=1000 + s)))
            for s in range(seeds)]
    for name, changes in STRESS.items():
        base = PRESETS["hard"] if "50hz" in name else PRESETS["typical"]
        out[name] = [(lambda s=s, c=changes, b=base, fam=name.split("/")[1]: score_sim(
            dataclasses.replace(b, seed=2000 + s, family=fam, **c)))
            for s in range(seeds)]
    return out


def fmt(x: float, spec: str = ".1f") -> str:
    return "-" if x != x else format(x, spec)


def quality(seeds: int) -> Score:
    total = Score()
    print(f"{'family':26s} {'traces':>6s} {'faults':>7s} {'found':>6s} {'false':>6s} {'cause':>6s} "
          f"{'reps':>9s} {'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s}")
    for fam, jobs in families(seeds).items():
        score = Score()
        for job in jobs:
            score.add(job())
        total.add(score)
        s = score.summary()
        reps = f"{score.reps_found}/{score.reps}+{score.reps_extra}" if score.imu_traces else "-"
        print(f"{fam:26s} {len(jobs):6d} {score.faults:7d} {score.found:6d} {score.false_alarms:6d} "
              f"{fmt(s['cause_correct'], '.2f'):>6s} {reps:>9s} {fmt(s['latency_p50_ms']):>7s} "
              f"{fmt(s['latency_p95_ms']):>7s} {fmt(s['latency_max_ms']):>7s}")
    s = total.summary()
    print(f"\nall: recall {s['recall']:.4f}  precision {s['precision']:.4f}  "
          f"false alarms {s['false_alarms']} ({s['false_alarms_per_min']:.3f}/min)  "
          f"cause {s['cause_correct']:.4f}  rep counts exact {s['rep_count_exact']:.4f}  "
          f"latency p50 {s['latency_p50_ms']:.1f} ms  p95 {s['latency_p95_ms']:.1f} ms  "
          f"max {s['latency_max_ms']:.1f} ms")
    return total


def write_long_trace(path: str, minutes: float) -> float:
    """A long 100 Hz trace (sets back to back, as the appliance records) for speed and memory."""
    scenario = dataclasses.replace(PRESETS["typical"], seed=7, reps=int(minutes * 60 / 4.5),
                                   faults=int(minutes * 6))
    rows, truth = simulate(scenario)
    chain = SignalChain(rate_hz=scenario.rate_hz)
    with TraceWriter(path, chain) as w:
        for r in rows:
            w.write(Sample(*r))
    return truth["duration_s"]


def replay_cost(path: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of `smartdowel replay` in a fresh process."""
    code = ("import resource, sys, time\n"
            "from device.cli.main import main\n"
            "sys.stdout = open('/dev/null', 'w')\n"
            "t = time.perf_counter(); main(['replay', sys.argv[1]]); t = time.perf_counter() - t\n"
            "sys.stderr.write(f'{t} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n')\n")
    p = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True,
                       cwd=os.path.dirname(HERE), check=True)
    wall, rss = p.stderr.split()
    return float(wall), int(rss)


def speed_and_memory() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hour = os.path.join(tmp, "hour.csv")
        t0 = time.perf_counter()
        seconds = write_long_trace(hour, 60.0)
        gen = time.perf_counter() - t0
        walls = [replay_cost(hour)[0] for _ in range(3)]
        wall = statistics.median(walls)
        print(f"\nreplay of {seconds / 60:.1f} min at 100 Hz: median {wall:.2f} s of 3 "
              f"({min(walls):.2f}-{max(walls):.2f}) = {seconds / wall:.0f}x real time "
              f"(simulating it took {gen:.1f} s)")
        ten = os.path.join(tmp, "ten.csv")
        write_long_trace(ten, 10.0)
        rss10, rss60 = replay_cost(ten)[1], replay_cost(hour)[1]
        print(f"replay peak memory: {rss10 / 1024:.1f} MiB for 10 min, {rss60 / 1024:.1f} MiB "
              f"for 60 min (ratio {rss60 / rss10:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="simulated traces per family")
    ap.add_argument("--quick", action="store_true", help="quality only, 3 seeds")
    a = ap.parse_args()
    quality(3 if a.quick else a.seeds)
    if not a.quick:
        speed_and_memory()


if __name__ == "__main__":
    main()
