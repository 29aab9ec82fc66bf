"""Score detector events against a labelled trace's truth (NAME.truth.json).

The rules are the ones the design's quality bars state, so the benchmark gives
the same figures with or without the shared scoring tool beside the project:
- a fault is found by a contact_lost for its contact between 50 ms before its
  pressure starts to fall and 150 ms after it comes back; latency is measured
  from the moment the force fell below 10 % (t_lost);
- any other contact_lost between ready and 50 ms before removal is a false
  alarm (a second one for the same fault too: chatter);
- with an IMU, a rep is counted by a rep_completed between its bottom and 1 s
  after its end; a rep_completed matching no rep is an extra.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Score:
    faults: int = 0
    found: int = 0
    false_alarms: int = 0
    cause_ok: int = 0
    latencies: list[float] = field(default_factory=list)
    minutes: float = 0.0
    reps: int = 0
    reps_found: int = 0
    reps_extra: int = 0
    exact_traces: int = 0
    imu_traces: int = 0

    def add(self, other: "Score") -> None:
        for name in ("faults", "found", "false_alarms", "cause_ok", "minutes", "reps",
                     "reps_found", "reps_extra", "exact_traces", "imu_traces"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies.extend(other.latencies)

    def summary(self) -> dict:
        lat = sorted(self.latencies)
        recall = self.found / self.faults if self.faults else float("nan")
        hits = self.found + self.false_alarms
        return {
            "faults": self.faults,
            "recall": recall,
            "precision": self.found / hits if hits else float("nan"),
            "false_alarms": self.false_alarms,
            "false_alarms_per_min": self.false_alarms / self.minutes if self.minutes else 0.0,
            "cause_correct": self.cause_ok / self.found if self.found else float("nan"),
            "latency_p50_ms": 1000 * percentile(lat, 0.50),
            "latency_p95_ms": 1000 * percentile(lat, 0.95),
            "latency_max_ms": 1000 * lat[-1] if lat else float("nan"),
            "rep_count_exact": self.exact_traces / self.imu_traces if self.imu_traces else float("nan"),
            "reps": self.reps, "reps_found": self.reps_found, "reps_extra": self.reps_extra,
        }


def percentile(sorted_xs: list[float], q: float) -> float:
    if not sorted_xs:
        return float("nan")
    return sorted_xs[min(len(sorted_xs) - 1, int(round(q * (len(sorted_xs) - 1))))]


def score_trace(truth: dict, events: list[dict]) -> Score:
    t0, t1 = truth["ready_t"], truth["removed_t"] - 0.05
    s = Score(minutes=(t1 - t0) / 60.0)
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
        s.cause_ok += e.get("cause") == faults[hit]["cause"]
    s.found = len(matched)
    if truth.get("imu"):
        _score_reps(s, truth["reps"], events, t0, t1)
    return s


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
