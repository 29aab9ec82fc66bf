"""Power cuts: kill -9 the appliance at random moments while it records sets, and mid-export.

    python bench/power_cut_bench.py [--kills 200] [--export-kills 20] [--seed 1] [--max-delay 40]

Recording: `smartdowel run --hardware sim --headless --scenario demo --rate 200`
in a child process on one data folder, killed with SIGKILL after a random
delay, started again, killed again... After every kill:

- `PRAGMA integrity_check` is ok (and foreign_key_check is empty);
- every rep whose `rep_completed` line the child had printed is in the store,
  as (set, rep) with the same end time: a rep printed more than IN_FLIGHT_S
  before the kill must be there ("lost"); one printed within IN_FLIGHT_S of
  the kill may still have been on its way to the card ("in flight") and is
  counted apart, kept or not;
- the sets the previous run left open were ended as "interrupted" when this
  run opened its store (its `storage` line "recording": the store opens behind
  the cues, and the random delay before each kill counts from there), their
  traces made whole (no `.partial` left, readable).

Export (bench/export_kill_rig.py): `smartdowel export DEST --all --data DIR`
in a child, killed after a random delay; the stick and the store are checked
after each kill.

Prints the counts. `tests/integration/test_power_cut.py` runs the same code
with 5 kills, each at a moment named by what the child has done (`Moment`:
an event line printed, a set open in the store) rather than after a delay, so
that every phase is hit on any machine, however loaded.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from export_kill_rig import export_kills, read_only as _ro  # noqa: E402  (the export half of the bench)

IN_FLIGHT_S = 0.5  # a rep printed this close to the kill may not have reached the card yet


# -- the recording child ---------------------------------------------------------------------------
class Child:
    """The appliance in a child process; its stdout lines with the moment each was read."""

    def __init__(self, data: str, config: str, seed: int, duration: float = 600.0) -> None:
        env = dict(os.environ, PYTHONPATH=ROOT, SMARTDOWEL_DATA=data)
        env.pop("NOTIFY_SOCKET", None)
        self.p = subprocess.Popen(
            [sys.executable, "-m", "device.cli", "run", "--hardware", "sim", "--headless",
             "--scenario", "demo", "--duration", str(duration), "--rate", "200", "--seed", str(seed),
             "--config", config],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        self.lines: list[tuple[float, dict]] = []
        self.started = threading.Event()
        self.opened = threading.Event()  # the store opened (and what the last run left was recovered)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            now = time.monotonic()
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.lines.append((now, event))
            if event.get("type") == "started":
                self.started.set()
            elif event.get("type") == "storage" and event.get("state") == "recording":
                self.opened.set()

    def kill(self) -> float:
        """SIGKILL now; the moment it was sent. Lines read after it were printed before it."""
        at = time.monotonic()
        os.kill(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self._reader.join(5)
        return at

    def stop(self) -> int:
        code = self.p.wait(60)
        self._reader.join(5)
        return code


# -- kill moments: when to pull the plug, by what the child has done --------------------------------
Moment = Callable[[Child, str, int], bool]  # (child, data folder, highest set id before it) -> now?


def after_line(kind: str, n: int = 1) -> Moment:
    """Once the child has printed its n-th event line of this type."""
    return lambda child, data, prev_id: sum(e.get("type") == kind for _, e in list(child.lines)) >= n


def set_open(child: Child, data: str, prev_id: int) -> bool:
    """Once the child's set is a row in the store, not yet ended: mid-set for sure."""
    try:
        conn = _ro(os.path.join(data, "smartdowel.db"))
    except sqlite3.Error:
        return False
    try:
        return conn.execute("SELECT COUNT(*) FROM sets WHERE id > ? AND ended_at IS NULL",
                            (prev_id,)).fetchone()[0] > 0
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def rep_printed_before(seconds: float) -> Moment:
    """Once a rep_completed line has been out longer than `seconds`: it must be in the store."""
    def due(child: Child, data: str, prev_id: int) -> bool:
        now = time.monotonic()
        return any(e.get("type") == "rep_completed" and now - seen > seconds for seen, e in list(child.lines))
    return due


def wait_for(moment: Moment, child: Child, data: str, prev_id: int, timeout: float = 120.0) -> bool:
    """Poll until the moment has come (True) or the child exited or time ran out (False)."""
    end = time.monotonic() + timeout
    while not moment(child, data, prev_id):
        if child.p.poll() is not None or time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


@dataclass
class Tally:
    kills: int = 0
    kills_mid_set: int = 0
    integrity_ok: int = 0
    reps_printed: int = 0
    reps_kept: int = 0
    reps_in_flight: int = 0
    reps_in_flight_lost: int = 0
    recovered_ids: set = field(default_factory=set)
    partial_trace_ids: set = field(default_factory=set)
    reps_in_store: int = 0
    problems: list[str] = field(default_factory=list)


def check_after_kill(data: str, child: Child, killed_at: float, prev_max_id: int, tally: Tally) -> int:
    """Check the store after one kill; returns the highest set id now in it."""
    db = os.path.join(data, "smartdowel.db")
    conn = _ro(db)
    try:
        result = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
        if result == "ok":
            tally.integrity_ok += 1
        else:
            tally.problems.append(f"kill {tally.kills}: integrity_check: {result}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            tally.problems.append(f"kill {tally.kills}: foreign_key_check: {[tuple(r) for r in fk]}")
        sets = conn.execute("SELECT * FROM sets ORDER BY id").fetchall()
        reps = {(r["set_id"], r["rep"]): r["end_s"] for r in conn.execute("SELECT set_id, rep, end_s FROM reps")}
        tally.reps_in_store = len(reps)
        new_sets = [r for r in sets if r["id"] > prev_max_id]
        old_open = [r for r in sets if r["id"] <= prev_max_id and r["ended_at"] is None]
        if old_open and child.opened.is_set():
            tally.problems.append(f"kill {tally.kills}: sets {[r['id'] for r in old_open]} from before "
                                  "this run are still open: not recovered when the store opened")
        # every ready -> the next new set; every rep_completed printed -> its row
        set_index, ready_t = -1, 0.0
        for seen_at, e in child.lines:
            kind = e.get("type")
            if kind == "ready":
                set_index, ready_t = set_index + 1, float(e["t"])
            elif kind == "rep_completed" and set_index >= 0:
                tally.reps_printed += 1
                in_flight = killed_at - seen_at < IN_FLIGHT_S
                tally.reps_in_flight += in_flight
                if set_index >= len(new_sets):
                    tally.reps_in_flight_lost += in_flight
                    if not in_flight:
                        tally.problems.append(f"kill {tally.kills}: set #{set_index + 1} of the run "
                                              f"(ready at t={ready_t}) is not in the store")
                    continue
                key = (new_sets[set_index]["id"], int(e["rep"]))
                if key in reps and abs(reps[key] - (float(e["t"]) - ready_t)) < 0.002:
                    tally.reps_kept += 1
                elif in_flight:
                    tally.reps_in_flight_lost += 1
                else:
                    tally.problems.append(f"kill {tally.kills}: rep {key} printed "
                                          f"{killed_at - seen_at:.2f} s before the kill is missing "
                                          f"(store has {reps.get(key)})")
        if new_sets and new_sets[-1]["ended_at"] is None:
            tally.kills_mid_set += 1
        return max([prev_max_id] + [r["id"] for r in sets])
    finally:
        conn.close()


def check_recovered(data: str, upto_id: int, tally: Tally) -> None:
    """Sets up to `upto_id` are all ended; the interrupted ones' traces are whole."""
    from device.store.gztrace import PARTIAL, count_samples
    conn = _ro(os.path.join(data, "smartdowel.db"))
    try:
        for r in conn.execute("SELECT * FROM sets WHERE id <= ? ORDER BY id", (upto_id,)):
            if r["ended_at"] is None:
                tally.problems.append(f"set {r['id']} never ended")
                continue
            if r["end_reason"] != "interrupted":
                continue
            tally.recovered_ids.add(r["id"])
            final = os.path.join(data, r["trace"])
            if os.path.lexists(final + PARTIAL):
                tally.partial_trace_ids.add(r["id"])  # nothing readable (killed before the header hit the card)
                if r["samples"]:
                    tally.problems.append(f"set {r['id']}: .partial left but {r['samples']} samples claimed")
                continue
            n, _ = count_samples(final) if os.path.exists(final) else (0, None)
            if n != r["samples"]:
                tally.problems.append(f"set {r['id']}: trace holds {n} samples, row says {r['samples']}")
    finally:
        conn.close()


def power_cuts(kills: int, delays: list[float] | None = None, seed: int = 1, max_delay: float = 40.0,
               data: str | None = None, verbose: bool = True, final_run_s: float = 3.0,
               moments: list[Moment] | None = None) -> tuple[Tally, str]:
    """`kills` runs of the appliance, each killed after its delay (random up to `max_delay`
    unless given) or, with `moments`, the moment its moment comes; then a clean run."""
    rng = random.Random(seed)
    data = data or tempfile.mkdtemp(prefix="powercut-data-")
    config = os.path.join(data, "..", os.path.basename(data) + "-config.toml")
    media = data + "-media"
    os.makedirs(media, exist_ok=True)
    with open(config, "w") as fh:
        fh.write(f"[data]\nusb_roots = ['{media}']\n")  # no stick is ever found: no export child
    tally = Tally()
    max_id = 0
    started = time.monotonic()
    for i in range(kills):
        delay = delays[i] if delays is not None else rng.uniform(0.2, max_delay)
        child = Child(data, config, seed=seed * 1000 + i)
        if not (child.started.wait(30) and child.opened.wait(30)):  # delays count from the store's opening
            child.kill()
            tally.problems.append(f"kill {i + 1}: the appliance never printed 'started' and 'storage' recording")
            continue
        if moments is None:
            time.sleep(delay)
        elif not wait_for(moments[i], child, data, max_id) and child.p.poll() is None:
            child.kill()
            tally.problems.append(f"kill {i + 1}: its moment never came")
            continue
        if child.p.poll() is not None:
            tally.problems.append(f"kill {i + 1}: the appliance exited by itself ({child.p.returncode})")
            continue
        killed_at = child.kill()
        tally.kills += 1
        prev = max_id
        max_id = check_after_kill(data, child, killed_at, max_id, tally)
        if i:
            check_recovered(data, prev, tally)
        if verbose and (i + 1) % max(1, kills // 20) == 0:
            print(f"  {i + 1}/{kills} kills, {time.monotonic() - started:.0f} s: {tally.reps_kept} reps "
                  f"kept of {tally.reps_printed} printed, problems {len(tally.problems)}", flush=True)
    # one clean start and stop: the last kill's set is ended as interrupted
    child = Child(data, config, seed=seed * 1000 + kills, duration=final_run_s)
    code = child.stop()
    if code != 0:
        tally.problems.append(f"the clean run after the kills exited {code}")
    check_recovered(data, max_id, tally)
    return tally, data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--export-kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-delay", type=float, default=40.0, help="longest run before a kill, seconds")
    a = ap.parse_args()
    t0 = time.monotonic()
    print(f"recording: {a.kills} kill -9 at random moments (0.2..{a.max_delay:.0f} s after start)")
    tally, data = power_cuts(a.kills, seed=a.seed, max_delay=a.max_delay)
    print(f"  data folder {data}")
    print(f"  kills {tally.kills} (mid-set {tally.kills_mid_set}), "
          f"integrity_check ok {tally.integrity_ok}/{tally.kills}")
    print(f"  reps printed before a kill {tally.reps_printed}: kept {tally.reps_kept}; printed within "
          f"{IN_FLIGHT_S} s of the kill {tally.reps_in_flight}, of those not in the store {tally.reps_in_flight_lost}")
    print(f"  reps in the store at the end {tally.reps_in_store}; sets ended as interrupted {len(tally.recovered_ids)} "
          f"(of them with no readable trace, killed before its first flush: {len(tally.partial_trace_ids)})")
    print(f"  problems {len(tally.problems)}")
    for p in tally.problems[:20]:
        print(f"    {p}")
    print(f"\nexport: {a.export_kills} kill -9 during `smartdowel export --all`")
    et = export_kills(data, a.export_kills, seed=a.seed)
    print(f"  kills {et.kills}: stick with a complete export {et.complete}, only a .partial folder {et.partial}, "
          f"nothing {et.nothing}")
    print(f"  store unchanged {et.store_unchanged}, marked exported with the complete export on the stick "
          f"{et.store_marked_with_complete_export}; next export to the same stick ok {et.next_export_ok}/{et.kills}")
    print(f"  problems {len(et.problems)}")
    for p in et.problems[:20]:
        print(f"    {p}")
    print(f"\n{time.monotonic() - t0:.0f} s in all")
    return 1 if tally.problems or et.problems else 0


if __name__ == "__main__":
    sys.exit(main())
