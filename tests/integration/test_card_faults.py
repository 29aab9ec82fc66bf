"""The set recorder on a card that fills up, turns read-only or fails mid-set: every rep is kept,
the fault is said within a second, and everything held is written when the card takes writes again.

Real file systems: "full" is a small tmpfs of the recorder's own (ENOSPC from
the kernel); read-only and failing are the system calls' own errors from an
LD_PRELOAD shim (tests/support/cardfaults.py). Each runs in a child process
(tests/support/card_recorder.py) that prints what it kept.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from support.repo import REPO
from device.store.connection import TRACE_DIR
from device.store.gztrace import PARTIAL
from device.store.health import TRACES_RECOVERED
from device.store.recorder import SetRecorder
from device.store.store import Store
from device.core.signal import SignalChain
from support.cardfaults import card_shim, private_tmpfs
from support.stores import build_store, add_set

FAULT_SAID_WITHIN_S = 1.0


def run_card(tmp_path, steps: list[str], *, tmpfs_kib: int | None = None, shim_first: str = "") -> dict:
    """The plan in a child: on a tmpfs of its own (tmpfs_kib), with the shim (always, when it builds)."""
    card = tmp_path / "card"
    card.mkdir()
    data = card / "data"
    prefix: list[str] = []
    if tmpfs_kib is not None:
        got = private_tmpfs(card, tmpfs_kib)
        if got is None:
            pytest.skip("mounting a small file system needs root with mount namespaces")
        prefix = got
    shim = card_shim(tmp_path / "shim", str(data))
    if shim is None:
        pytest.skip("the card shim needs gcc")
    if shim_first == "read_only":
        shim.read_only()
    env = shim.env(dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'tests'}"))
    p = subprocess.run([*prefix, sys.executable, "-m", "support.card_recorder", str(data), *steps],
                       capture_output=True, text=True, env=env, cwd=REPO / "tests", timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def said(out: dict) -> list[tuple[bool, str]]:
    return [(recording, reason) for _, recording, reason, _ in out["reports"]]


def first_said_down(out: dict) -> float:
    fault_at = out["faults"][0][1]
    return next(t for t, recording, _, _ in out["reports"] if not recording) - fault_at


def test_reps_while_the_card_is_full_are_saved_when_space_returns(tmp_path):
    """Failure 3: the disk filling mid-set lost every later rep, silently. Now: said within a
    second, held, and all written once space returns, the set ended and its trace finished."""
    out = run_card(tmp_path, ["ready", "reps:3", "sync", "full", "reps:3", "wait_down", "free", "reps:2", "end",
                              "wait_up"], tmpfs_kib=2048)
    assert said(out) == [(True, ""), (False, "full"), (True, "")]
    assert first_said_down(out) < FAULT_SAID_WITHIN_S
    assert out["sets"] == [{"id": 1, "end_reason": "dowel_removed", "samples": 901, "reps": list(range(1, 9))}]
    assert out["integrity"] == "ok" and out["errors"] == 0, out["last_error"]
    assert not [n for n in out["traces"] if n.endswith(PARTIAL)] and len(out["traces"]) == 1


def test_a_set_begun_while_full_is_recorded_when_space_returns(tmp_path):
    """Failure 3: a set begun while the card was full was never recorded, even after space returned."""
    out = run_card(tmp_path, ["sync", "full", "wait_down", "ready", "reps:3", "free", "reps:2", "end", "wait_up"],
                   tmpfs_kib=2048)
    assert said(out) == [(True, ""), (False, "full"), (True, "")]
    assert out["sets"][0]["reps"] == [1, 2, 3, 4, 5] and out["sets"][0]["end_reason"] == "dowel_removed"
    assert out["integrity"] == "ok" and out["errors"] == 0


def test_a_card_that_turns_read_only_and_back_keeps_every_rep(tmp_path):
    out = run_card(tmp_path, ["ready", "reps:3", "sync", "read_only", "reps:3", "wait_down", "mend", "reps:2", "end",
                              "wait_up"])
    assert said(out) == [(True, ""), (False, "read_only"), (True, "")]
    assert first_said_down(out) < FAULT_SAID_WITHIN_S and out["refused"] > 0  # the shim did refuse
    assert out["sets"][0]["reps"] == list(range(1, 9)) and out["sets"][0]["end_reason"] == "dowel_removed"
    assert out["integrity"] == "ok" and out["errors"] == 0


def test_a_failing_card_is_said_and_the_set_is_kept_once_it_works(tmp_path):
    out = run_card(tmp_path, ["ready", "reps:2", "sync", "io_error", "reps:2", "wait_down", "mend", "end", "wait_up"])
    assert said(out) == [(True, ""), (False, "io_error"), (True, "")]
    assert out["sets"][0]["reps"] == [1, 2, 3, 4] and out["integrity"] == "ok"


def test_a_store_that_cannot_open_at_first_records_once_it_can(tmp_path):
    """Failure 1 at the recorder: a read-only card at start; the set in progress is kept and
    written when the card takes writes."""
    out = run_card(tmp_path, ["ready", "reps:2", "wait_down", "mend", "reps:1", "end", "wait_up"],
                   shim_first="read_only")
    assert said(out)[0] == (False, "read_only") and said(out)[-1] == (True, "")
    assert out["sets"][0]["reps"] == [1, 2, 3] and out["integrity"] == "ok"


def test_an_empty_set_begun_while_full_leaves_nothing(tmp_path):
    out = run_card(tmp_path, ["sync", "full", "wait_down", "ready", "end", "free", "wait_up"], tmpfs_kib=2048)
    assert out["sets"] == [] and out["integrity"] == "ok"


def test_a_stranded_trace_is_finished_at_the_first_opening_and_said(tmp_path):
    """Failure 3: a trace whose finish failed stayed `.partial` for ever, out of every export."""
    with build_store(str(tmp_path), sets=1) as store:
        session = store.conn.execute("SELECT id FROM sessions").fetchone()[0]
        set_id = add_set(store, session, 5, finished=False)
        store.end_set(set_id, 12.0, "dowel_removed", 0, 0)  # ended, but its trace never finished
        name = store.set_row(set_id)["trace"]
    open(tmp_path / TRACE_DIR / "set-stray.csv.gz.partial", "wb").close()  # a trace no set names
    heard = []
    rec = SetRecorder(str(tmp_path), SignalChain(), on_health=heard.append)
    assert rec.sync()
    rec.close()
    assert (tmp_path / name).exists() and not (tmp_path / (name + PARTIAL)).exists()
    found = [h.detail for h in heard if h.reason == TRACES_RECOVERED]
    assert len(found) == 2 and "finished now" in found[0] and "set-stray.csv.gz.partial" in found[1]
    with Store.open(str(tmp_path)) as store:
        assert store.set_row(set_id)["samples"] > 0
