"""Export and recording benchmark: prints its figures.

    .venv/bin/python bench/export_bench.py [--sets 1000] [--reps-per-set 20] [--keep DIR]

1. Fills temporary stores with synthetic sets (a short trace each, for its
   chart): 100 sets and --sets sets, 20 reps and 2 contact losses per set.
2. Exports each in a fresh child process (so peak memory is that export's
   alone): wall time, peak RSS of the process (ru_maxrss), and, in a second
   run, the peak of Python allocations (tracemalloc). Flat memory = the
   figures at 100 and at 1,000 sets about the same.
3. Recording: a SetRecorder writing a set while the caller posts samples at
   1 kHz and the events: how long post_sample/post_event take on the caller's
   thread (p50, p99, max, in microseconds).

Target (issue 5): 1,000 sets with 20,000 reps exported in at most 5 s.
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from device.core.contacts import CONTACTS
from device.core.signal import Sample, SignalChain  # noqa: E402
from device.store.store import Store  # noqa: E402
from device.store.trace import TraceWriter  # noqa: E402

TRACE_S = 20.0
RATE_HZ = 100.0


def synthetic_trace(reps: int) -> bytes:
    """A gzip v1 trace: standing, `reps` hinges (pitch 0->70°), pressures swinging with them."""
    text = io.StringIO()
    with TraceWriter(text, SignalChain(), has_pitch=True) as w:
        n = int(TRACE_S * RATE_HZ)
        for i in range(n):
            t = i / RATE_HZ
            phase = max(0.0, math.sin(math.pi * t * reps / TRACE_S))
            pitch = 3.0 + 67.0 * phase
            counts = [int(9000 + 2500 * math.sin(t * (k + 1)) * phase) for k in range(3)]
            w.write(Sample(round(t, 4), *counts, round(pitch, 2)))
    return gzip.compress(text.getvalue().encode(), mtime=0)


def fill(data_dir: str, sets: int, reps_per_set: int, sets_per_session: int = 5) -> None:
    """A store with `sets` finished sets, each with reps, 2 losses and its trace file."""
    trace = synthetic_trace(reps_per_set)
    with Store.open(data_dir) as store:
        athlete = store.add_athlete("Bench Athlete")
        t0 = time.time() - sets * 120.0
        with store.transaction():
            session = 0
            for i in range(sets):
                started = t0 + i * 120.0
                if i % sets_per_session == 0:
                    session = store.begin_session(athlete, started)
                set_id, rel = store.begin_set(session, started, 3.0,
                                              {"head": 250.0, "upper_back": 600.0, "sacrum": 500.0}, 2.0)
                with open(os.path.join(data_dir, rel), "wb") as fh:
                    fh.write(trace)
                for r in range(1, reps_per_set + 1):
                    end = r * (TRACE_S - 2.0) / reps_per_set
                    store.add_rep(set_id, {"rep": r, "start_s": round(end - 0.8, 3), "end_s": round(end, 3),
                                           "depth_deg": 60.0 + r % 15, "duration_s": 0.8, "descent_s": 0.35,
                                           "bottom_s": 0.1, "ascent_s": 0.35,
                                           "faults": ["sacrum"] if r % 7 == 0 else []})
                for k, contact in enumerate(("head", "sacrum")):
                    loss = store.add_loss(set_id, contact, "x", 3.0 + 5 * k, "bottom", 2 + 5 * k)
                    store.restore_loss(loss, 0.6)
                store.end_set(set_id, TRACE_S - 2.0, "dowel_removed", int(TRACE_S * RATE_HZ), 0)


def _child(data_dir: str, dest: str, trace_memory: bool) -> None:
    """Runs in a fresh process: one export, figures as JSON on stdout."""
    import tracemalloc
    from device.export.run import export
    from ui.chart_png import render_png
    if trace_memory:
        tracemalloc.start()
    with Store.open(data_dir, create=False, recover=False) as store:
        start = time.perf_counter()
        result = export(store, dest, all_sets=True, chart=render_png)
        seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace_memory else 0
    print(json.dumps({"seconds": seconds, "sets": result.sets, "reps": result.reps, "files": result.files,
                      "mb": result.bytes / 1e6,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      "traced_peak_mb": peak / 1e6}))


def run_export(data_dir: str, dest: str, trace_memory: bool) -> dict:
    os.makedirs(dest, exist_ok=True)
    argv = [sys.executable, __file__, "--child", data_dir, dest] + (["--trace"] if trace_memory else [])
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def recording_latency(workdir: str, seconds: float = 5.0, rate: float = 1000.0) -> dict:
    """Caller-side cost of post_sample/post_event while the recorder writes a set with reps."""
    from device.store.recorder import SetRecorder
    store = Store.open(os.path.join(workdir, "rec"))
    rec = SetRecorder(store, SignalChain())
    costs: list[int] = []
    perf = time.perf_counter_ns
    period = 1.0 / rate
    start = time.perf_counter()
    n, rep = 0, 0
    from device.core.events import ContactLost, ContactRestored, Event, Ready, RepCompleted
    post_s, post_e = rec.post_sample, rec.post_event
    while time.perf_counter() - start < seconds:
        t = n * period
        s = Sample(t, 9000, 9100, 9200, 3.0 + 60.0 * abs(math.sin(t)))
        a = perf()
        post_s(s)
        costs.append(perf() - a)
        events: list[Event] = []
        if n == 100:
            events.append(Ready(t, standing_deg=3.0, baseline_us={c: 500.0 for c in CONTACTS}))
        elif n > 100 and n % 500 == 0:
            rep += 1
            events += [RepCompleted(t, rep=rep, depth_deg=60.0, duration_s=0.5, descent_s=0.2,
                                    bottom_s=0.1, ascent_s=0.2),
                       ContactLost(t, "head", "cervical_flexion", rep=rep, phase="standing")]
        elif n > 100 and n % 500 == 100:
            events.append(ContactRestored(t, "head", rep=rep))
        for e in events:
            a = perf()
            post_e(e)
            costs.append(perf() - a)
        n += 1
        wait = (n * period) - (time.perf_counter() - start)
        if wait > 0:
            time.sleep(wait)
    post_e({"t": n * period, "type": "dowel_removed", "reps": rep})
    rec.close()
    costs.sort()
    with store:
        reps = store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
    return {"calls": len(costs), "p50_us": costs[len(costs) // 2] / 1e3,
            "p99_us": costs[int(len(costs) * 0.99)] / 1e3, "max_us": costs[-1] / 1e3, "reps_written": reps,
            "errors": rec.errors}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", type=int, default=1000)
    p.add_argument("--reps-per-set", type=int, default=20)
    p.add_argument("--keep", help="build the stores and exports here (default: a temporary folder)")
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(*args.child, args.trace)
        return
    work = args.keep or tempfile.mkdtemp(prefix="smartdowel-bench-")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, work folder {work}")
    try:
        run_all(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run_all(args: argparse.Namespace, work: str) -> None:
    """The figures: fill, export (timed, then traced), recording latency."""
    for sets in sorted({100, args.sets}):
        data = os.path.join(work, f"data{sets}")
        t = time.perf_counter()
        fill(data, sets, args.reps_per_set)
        print(f"\nfilled {sets} sets x {args.reps_per_set} reps in {time.perf_counter() - t:.1f} s")
        timed = run_export(data, os.path.join(work, f"stick{sets}"), trace_memory=False)
        traced = run_export(data, os.path.join(work, f"stick{sets}-traced"), trace_memory=True)
        print(f"export {timed['sets']} sets, {timed['reps']} reps: {timed['seconds']:.2f} s "
              f"({timed['seconds'] / timed['sets'] * 1000:.1f} ms/set), {timed['files']} files, "
              f"{timed['mb']:.1f} MB")
        print(f"  memory: peak RSS {timed['rss_mb']:.0f} MB "
              f"(largest chart worker {timed['children_rss_mb']:.0f} MB), "
              f"peak Python allocations {traced['traced_peak_mb']:.2f} MB (tracemalloc run: "
              f"{traced['seconds']:.2f} s)")
    lat = recording_latency(work)
    print(f"\nrecording: {lat['calls']} post_sample/post_event calls at 1 kHz while the recorder wrote "
          f"{lat['reps_written']} reps: p50 {lat['p50_us']:.1f} us, p99 {lat['p99_us']:.1f} us, "
          f"max {lat['max_us']:.0f} us, recorder errors {lat['errors']}")


if __name__ == "__main__":
    main()
