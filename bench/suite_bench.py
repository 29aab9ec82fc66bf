"""The test suite, run again and again: how long it takes and whether it ever fails.

    python bench/suite_bench.py [--runs 10] [--] [PYTEST ARGS]

Runs `./dev test ARGS` (pytest on all cores) `--runs` times in a row, each in a
fresh process, and prints every run's wall time, its closing line and exit code,
then the median, the fastest and the slowest, and how many runs failed (exit 1
if any did). A failing run's output is kept in a temporary file named in the
report. The machine is shared: quote the median, not one run.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_run(args: list[str]) -> tuple[float, int, str, str]:
    """(wall seconds, exit code, pytest's closing line, the whole output)."""
    t0 = time.monotonic()
    p = subprocess.run([os.path.join(ROOT, "dev"), "test", *args], capture_output=True, text=True, cwd=ROOT)
    took = time.monotonic() - t0
    out = p.stdout + p.stderr
    lines = [x for x in out.splitlines() if x.strip()]
    return took, p.returncode, lines[-1] if lines else "(no output)", out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to ./dev test")
    a = ap.parse_args()
    args = [x for x in a.pytest_args if x != "--"]
    times, failed = [], 0
    for i in range(a.runs):
        took, code, last, out = one_run(args)
        times.append(took)
        note = ""
        if code != 0:
            failed += 1
            fd, path = tempfile.mkstemp(prefix="suite-run-", suffix=".log")
            with os.fdopen(fd, "w") as fh:
                fh.write(out)
            note = f"  (output kept in {path})"
        print(f"run {i + 1:2d}: {took:6.1f} s  exit {code}  {last.strip('= ')}{note}", flush=True)
    print(f"\n{a.runs} runs of ./dev test {' '.join(args)}: median {statistics.median(times):.1f} s, "
          f"fastest {min(times):.1f} s, slowest {max(times):.1f} s; failed runs: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
