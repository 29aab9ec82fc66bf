"""A set recorder on a card that fails as a plan says, run in its own process; prints what was kept.

    python -m support.card_recorder DATA_DIR STEP [STEP...]

Run under `cardfaults.private_tmpfs` (so `full` fills a real file system)
and/or with `CardShim.env()` (so `read_only`, `io_error` make the system
calls fail). Steps, in order:

    ready            a set begins (its samples before `ready` are fed first)
    reps:N           N reps of one second each (100 samples each)
    end              the dowel is removed (the set ends)
    sync             wait until the recorder has handled everything
    full / free      fill the file system with a ballast file / remove it
    read_only / io_error / mend   the shim's failures on / off
    wait_down        wait (up to 3 s) until the recorder says it is not recording
    wait_up          wait (up to 8 s) until it says it records again
    sleep:S          S seconds of real time

Prints one JSON object: the health reports (with their monotonic times), when
each fault was made, each set's reps, end and samples, `PRAGMA
integrity_check`, the traces folder, and the recorder's errors.
"""
from __future__ import annotations

import errno
import json
import mmap
import os
import sys
import time

from support.signals import ev
from device.core.contacts import CONTACTS
from device.core.signal import Sample, SignalChain
from device.store.recorder import SetRecorder
from device.store.store import Store
from support.cardfaults import Ballast

SHIM_ERRORS = {"read_only": errno.EROFS, "io_error": errno.EIO, "mend": 0}


class Feeder:
    """Hand-made samples and events at 100 Hz, as the live loop posts them."""

    def __init__(self, rec: SetRecorder) -> None:
        self.rec, self.t, self.rep = rec, 0.0, 0

    def samples(self, n: int, pitch: float = 3.0) -> None:
        for _ in range(n):
            self.rec.post_sample(Sample(round(self.t, 4), 9000, 9000, 9000, pitch))
            self.t += 0.01

    def ready(self) -> None:
        self.samples(100)
        self.rec.post_event(ev({"t": round(self.t, 4), "type": "ready", "standing_deg": 3.0,
                                "baseline_us": {c: 500.0 for c in CONTACTS}}))
        self.rep = 0

    def reps(self, n: int) -> None:
        for _ in range(n):
            self.rep += 1
            self.rec.post_event(ev({"t": round(self.t, 4), "type": "rep_started", "rep": self.rep}))
            self.samples(100, 40.0)
            self.rec.post_event(ev({"t": round(self.t, 4), "type": "rep_completed", "rep": self.rep,
                                    "depth_deg": 40.0, "duration_s": 1.0, "descent_s": 0.4, "bottom_s": 0.2,
                                    "ascent_s": 0.4, "faults": []}))

    def end(self) -> None:
        self.rec.post_event(ev({"t": round(self.t, 4), "type": "dowel_removed", "reps": self.rep}))
        self.samples(5, 0.0)


def _shim() -> mmap.mmap | None:
    path = os.environ.get("CARDSHIM_CONTROL")
    if not path:
        return None
    fd = os.open(path, os.O_RDWR)
    return mmap.mmap(fd, 4096)


def main(data: str, steps: list[str]) -> None:
    reports: list[tuple[float, bool, str, str]] = []
    rec = SetRecorder(data, SignalChain(),
                      on_health=lambda h: reports.append((time.monotonic(), h.recording, h.reason, h.detail)))
    feed, shim = Feeder(rec), _shim()
    ballast = Ballast(os.path.join(os.path.dirname(os.path.abspath(data)), "ballast"))
    faults: list[tuple[str, float]] = []
    for step in steps:
        name, _, arg = step.partition(":")
        if name == "ready":
            feed.ready()
        elif name == "reps":
            feed.reps(int(arg))
        elif name == "end":
            feed.end()
        elif name == "sync":
            rec.sync()
        elif name == "full":
            ballast.fill()
            faults.append((name, time.monotonic()))
        elif name == "free":
            ballast.free()
        elif name in SHIM_ERRORS:
            assert shim is not None, "the shim is needed for " + name
            shim[0:4] = SHIM_ERRORS[name].to_bytes(4, "little")
            if SHIM_ERRORS[name]:
                faults.append((name, time.monotonic()))
        elif name in ("wait_down", "wait_up"):
            want, limit = name == "wait_up", time.monotonic() + (8.0 if name == "wait_up" else 3.0)
            while time.monotonic() < limit and not (reports and reports[-1][1] == want):
                time.sleep(0.01)
        elif name == "sleep":
            time.sleep(float(arg))
        else:
            raise SystemExit(f"unknown step {step!r}")
    rec.close()
    store = Store.open(data)
    sets = [{"id": r["id"], "end_reason": r["end_reason"], "samples": r["samples"],
             "reps": [x["rep"] for x in store.reps_of(r["id"])]} for r in store.iter_set_summaries()]
    print(json.dumps({"reports": reports, "faults": faults, "sets": sets, "integrity": store.integrity(),
                      "traces": sorted(os.listdir(store.trace_dir)), "errors": rec.errors,
                      "last_error": rec.last_error,
                      "refused": 0 if shim is None else int.from_bytes(shim[8:16], "little")}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
