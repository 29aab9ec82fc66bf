"""The export half of the power-cut bench: `smartdowel export --all` killed with SIGKILL mid-write.

Why apart from bench/power_cut_bench.py: the recording half kills the
appliance, this half kills the export child, and each checks other things
(the store after a kill; the stick and the store after a killed export). The
stick then holds only complete exports (MANIFEST.sha256 lists every file and
every hash matches) or folders still named `*.partial`; the store's rows are
unchanged unless a complete export is on the stick and recorded in `exports`;
and the next export to the same stick succeeds.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_only(db: str) -> sqlite3.Connection:
    """The store opened read-only (the bench looks, never changes)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def _sha(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def check_stick(dest: str) -> tuple[list[str], list[str], list[str]]:
    """(complete exports, partial folders, problems) on a stick."""
    complete, partial, problems = [], [], []
    for name in sorted(os.listdir(dest)):
        path = os.path.join(dest, name)
        if not name.startswith("smartdowel-export-"):
            continue
        if name.endswith(".partial"):
            partial.append(name)
            continue
        manifest = os.path.join(path, "MANIFEST.sha256")
        if not os.path.isfile(manifest):
            problems.append(f"{name}: no manifest but not named .partial")
            continue
        listed = {}
        with open(manifest) as fh:
            for line in fh:
                digest, _, rel = line.rstrip("\n").partition("  ")
                listed[rel] = digest
        on_disk = set()
        for folder, _, files in os.walk(path):
            for f in files:
                rel = os.path.relpath(os.path.join(folder, f), path)
                if rel != "MANIFEST.sha256":
                    on_disk.add(rel)
        if on_disk != set(listed):
            problems.append(f"{name}: files {sorted(on_disk ^ set(listed))} not matching the manifest")
        bad = [rel for rel in listed if rel in on_disk and _sha(os.path.join(path, rel)) != listed[rel]]
        if bad:
            problems.append(f"{name}: hash mismatch {bad}")
        if not problems:
            complete.append(name)
    return complete, partial, problems


def store_rows(data: str) -> dict[str, list[tuple]]:
    conn = read_only(os.path.join(data, "smartdowel.db"))
    try:
        out = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY rowid")]
               for t in ("athletes", "sessions", "reps", "contact_losses", "exports")}
        # sets with export_id last, whatever columns later schema versions added after it
        cols = [r[1] for r in conn.execute("PRAGMA table_info(sets)") if r[1] != "export_id"]
        out["sets"] = [tuple(r) for r in conn.execute(
            f"SELECT {', '.join(cols)}, export_id FROM sets ORDER BY rowid")]
        return out
    finally:
        conn.close()


@dataclass
class ExportTally:
    kills: int = 0
    complete: int = 0
    partial: int = 0
    nothing: int = 0
    store_unchanged: int = 0
    store_marked_with_complete_export: int = 0
    next_export_ok: int = 0
    problems: list[str] = field(default_factory=list)


def _export(data: str, dest: str, all_sets: bool) -> subprocess.Popen:
    argv = [sys.executable, "-m", "device.cli", "export", dest, "--data", data]
    if all_sets:
        argv.append("--all")
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT), cwd=ROOT)


def export_kills(data: str, kills: int, seed: int = 1, verbose: bool = True) -> ExportTally:
    sticks = tempfile.mkdtemp(prefix="sticks-")  # every stick folder of this run, removed at its end
    try:
        return _export_kills(data, kills, seed, verbose, sticks)
    finally:
        shutil.rmtree(sticks, ignore_errors=True)


def _export_kills(data: str, kills: int, seed: int, verbose: bool, sticks: str) -> ExportTally:
    rng = random.Random(seed + 7)
    tally = ExportTally()
    t0 = time.monotonic()
    p = _export(data, tempfile.mkdtemp(prefix="stick-time-", dir=sticks), all_sets=True)  # how long one takes
    out, _ = p.communicate(timeout=300)
    full = time.monotonic() - t0
    if p.returncode != 0:
        tally.problems.append(f"a plain export failed: {out.strip()}")
        return tally
    if verbose:
        print(f"  one full export (--all) takes {full:.2f} s: kills spread over 0..{full * 1.1:.2f} s")
    for i in range(kills):
        dest = tempfile.mkdtemp(prefix="stick-", dir=sticks)
        before = store_rows(data)
        p = _export(data, dest, all_sets=True)
        time.sleep(rng.uniform(0.0, full * 1.1))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait()
        tally.kills += 1
        complete, partial, problems = check_stick(dest)
        tally.problems += [f"export kill {i + 1}: {x}" for x in problems]
        tally.complete += bool(complete)
        tally.partial += bool(partial) and not complete
        tally.nothing += not complete and not partial
        after = store_rows(data)
        changed = {t for t in before if before[t] != after[t]}
        if not changed:
            tally.store_unchanged += 1
        elif changed <= {"sets", "exports"} and complete and \
                any(row[3] == complete[-1] for row in after["exports"][len(before["exports"]):]) and \
                [r[:-1] for r in before["sets"]] == [r[:-1] for r in after["sets"]]:
            tally.store_marked_with_complete_export += 1  # only export_id (the last column) moved
        else:
            tally.problems.append(f"export kill {i + 1}: the store changed ({sorted(changed)}) "
                                  f"with complete={complete}")
        # the next export to the same stick: must succeed and not build on the partial folder
        p = _export(data, dest, all_sets=True)
        out, _ = p.communicate(timeout=300)
        complete2, partial2, problems2 = check_stick(dest)
        if p.returncode == 0 and len(complete2) == len(complete) + 1 and not problems2 \
                and partial2 == partial:
            tally.next_export_ok += 1
        else:
            tally.problems.append(f"export kill {i + 1}: next export: exit {p.returncode} {out.strip()!r}, "
                                  f"complete {complete2}, partial {partial2}, {problems2}")
    return tally


