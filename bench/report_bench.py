"""Report benchmark: one athlete's year (1,000 sets) through the real export and `smartdowel report`.

    .venv/bin/python bench/report_bench.py [--sets 1000] [--keep DIR]

1. Records an athlete who improves over the first weeks (the tests' simulated
   athlete: the real Plan picks each set's schedule, a gzip trace per set),
   4 sets of 8 reps on training days spread over 365 days.
2. Exports every set with the real `smartdowel export` (box id and plan
   columns included; the export also writes report.html into its folder).
3. Runs `smartdowel report` on it in a fresh process: wall time (interpreter
   start included), the report's own time, peak RSS, and the sizes written.

Targets (the issue): report.html for 1,000 sets over a year written in under
5 s on the development machine, and under 2 MB.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from device.store.store import Store  # noqa: E402
from support.athletes import ImprovingAthlete  # noqa: E402

SETS_PER_DAY = 4


def smartdowel(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The real command in a fresh process: (result, wall seconds, the child's peak RSS in MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "device.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": ROOT})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"smartdowel {args[0]} failed: {done.stderr.strip()}")
    return done, wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def run(work: str, sets: int) -> None:
    data, stick, out = (os.path.join(work, x) for x in ("data", "stick", "report"))
    days = sorted(random.Random(1).sample(range(365), max(1, sets // SETS_PER_DAY)))
    t = time.perf_counter()
    with Store.open(data) as store:
        with store.transaction():
            log = ImprovingAthlete(store, "Bench Athlete", datetime(2025, 1, 6, 17, 0)).train(tuple(days), SETS_PER_DAY)
    print(f"recorded {len(log.per_set)} sets on {len(days)} days over a year in {time.perf_counter() - t:.1f} s; "
          f"plan: {len(log.changes)} stage changes, now {log.stage}")
    os.makedirs(stick)
    _, wall, _ = smartdowel("export", stick, "--data", data, "--all")
    (folder,) = [os.path.join(stick, f) for f in os.listdir(stick)]
    size = os.path.getsize(os.path.join(folder, "report.html")) / 1e6
    print(f"exported in {wall:.1f} s to {folder} (its report.html {size:.2f} MB)")
    done, wall, rss = smartdowel("report", stick, "-o", out)
    inner = float(re.search(r"in (\d+\.\d+) s$", done.stdout.strip()).group(1))  # type: ignore[union-attr]
    sizes = {name: os.path.getsize(os.path.join(out, name)) for name in sorted(os.listdir(out))}
    print(f"\nsmartdowel report: {wall:.2f} s wall in a fresh process (target < 5 s), {inner:.2f} s of it "
          f"reading, merging and writing; peak RSS {rss:.0f} MB")
    for name, size in sizes.items():
        target = "  (target < 2 MB)" if name == "report.html" else ""
        print(f"  {name:<40} {size / 1e6:6.2f} MB{target}")
    ok = wall < 5.0 and sizes["report.html"] < 2e6
    print(f"\n{'within' if ok else 'OUTSIDE'} the targets")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", type=int, default=1000)
    p.add_argument("--keep", help="build the store, export and report here (default: a temporary folder)")
    args = p.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="smartdowel-report-bench-")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, work folder {work}")
    try:
        run(work, args.sets)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
