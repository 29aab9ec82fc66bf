"""Score detector events against a labelled trace's truth (NAME.truth.json).

The rules are the ones the design's quality bars state, so the benchmark gives
the same figures with or without the shared scoring tool beside the project:
- a fault is found by a contact_lost for its contact between 50 ms before its
  pressure starts to fall and 150 ms after it comes back; latency is measured
  from the moment the force fell below 10 % (t_lost) and, when the sample
  times are given, from the first sample at or after it (what a detector can
  first see: `sampled`);
- any other contact_lost between ready and 50 ms before removal is a false
  alarm (a second one for the same fault too: chatter);
- with an IMU, a rep is counted by a rep_completed between its bottom and 1 s
  after its end; a rep_completed matching no rep is an extra;
- removal: the set ends with dowel_removed, and every contact_lost after the
  removal began is withdrawn (loss_withdrawn) before it, so no fault is counted.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class Score:
    faults: int = 0
    found: int = 0
    false_alarms: int = 0
    cause_ok: int = 0
    latencies: list[float] = field(default_factory=list)
    sampled: list[float] = field(default_factory=list)
    minutes: float = 0.0
    reps: int = 0
    reps_found: int = 0
    reps_extra: int = 0
    exact_traces: int = 0
    imu_traces: int = 0
    removals: int = 0
    removals_clean: int = 0
    traces: int = 0

    def add(self, other: "Score") -> None:
        for name in ("faults", "found", "false_alarms", "cause_ok", "minutes", "reps", "reps_found",
                     "reps_extra", "exact_traces", "imu_traces", "removals", "removals_clean", "traces"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies.extend(other.latencies)
        self.sampled.extend(other.sampled)

    def summary(self) -> dict:
        lat, first = sorted(self.latencies), sorted(self.sampled)
        recall = self.found / self.faults if self.faults else float("nan")
        hits = self.found + self.false_alarms
        hours = self.minutes / 60.0
        return {
            "faults": self.faults,
            "recall": recall,
            "precision": self.found / hits if hits else float("nan"),
            "false_alarms": self.false_alarms,
            "false_alarms_per_min": self.false_alarms / self.minutes if self.minutes else 0.0,
            "false_alarms_per_hour": self.false_alarms / hours if hours else 0.0,
            "hours": hours,
            "cause_correct": self.cause_ok / self.found if self.found else float("nan"),
            "latency_p50_ms": 1000 * percentile(lat, 0.50),
            "latency_p95_ms": 1000 * percentile(lat, 0.95),
            "latency_max_ms": 1000 * lat[-1] if lat else float("nan"),
            "sampled_p50_ms": 1000 * percentile(first, 0.50),
            "sampled_p95_ms": 1000 * percentile(first, 0.95),
            "sampled_max_ms": 1000 * first[-1] if first else float("nan"),
            "rep_count_exact": self.exact_traces / self.imu_traces if self.imu_traces else float("nan"),
            "reps": self.reps, "reps_found": self.reps_found, "reps_extra": self.reps_extra,
            "removals": self.removals, "removals_clean": self.removals_clean,
        }


def percentile(sorted_xs: list[float], q: float) -> float:
    if not sorted_xs:
        return float("nan")
    return sorted_xs[min(len(sorted_xs) - 1, int(round(q * (len(sorted_xs) - 1))))]


def score_trace(truth: dict, events: list[dict], times: Sequence[float] | None = None) -> Score:
    """One trace's score; `times` (the samples' t, sorted) adds latency from the first sample after t_lost."""
    t0, t1 = truth["ready_t"], truth["removed_t"] - 0.05
    s = Score(minutes=(t1 - t0) / 60.0, traces=1)
    faults = sorted(truth["faults"], key=lambda f: f["ramp_start"])
    s.faults = len(faults)
    matched: set[int] = set()
    lost = sorted((e for e in events if e["type"] == "contact_lost" and t0 <= e["t"] <= t1),
                  key=lambda e: e["t"])
    for e in lost:
        hit = next((i for i, f in enumerate(faults) if f["contact"] == e["contact"]
                    and f["ramp_start"] - 0.05 <= e["t"] <= f["end"] + 0.15), None)
        if hit is None or hit in matched:
            s.false_alarms += 1
            continue
        matched.add(hit)
        s.latencies.append(e["t"] - faults[hit]["t_lost"])
        if times is not None:
            s.sampled.append(e["t"] - first_sample(times, faults[hit]["t_lost"]))
        s.cause_ok += e.get("cause") == faults[hit]["cause"]
    s.found = len(matched)
    if truth.get("imu"):
        _score_reps(s, truth["reps"], events, t0, t1)
    if truth["removed_t"] < truth.get("duration_s", float("inf")):
        _score_removal(s, events, truth["removed_t"])
    return s


def first_sample(times: Sequence[float], t: float) -> float:
    """The first sample time at or after t (the last one if none is)."""
    i = bisect.bisect_left(times, t)
    return times[min(i, len(times) - 1)]


def _score_reps(s: Score, reps: list[dict], events: list[dict], t0: float, t1: float) -> None:
    done = [e for e in events if e["type"] == "rep_completed" and t0 <= e["t"] <= t1 + 1.0]
    used: set[int] = set()
    for e in done:
        hit = next((i for i, r in enumerate(reps)
                    if i not in used and r["bottom"] <= e["t"] <= r["end"] + 1.0), None)
        if hit is None:
            s.reps_extra += 1
        else:
            used.add(hit)
    s.reps, s.reps_found, s.imu_traces = len(reps), len(used), 1
    s.exact_traces = int(len(done) == len(reps) and s.reps_extra == 0)


def _score_removal(s: Score, events: list[dict], removed_t: float) -> None:
    """The dowel taken off: dowel_removed, with every loss of the removal withdrawn first."""
    s.removals = 1
    after = [e for e in events if e["t"] >= removed_t - 0.05]
    end = next((i for i, e in enumerate(after) if e["type"] == "dowel_removed"), None)
    if end is None:
        return
    open_losses = set()
    for e in after[:end]:
        if e["type"] == "contact_lost":
            open_losses.add(e["contact"])
        elif e["type"] == "loss_withdrawn":
            open_losses.discard(e["contact"])
    s.removals_clean = int(not open_losses)
