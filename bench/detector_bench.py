"""Detector benchmark: quality and latency per family of labelled traces, replay speed, memory.

    python bench/detector_bench.py [--seeds N] [--hours H] [--jobs J] [--traces DIR] [--first-seed S] [--quick]

Prints one row per family (bench/families.py): traces, hours of training
between ready and removal, faults, found, recall, false alarms (and per
hour), cause accuracy, reps exact (traces whose rep count is exactly right),
latency p50/p95/max measured from the first sample at or after the moment the
force fell below 10 % of its level, removals recognised with nothing left
counted as a fault, and which bars the row misses (recall >= 0.995, false
alarms <= 0.5 an hour, p95 <= 30 ms, reps exact >= 0.98, causes all right).
Then the totals and the bars over everything.
Then the replay speed of `smartdowel replay` on an hour-long 100 Hz trace,
plain and gzip (x real time, median of 3 runs), and the replay's peak memory
for 10 and 60 minute traces (flat means streaming).
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from device.core.signal import Sample, SignalChain  # noqa: E402
from device.store.trace import TraceWriter  # noqa: E402
from drivers.sim import PRESETS, simulate  # noqa: E402
from families import families, run_job  # noqa: E402
from score import Score  # noqa: E402

BARS = {"recall": 0.995, "false_alarms_per_hour": 0.5, "sampled_p95_ms": 30.0, "rep_count_exact": 0.98}
HEAD = (f"{'family':27s} {'traces':>6s} {'hours':>6s} {'faults':>6s} {'found':>6s} {'recall':>7s} "
        f"{'false':>5s} {'FA/h':>5s} {'cause':>6s} {'reps':>7s} {'p50':>6s} {'p95':>6s} {'max':>6s} {'removal':>8s} "
        f"bars")


def fmt(x: float, spec: str = ".1f") -> str:
    return "-" if x != x else format(x, spec)


def row(name: str, score: Score) -> str:
    s = score.summary()
    reps = f"{score.exact_traces}/{score.imu_traces}" if score.imu_traces else "-"
    removal = f"{score.removals_clean}/{score.removals}" if score.removals else "-"
    return (f"{name:27s} {score.traces:6d} {s['hours']:6.2f} {score.faults:6d} {score.found:6d} "
            f"{fmt(s['recall'], '.4f'):>7s} {score.false_alarms:5d} {s['false_alarms_per_hour']:5.2f} "
            f"{fmt(s['cause_correct'], '.3f'):>6s} {reps:>7s} {fmt(s['sampled_p50_ms']):>6s} "
            f"{fmt(s['sampled_p95_ms']):>6s} {fmt(s['sampled_max_ms']):>6s} {removal:>8s} {missed(score)}")


def missed(score: Score) -> str:
    """'ok', or the bars this row misses (causes all right, every removal clean, and BARS)."""
    s = score.summary()
    out = [k for k, bar in BARS.items() if s[k] == s[k] and not _holds(k, s[k], bar)]
    if score.found and score.cause_ok != score.found:
        out.append("cause")
    if score.removals_clean != score.removals:
        out.append("removal")
    return "ok" if not out else "MISSED " + ",".join(out)


def quality(seeds: int, hours: float, jobs: int, dirs: list[str], first: int = 0) -> dict[str, Score]:
    fams = families(seeds, hours, dirs, first)
    print(f"latency in ms from the first sample at or after force < 10 %; reps: traces exactly right\n{HEAD}")
    totals: dict[str, Score] = {"all": Score(), "simulated": Score(), "labelled": Score()}
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) if jobs > 1 else _Serial() as pool:
        for fam, work in fams.items():
            score = Score()
            for s in pool.map(run_job, work):
                score.add(s)
            print(row(fam, score), flush=True)
            totals["all"].add(score)
            totals["labelled" if fam.split("/")[0] in ("shared", "v2") else "simulated"].add(score)
    print()
    for name, score in totals.items():
        if score.traces:
            print(row(name, score))
    s = totals["all"].summary()
    print("\nbars: " + "  ".join(f"{k} {'>=' if k in ('recall', 'rep_count_exact') else '<='} {v}: "
                                  f"{fmt(s[k], '.4f')} {'ok' if _holds(k, s[k], v) else 'MISSED'}"
                                  for k, v in BARS.items()))
    return totals


def _holds(key: str, value: float, bar: float) -> bool:
    return value >= bar if key in ("recall", "rep_count_exact") else value <= bar


class _Serial:
    def map(self, fn, items):
        return [fn(x) for x in items]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def write_long_trace(path: str, minutes: float) -> float:
    """A long 100 Hz trace (a typical athlete, rep after rep) for speed and memory."""
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
    wall, rss = p.stderr.split()[-2:]
    return float(wall), int(rss)


def speed_and_memory() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hour = os.path.join(tmp, "hour.csv")
        t0 = time.perf_counter()
        seconds = write_long_trace(hour, 60.0)
        gen = time.perf_counter() - t0
        with open(hour, "rb") as src, gzip.open(hour + ".gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        for path, kind in ((hour, "plain"), (hour + ".gz", "gzip")):
            walls = [replay_cost(path)[0] for _ in range(3)]
            wall = statistics.median(walls)
            print(f"replay of {seconds / 60:.1f} min at 100 Hz ({kind}): median {wall:.2f} s of 3 "
                  f"({min(walls):.2f}-{max(walls):.2f}) = {seconds / wall:.0f}x real time")
        print(f"(simulating the hour took {gen:.1f} s)")
        ten = os.path.join(tmp, "ten.csv")
        write_long_trace(ten, 10.0)
        rss10, rss60 = replay_cost(ten)[1], replay_cost(hour)[1]
        print(f"replay peak memory: {rss10 / 1024:.1f} MiB for 10 min, {rss60 / 1024:.1f} MiB "
              f"for 60 min (ratio {rss60 / rss10:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="simulated traces per family")
    ap.add_argument("--hours", type=float, default=3.0, help="hours of long clean sets")
    ap.add_argument("--jobs", type=int, default=1, help="processes (the per-family order is kept)")
    ap.add_argument("--traces", action="append", default=[], help="another folder of labelled traces")
    ap.add_argument("--first-seed", type=int, default=0, help="shift every seed: a fresh sample of each family")
    ap.add_argument("--quick", action="store_true", help="quality only: 3 seeds, half an hour clean")
    a = ap.parse_args()
    if a.quick:
        quality(3, 0.5, a.jobs, a.traces, a.first_seed)
        return
    quality(a.seeds, a.hours, a.jobs, a.traces, a.first_seed)
    print()
    speed_and_memory()


if __name__ == "__main__":
    main()
