"""Boot benchmark: process start to READY=1, against importing pygame and numpy; peak memory.

    python bench/boot_bench.py [--runs 5] [--hold 3]

Runs `smartdowel run --hardware sim --headless` as systemd would: with
NOTIFY_SOCKET pointing at a datagram socket this benchmark listens on and a
WATCHDOG_USEC, so it sees READY=1, WATCHDOG=1 and STOPPING=1 exactly as the
service manager does. Until the app sends READY=1, the time to its first
`started` event line on stdout stands in for it (and the report says so).

Each app run is held `--hold` seconds after start-up, so the sampler, the
detector and the store reach their steady size, then stopped with SIGTERM as
`systemctl stop` does; the time from SIGTERM to exit and the child's peak
resident memory (ru_maxrss from wait4) are recorded.

Baseline: `python -c "import pygame, numpy"` with the same interpreter. Runs
alternate (baseline, app, baseline, app, ...) so drift of the machine hits
both. Targets (issue 6): start-up at most 1.5x the baseline (median of the
runs), peak RSS at most 80 MB.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RATIO_TARGET = 1.5
RSS_TARGET_MB = 80.0
WATCHDOG_USEC = 2_000_000


@dataclass
class AppRun:
    """What one start of the appliance showed."""

    ready_s: float | None = None      # READY=1 received
    started_s: float | None = None    # first "started" event line
    stop_s: float | None = None       # SIGTERM to exit
    rss_mb: float = 0.0
    exit_code: int | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def up_s(self) -> float | None:
        return self.ready_s if self.ready_s is not None else self.started_s


def app_command() -> list[str]:
    """The console script the unit starts, or the module when only the source is here."""
    script = Path(sys.executable).with_name("smartdowel")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "device.cli"]
    return base + ["run", "--hardware", "sim", "--headless"]


def child_env(notify_path: str, data_dir: str) -> dict[str, str]:
    env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC=str(WATCHDOG_USEC),
               SMARTDOWEL_DATA=data_dir, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               OMP_NUM_THREADS="1", PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.pop("WATCHDOG_PID", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def time_imports() -> float:
    """Wall time of a fresh interpreter importing pygame and numpy."""
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1", OMP_NUM_THREADS="1")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pygame, numpy"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _watch_stdout(proc: subprocess.Popen, t0: float, run: AppRun) -> None:
    """Drain the event lines (the pipe must never fill) and note the first 'started'."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if run.started_s is None and '"type": "started"' in line:
            run.started_s = time.perf_counter() - t0


def _listen(sock: socket.socket, t0: float, until: float, run: AppRun) -> None:
    """Collect notify datagrams until `until` (perf_counter); READY=1 is timed."""
    while True:
        left = until - time.perf_counter()
        if left <= 0:
            return
        sock.settimeout(left)
        try:
            data = sock.recv(4096).decode(errors="replace")
        except socket.timeout:
            return
        run.messages.append(data)
        if run.ready_s is None and "READY=1" in data.split("\n"):
            run.ready_s = time.perf_counter() - t0


def run_app(hold_s: float, start_timeout_s: float = 60.0) -> AppRun:
    """Start the appliance, wait for it to come up, hold, SIGTERM, reap with wait4."""
    run = AppRun()
    with tempfile.TemporaryDirectory(prefix="boot-bench-") as tmp:
        notify_path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify_path)
        t0 = time.perf_counter()
        proc = subprocess.Popen(app_command(), env=child_env(notify_path, os.path.join(tmp, "data")),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp)
        reader = threading.Thread(target=_watch_stdout, args=(proc, t0, run), daemon=True)
        reader.start()
        deadline = t0 + start_timeout_s
        reaped = None
        while run.up_s is None and time.perf_counter() < deadline and reaped is None:
            _listen(sock, t0, min(deadline, time.perf_counter() + 0.05), run)
            reaped = _try_reap(proc.pid)
        if reaped is None:
            _listen(sock, t0, time.perf_counter() + hold_s, run)
            run.stop_s, reaped = _stop(proc.pid)
        run.exit_code, run.rss_mb = os.waitstatus_to_exitcode(reaped[0]), reaped[1].ru_maxrss / 1024.0
        proc.returncode = run.exit_code  # reaped here, with its rusage: Popen must not wait again
        _listen(sock, t0, time.perf_counter() + 0.05, run)
        reader.join(2.0)
        sock.close()
    return run


def _try_reap(pid: int) -> tuple[int, Any] | None:
    """(wait status, rusage) if the child has exited, else None; never blocks."""
    wpid, status, usage = os.wait4(pid, os.WNOHANG)
    return (status, usage) if wpid else None


def _stop(pid: int, timeout_s: float = 15.0) -> tuple[float | None, tuple[int, Any]]:
    """SIGTERM as systemctl stop sends it; SIGKILL after `timeout_s` (then no stop time).

    Reaped with wait4 for the child's own peak RSS (ru_maxrss, KiB on Linux).
    """
    t = time.perf_counter()
    os.kill(pid, signal.SIGTERM)
    while True:
        reaped = _try_reap(pid)
        if reaped is not None:
            return time.perf_counter() - t, reaped
        if time.perf_counter() - t > timeout_s:
            os.kill(pid, signal.SIGKILL)
            return None, os.wait4(pid, 0)[1:]
        time.sleep(0.002)


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def report(imports: list[float], runs: list[AppRun]) -> int:
    """Print the figures; 0 when both targets are met."""
    ups = [r.up_s for r in runs if r.up_s is not None]
    ready = all(r.ready_s is not None for r in runs)
    base, app = _median(imports), _median(ups)
    ratio = app / base if base else float("nan")
    rss = max(r.rss_mb for r in runs)
    kicks = [sum(m.split("\n").count("WATCHDOG=1") for m in r.messages) for r in runs]
    stops = [r.stop_s for r in runs if r.stop_s is not None] or [float("nan")]
    what = "READY=1" if ready else "first 'started' line (the app sends no READY=1 yet)"
    print(f"python -c 'import pygame, numpy': median {base * 1000:.0f} ms "
          f"({', '.join(f'{x * 1000:.0f}' for x in imports)})")
    print(f"appliance start to {what}: median {app * 1000:.0f} ms "
          f"({', '.join(f'{x * 1000:.0f}' for x in ups)})")
    print(f"ratio {ratio:.2f} (target <= {RATIO_TARGET})  {'ok' if ratio <= RATIO_TARGET else 'OVER'}")
    print(f"peak RSS of the running appliance: {rss:.1f} MB (target <= {RSS_TARGET_MB:.0f})  "
          f"{'ok' if rss <= RSS_TARGET_MB else 'OVER'}")
    print(f"SIGTERM to exit: median {_median(stops) * 1000:.0f} ms, max {max(stops) * 1000:.0f} ms; "
          f"exit codes {sorted({r.exit_code for r in runs})}")
    print(f"WATCHDOG=1 kicks per run (WATCHDOG_USEC={WATCHDOG_USEC}): {kicks}; "
          f"STOPPING=1 seen: {sum('STOPPING=1' in ''.join(r.messages) for r in runs)}/{len(runs)}")
    if len(ups) < len(runs):
        print(f"{len(runs) - len(ups)} run(s) never came up")
    return 0 if ratio <= RATIO_TARGET and rss <= RSS_TARGET_MB and len(ups) == len(runs) else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of each (default 5; the median counts)")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds the app runs after start-up")
    args = ap.parse_args(argv)
    imports, runs = [], []
    time_imports()  # warm the page cache once, as a booted Pi has not: both sides alike after
    for _ in range(args.runs):
        imports.append(time_imports())
        runs.append(run_app(args.hold))
    return report(imports, runs)


if __name__ == "__main__":
    sys.exit(main())
