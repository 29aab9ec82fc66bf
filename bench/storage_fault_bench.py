"""Storage faults while recording: the card fills up or turns read-only at random moments, over and over.

    sudo .venv/bin/python bench/storage_fault_bench.py [--flips 200] [--seed 1] [--card-mib 24]

The appliance runs in this process on the simulated dowel through the real
drivers ('demo' scenario: set after set, with contact losses), headless, its
data folder on a tmpfs of its own (`unshare -m`, so the kernel's ENOSPC is
real), with the card shim of tests/support/cardfaults.py preloaded (so
read-only is the system calls' own EROFS, and statvfs says read-only, as a
card remounted read-only does). A flipper thread makes `--flips` faults at
random moments: the card filled to the last byte by a ballast file (full) or
the shim's read-only switch, held 1 to 3 s, then mended (the ballast removed,
the switch off), then 1 to 4 s of a working card before the next.

Printed at the end:

- cues: cue decisions (event lines with a cue, and `cue` lines) against the
  buzzer's plays, and the sampler's interval (p99, max) and overruns: storage
  never stops or delays a cue;
- crashes: the run ends by its duration with the sampler alive, and the
  recorder's errors that were not the card's;
- corrupt databases: `PRAGMA integrity_check` at every tenth mending and at the end;
- reps: completed while storage worked and while it was refused, and how
  many of each are in the store at the end (matched by set and rep number,
  with the same end time);
- time from each fault to its `storage` event (p50, p99, max) and from each
  mending to "recording again".

Root, gcc and `unshare` are needed (it re-runs itself in a private mount
namespace). `tests/integration/test_storage_fault_bench.py` runs it with 6 flips.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

INSIDE = "SMARTDOWEL_FAULT_BENCH_INSIDE"


@dataclass
class Flip:
    kind: str  # "full" or "read_only"
    at: float  # monotonic: the fault made
    mended: float = 0.0
    said: float | None = None  # its storage event (not_recording)
    back: float | None = None  # "recording again" after the mending


@dataclass
class Figures:
    cue_decisions: int = 0
    cues_played: int = 0
    interval_p99_ms: float = 0.0
    interval_max_ms: float = 0.0
    overruns: int = 0
    exit_reason: str = ""
    sampler_alive: bool = False
    recorder_errors: int = 0
    last_error: str = ""
    integrity: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reps_working: int = 0
    reps_refused: int = 0
    kept_working: int = 0
    kept_refused: int = 0
    flips: list[Flip] = field(default_factory=list)


class Lines:
    """The appliance's event lines, each with the moment it was written."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, dict]] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> None:
        now = time.monotonic()
        for line in text.splitlines():
            if line.strip():
                with self.lock:
                    self.seen.append((now, json.loads(line)))

    def flush(self) -> None:
        pass

    def since(self, t: float) -> list[tuple[float, dict]]:
        with self.lock:
            return [(at, e) for at, e in self.seen if at >= t]


def _wait(lines: Lines, since: float, want, timeout: float) -> float | None:
    """When the first line since `since` that `want` accepts was written (waiting up to `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        for at, e in lines.since(since):
            if want(e):
                return at
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def _not_recording(e: dict) -> bool:
    return e.get("type") == "storage" and e.get("state") == "not_recording"


def _recording_again(e: dict) -> bool:
    return e.get("type") == "storage" and e.get("state") == "recording" and not e.get("reason")


def flipper(flips: list[Flip], count: int, rng: random.Random, lines: Lines, shim, ballast, data: str,
            figures: Figures, stop: threading.Event) -> None:
    """`count` faults at random moments, each held 1-3 s, then mended; 1-4 s of a working card between."""
    for i in range(count):
        if stop.wait(rng.uniform(1.0, 4.0)):
            return
        flip = Flip(rng.choice(("full", "read_only")), time.monotonic())
        if flip.kind == "full":
            ballast.fill()
        else:
            shim.read_only()
        flip.at = time.monotonic()
        flips.append(flip)
        hold_until = flip.at + rng.uniform(1.0, 3.0)
        flip.said = _wait(lines, flip.at, _not_recording, hold_until - time.monotonic())
        stop.wait(max(0.0, hold_until - time.monotonic()))
        if flip.kind == "full":
            ballast.free()
        else:
            shim.clear()
        flip.mended = time.monotonic()
        flip.back = _wait(lines, flip.mended, _recording_again, 10.0)
        if (i + 1) % 10 == 0:
            figures.integrity.append(_integrity(data))
            print(f"  {i + 1}/{count} flips", flush=True)


def _integrity(data: str) -> str:
    conn = sqlite3.connect(f"file:{os.path.join(data, 'smartdowel.db')}?mode=ro", uri=True, timeout=10)
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    except sqlite3.Error as exc:
        return f"could not check: {exc}"
    finally:
        conn.close()


def refused_at(flips: list[Flip], t: float) -> bool:
    """Whether the card was refusing at monotonic time `t` (from the fault until it was said back)."""
    return any(f.at <= t <= (f.back or f.mended + 10.0) for f in flips)


def count_reps(lines: Lines, flips: list[Flip], data: str, figures: Figures) -> None:
    """Every rep the detector completed, by whether the card was refusing then, and whether it is kept."""
    conn = sqlite3.connect(f"file:{os.path.join(data, 'smartdowel.db')}?mode=ro", uri=True)
    sets = [r[0] for r in conn.execute("SELECT id FROM sets ORDER BY id")]
    reps = {(r[0], r[1]): r[2] for r in conn.execute("SELECT set_id, rep, end_s FROM reps")}
    conn.close()
    index, ready_t = -1, 0.0
    for at, e in lines.since(0.0):
        if e["type"] == "ready":
            index, ready_t = index + 1, float(e["t"])
        elif e["type"] == "rep_completed" and index >= 0:
            refused = refused_at(flips, at)
            key = (sets[index], int(e["rep"])) if index < len(sets) else None
            kept = key in reps and abs(reps[key] - (float(e["t"]) - ready_t)) < 0.002
            if refused:
                figures.reps_refused += 1
                figures.kept_refused += kept
            else:
                figures.reps_working += 1
                figures.kept_working += kept


def inside(args: argparse.Namespace) -> None:
    """In the private mount namespace, with the shim preloaded: the run itself."""
    from device.app.appliance import Appliance
    from device.app.config import parse_config
    from device.app.hardware import build_sim
    from support.cardfaults import Ballast, CardShim
    card = Path(args.card)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.card_mib}m", "smartdowel-card", str(card)],
                   check=True)
    data = str(card / "data")
    shim = CardShim.attach(os.environ["CARDSHIM_CONTROL"], data)
    ballast = Ballast(str(card / "ballast"))
    cfg = parse_config(f"[data]\ndir = '{data}'\nusb_roots = ['{card}/media']\n", "bench")
    hw = build_sim(cfg, "demo", seed=args.seed)
    lines = Lines()
    app = Appliance(cfg, hw, out=lines)
    plays: list[float] = []
    real_play = app.player.play

    def play(pattern: object) -> bool:
        plays.append(time.monotonic())
        return real_play(pattern)
    app.player.play = play  # type: ignore[method-assign]
    gaps = {"last": None, "max": 0.0}
    post = app.live.extra_on_sample

    def on_sample(sample) -> None:  # the sampler's own stamps: the longest gap in the whole run
        if gaps["last"] is not None:
            gaps["max"] = max(gaps["max"], sample.t - gaps["last"])
        gaps["last"] = sample.t
        post(sample)
    app.live.extra_on_sample = on_sample
    figures = Figures()
    stop = threading.Event()
    rng = random.Random(args.seed)
    def flips() -> None:
        try:
            flipper(figures.flips, args.flips, rng, lines, shim, ballast, data, figures, stop)
        except Exception:
            st = os.statvfs(card)
            sizes = subprocess.run(["du", "-a", str(card)], capture_output=True, text=True).stdout
            figures.problems.append(traceback.format_exc() + f"\nstatvfs bavail {st.f_bavail} files {st.f_ffree}\n"
                                    + sizes[-1500:])
            print(figures.problems[-1], flush=True)
    thread = threading.Thread(target=flips, daemon=True)

    def start_flips() -> None:
        _wait(lines, 0.0, lambda e: e.get("type") == "storage", 30.0)
        thread.start()
        thread.join()
        app.stop("flips done")
    threading.Thread(target=start_flips, daemon=True).start()
    app.run(duration=args.flips * 12.0 + 60.0)
    stop.set()
    figures.exit_reason = app.exit_reason
    figures.sampler_alive = app.exit_reason in ("flips done", "duration")
    figures.recorder_errors, figures.last_error = app.recorder.errors, app.recorder.last_error
    for _, e in lines.seen:
        if e.get("cue") or e["type"] == "cue":
            figures.cue_decisions += 1
        if e["type"] == "stopped":
            figures.interval_p99_ms, figures.overruns = e["interval_p99_ms"], e["overruns"]
    figures.interval_max_ms = round(gaps["max"] * 1000, 2)
    figures.cues_played = len(plays)
    figures.integrity.append(_integrity(data))
    count_reps(lines, figures.flips, data, figures)
    print("FIGURES " + json.dumps(figures, default=lambda o: o.__dict__), flush=True)


def report(figures: dict) -> None:
    flips = figures["flips"]
    said = [f["said"] - f["at"] for f in flips if f["said"] is not None]
    back = [f["back"] - f["mended"] for f in flips if f["back"] is not None]
    kinds = {k: sum(f["kind"] == k for f in flips) for k in ("full", "read_only")}

    def pct(xs: list[float], q: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")
    bad = [r for r in figures["integrity"] if r != "ok"]
    print(f"faults: {len(flips)} ({kinds['full']} full, {kinds['read_only']} read-only)")
    for problem in figures["problems"]:
        print(f"the flipper stopped: {problem}")
    print(f"cues: {figures['cue_decisions']} decided, {figures['cues_played']} played, "
          f"missed {max(0, figures['cue_decisions'] - figures['cues_played'])}; sampler interval "
          f"p99 {figures['interval_p99_ms']} ms, max {figures['interval_max_ms']} ms, overruns {figures['overruns']}")
    crashed = not figures["sampler_alive"]
    print(f"crashes: {int(crashed)} (run ended: {figures['exit_reason']}); recorder errors not the card's: "
          f"{figures['recorder_errors']}{' (' + figures['last_error'] + ')' if figures['recorder_errors'] else ''}")
    print(f"corrupt databases: {len(bad)} of {len(figures['integrity'])} integrity checks"
          f"{': ' + bad[0] if bad else ''}")
    print(f"reps completed while storage worked: {figures['reps_working']}, kept {figures['kept_working']}; "
          f"while it refused: {figures['reps_refused']}, kept {figures['kept_refused']}")
    print(f"fault to storage event: said {len(said)} of {len(flips)}; p50 {statistics.median(said):.3f} s, "
          f"p99 {pct(said, 0.99):.3f} s, max {max(said):.3f} s" if said else "fault to storage event: none said")
    slow = sorted((f["said"] - f["at"], f["kind"]) for f in flips if f["said"] is not None)[-3:]
    print("slowest to be said: " + ", ".join(f"{k} {d:.3f} s" for d, k in reversed(slow)))
    print(f"mended to 'recording again': p50 {statistics.median(back):.2f} s, p99 {pct(back, 0.99):.2f} s, "
          f"max {max(back):.2f} s ({len(back)} of {len(flips)})" if back else "never recording again")


def run(flips: int, seed: int, card_mib: int, quiet: bool = False) -> dict:
    """The run in a private mount namespace with the shim preloaded; its figures."""
    from support.cardfaults import CardShim
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("gcc") is None:
        raise SystemExit("storage_fault_bench: needs root, unshare and gcc (a tmpfs of its own, the card shim)")
    work = Path(tempfile.mkdtemp(prefix="storage-faults-"))
    card = work / "card"
    card.mkdir()
    shim = CardShim(work / "shim", str(card / "data"))
    env = shim.env(dict(os.environ, **{INSIDE: "1"}))
    env.pop("NOTIFY_SOCKET", None)
    p = subprocess.Popen(["unshare", "-m", sys.executable, os.path.abspath(__file__), "--inside", "--card",
                          str(card), "--flips", str(flips), "--seed", str(seed), "--card-mib", str(card_mib)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = None
    assert p.stdout is not None and p.stderr is not None
    for text in p.stdout:
        if text.startswith("FIGURES "):
            line = text[len("FIGURES "):]
        elif not quiet:
            print(text, end="", flush=True)
    err = p.stderr.read()
    p.wait()
    shim.close()
    shutil.rmtree(work, ignore_errors=True)
    if line is None:
        raise SystemExit(f"storage_fault_bench: the run gave no figures ({p.returncode}): {err[-3000:]}")
    return json.loads(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flips", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--card-mib", type=int, default=24)
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--card", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        inside(args)
        return
    started = time.monotonic()
    print(f"storage faults: {args.flips} flips, seed {args.seed}, a {args.card_mib} MiB tmpfs card", flush=True)
    figures = run(args.flips, args.seed, args.card_mib)
    report(figures)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
