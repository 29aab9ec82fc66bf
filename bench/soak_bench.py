"""Soak: hours of simulated sets back to back in accelerated time, without real sleeping.

    python bench/soak_bench.py [--hours 8] [--scenario typical] [--rate 100]

The simulated athlete (drivers.sim.simulate, a new seed per set)
feeds the detector and the set recorder (its own thread, a temporary store,
gzip traces) sample by sample, as fast as they go; the recorder's wall clock
is the simulated one. Every simulated hour it prints:

- memory: RSS (from /proc/self/status) and the Python heap (tracemalloc);
- open file handles (/proc/self/fd) and threads;
- the database file and its WAL, the database size per rep (should stay about constant: linear
  growth), the traces folder size;
- the detector's cost per sample over the last hour (feed() only, timed
  around each call: no drift means no state growing with time);
- the recorder's backlog and its dropped samples and errors.

Then a summary with the first/last hour ratios. Honest numbers: nothing is
asserted, the figures are printed.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import threading
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from device.core.detector import Detector  # noqa: E402
from device.store.recorder import SetRecorder  # noqa: E402
from device.core.signal import Sample, SignalChain  # noqa: E402
from device.store.connection import DB_NAME  # noqa: E402
from device.store.store import Store  # noqa: E402
from drivers.sim import PRESETS, simulate  # noqa: E402

WALL0 = 1.7e9  # the simulated wall clock starts here


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def du(path: str) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(folder, f))
            except OSError:
                pass
    return total


def db_bytes(data: str, suffix: str = "") -> int:
    path = os.path.join(data, DB_NAME + suffix)
    return os.path.getsize(path) if os.path.exists(path) else 0


def sampler_drift(hours: float, rate: float) -> None:
    """The sampler's schedule over `hours` of fake time: does the rate drift as deadlines add up?

    Each read costs 3.5 ms +- 0.5 ms (three 860 SPS conversions), sleeps wake up
    to 0.3 ms late; the per-hour sample count should stay rate x 3600."""
    import random
    from device.app.sampler import Sampler
    rng = random.Random(1)
    clock = {"now": 0.0}

    class ADC:
        def read(self, channel: int) -> int:
            clock["now"] += (3.5e-3 + rng.uniform(-5e-4, 5e-4)) / 3
            return 100

    def sleep(dt: float) -> None:
        clock["now"] += max(dt, 0.0) + rng.uniform(0.0, 3e-4)
    counts: list[int] = []
    sampler = Sampler(ADC(), None, rate, lambda s: None, lambda e: None,
                      clock=lambda: clock["now"], sleep=sleep)
    for _ in range(int(hours)):
        before = sampler.samples
        sampler.run_for(3600.0)
        counts.append(sampler.samples - before)
    rates = [c / 3600.0 for c in counts]
    print(f"sampler schedule over {int(hours)} fake hours at {rate:g} Hz: samples/s per hour "
          f"min {min(rates):.3f} max {max(rates):.3f} (drift {max(rates) - min(rates):.3f}), "
          f"overruns {sampler.overruns}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    ap.add_argument("--scenario", default="typical", help="simulated set preset (default typical)")
    ap.add_argument("--rate", type=float, default=100.0, help="samples per second (default 100)")
    ap.add_argument("--rest", type=float, default=20.0, help="seconds between sets (no samples)")
    ap.add_argument("--data", help="data folder (default: a new temporary one)")
    a = ap.parse_args()
    data = a.data or tempfile.mkdtemp(prefix="soak-")
    chain = SignalChain(rate_hz=a.rate)
    sim_t = [0.0]
    store = Store.open(data)
    rec = SetRecorder(store, chain, clock=lambda: WALL0 + sim_t[0])
    tracemalloc.start()
    print(f"soak: {a.hours:g} simulated hours of '{a.scenario}' sets at {a.rate:g} Hz, "
          f"{a.rest:g} s between sets; data in {data}")
    print(" hour  sets   reps   samples  RSS_MiB  heap_MiB  fds thr  db_KiB wal_KiB db_B/rep  traces_MiB  "
          "feed_us/sample  backlog dropped errors  wall_s")
    started = time.monotonic()
    horizon = a.hours * 3600.0
    next_report = 3600.0 if horizon >= 3600.0 else horizon
    hour_feed_s, hour_samples = 0.0, 0
    total_samples, sets, seed = 0, 0, 0
    base = PRESETS[a.scenario]
    rows_report: list[tuple] = []
    offset = 0.0
    perf = time.perf_counter
    while offset < horizon:
        scenario = dataclasses.replace(base, seed=seed, rate_hz=a.rate)
        seed += 1
        det = Detector(chain)
        feed = det.feed
        rows, _ = simulate(scenario)
        last = offset
        for row in rows:
            s = Sample(row[0] + offset, row[1], row[2], row[3], row[4])
            sim_t[0] = last = s.t
            rec.post_sample(s)
            t0 = perf()
            events = feed(s)
            hour_feed_s += perf() - t0
            hour_samples += 1
            for e in events:
                rec.post_event(e)
        sets += 1
        offset = last + a.rest
        sim_t[0] = offset
        if not rec.sync(120.0):
            print("  recorder did not catch up within 120 s", flush=True)
        if last >= next_report or offset >= horizon:
            total_samples += hour_samples
            reps = store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
            nsets = store.conn.execute("SELECT COUNT(*) FROM sets").fetchone()[0]
            cur, _peak = tracemalloc.get_traced_memory()
            dbb = db_bytes(data)
            row = (last / 3600.0, nsets, reps, total_samples, rss_kib() / 1024, cur / 2**20,
                   open_fds(), threading.active_count(), dbb / 1024, db_bytes(data, "-wal") / 1024,
                   dbb / max(reps, 1),
                   du(os.path.join(data, "traces")) / 2**20, 1e6 * hour_feed_s / max(hour_samples, 1),
                   rec.backlog, rec.dropped_samples, rec.errors, time.monotonic() - started)
            rows_report.append(row)
            print(" {:4.1f} {:5d} {:6d} {:9d} {:8.1f} {:9.2f} {:4d} {:3d} {:7.0f} {:7.0f} {:8.0f} {:11.1f} "
                  "{:15.2f} {:8d} {:7d} {:6d} {:7.0f}".format(*row), flush=True)
            hour_feed_s, hour_samples = 0.0, 0
            while next_report <= last:
                next_report += 3600.0
            next_report = min(horizon, next_report)
    rec.close()
    integrity = store.integrity()
    store.close()
    if len(rows_report) >= 2:
        f, last = rows_report[0], rows_report[-1]
        print(f"\nfirst -> last report: RSS {f[4]:.1f} -> {last[4]:.1f} MiB, heap {f[5]:.2f} -> {last[5]:.2f} MiB, "
              f"fds {f[6]} -> {last[6]}, threads {f[7]} -> {last[7]}")
        print(f"  db bytes per rep {f[10]:.0f} -> {last[10]:.0f} ({last[10] / max(f[10], 1):.2f}x), "
              f"detector us/sample {f[12]:.2f} -> {last[12]:.2f} ({last[12] / max(f[12], 1e-9):.2f}x)")
    print(f"sets {sets}, samples fed {total_samples}, recorder errors {rec.errors}, dropped samples "
          f"{rec.dropped_samples}, integrity_check {integrity}, wall {time.monotonic() - started:.0f} s")
    sampler_drift(max(1.0, a.hours), a.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
