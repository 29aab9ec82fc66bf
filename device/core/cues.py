"""The cue policy: which detector event earns which beep.

Pure logic: no hardware and no clock of its own. Time comes from the events'
`t` (and from `CuePolicy.poll(t)`), so the same policy runs live, in the
simulator and in replay, and its tests need no sleeping.

    >>> from device.core.events import ContactLost, RepStarted
    >>> policy = CuePolicy()
    >>> policy.on_event(RepStarted(7.4, rep=1))
    >>> policy.on_event(ContactLost(8.0, "sacrum", "spinal_flexion", rep=1))
    'sacrum'

Users of posture gadgets give up on them over nagging before anything else,
hence the rule the policy enforces first: one cue per fault per rep.
"""
from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from device.core.contacts import CONTACTS
from device.core.events import (ContactLost, ContactRestored, DowelRemoved, Event, EventHandler,
                                Ready, RepCompleted, RepStarted, SensorFault)

SCHEDULES: tuple[str, ...] = ("every", "faded", "bandwidth", "retention")


@dataclass(frozen=True)
class CuesConfig:
    """How feedback is given (`[cues]` in the config); see CuePolicy for the schedules.

    `patterns` overrides the sound of a cue (patterns.patterns_from_config).
    """

    schedule: str = "every"
    mute: bool = False
    clean_rep_chime: bool = False
    bandwidth_s: float = 0.3
    faded_start: float = 1.0
    faded_end: float = 0.2
    faded_over_reps: int = 30
    patterns: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}")
        for key in ("faded_start", "faded_end"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{key} must be a share in [0, 1], not {v!r}")
        n = self.faded_over_reps
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"faded_over_reps must be a whole number of at least 1, not {n!r}")
        b = self.bandwidth_s
        if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0.0 <= b < math.inf:
            raise ValueError(f"bandwidth_s must be a number of seconds >= 0, not {b!r}")


_SCHEDULE_PARAMS = ("faded_start", "faded_end", "faded_over_reps", "bandwidth_s")


@dataclass
class _Loss:
    """A contact that is off right now: since when, in which rep, and what was decided."""

    t: float
    rep: int | None
    decided: bool  # cued or suppressed for good (a bandwidth loss waits for poll())


class CuePolicy(EventHandler[str]):
    """Decides, event by event, which pattern (if any) the buzzer plays.

    Schedules, as motor-learning research uses them:

    - ``every``: every fault is cued (still once per fault per rep).
    - ``faded``: feedback thins out over the session. The share of reps that
      get feedback falls linearly from `faded_start` to `faded_end` over
      `faded_over_reps` reps, then stays at `faded_end`. Which reps get it is
      a deterministic thinning (an accumulator, like error diffusion) whose
      phase comes from `seed`, so a session replays the same and the running
      share of feedback reps never strays from the schedule by more than one.
      Without an IMU there are no reps, so each loss outside a rep counts as
      one trial instead.
    - ``bandwidth``: only losses lasting `bandwidth_s` or longer are cued.
      `on_event` returns None for `contact_lost`; the caller must call
      `poll(t)` (each sample is fine) and gets the pattern once the loss has
      lasted `bandwidth_s` with no `contact_restored`. The cue is therefore
      late by `bandwidth_s` by design: it tells of a sustained fault, not the
      moment it began.
    - ``retention``: a silent set to test what was learnt. No feedback cues
      (contacts, clean rep); faults are still logged by the recorder, which
      does not depend on this policy.

    `ready` and `sensor_fault` are the box speaking about itself, not feedback
    on the movement, so they sound under every schedule; only `mute` silences
    them (`sensor_fault` once per contact and reason until the next `ready`).
    A rep is what lies between `rep_started` and `rep_completed`; a loss
    outside one cues once per loss (until restored and lost again). Returned
    names are keys of `DEFAULT_PATTERNS` / `patterns_from_config()`.
    `stats` counts what was cued (by pattern) and suppressed (by reason:
    repeat, mute, retention, faded, bandwidth, dowel_removed, schedule_changed).

    >>> p = CuePolicy(CuesConfig(schedule="bandwidth", bandwidth_s=0.3))
    >>> p.on_event(ContactLost(1.0, "head", "cervical_flexion")) is None
    True
    >>> p.poll(1.2), p.poll(1.3)
    (None, 'head')
    """

    def __init__(self, cfg: CuesConfig = CuesConfig(), seed: int = 0) -> None:
        self.cfg = cfg
        self.seed = seed
        self._losses: dict[str, _Loss] = {}
        self._rep: int | None = None
        self._rep_decided: set[str] = set()
        self._rep_feedback = True
        self._trials = self._reps = 0
        self._acc = 0.0
        self._faults_cued: set[tuple[str, str]] = set()
        self._cued: dict[str, int] = {}
        self._suppressed: dict[str, int] = {}
        self.reset_session()

    # -- configuration ------------------------------------------------------------------
    @property
    def schedule(self) -> str:
        return self.cfg.schedule

    @property
    def mute(self) -> bool:
        return self.cfg.mute

    @property
    def bandwidth_s(self) -> float:
        return self.cfg.bandwidth_s

    def set_mute(self, mute: bool) -> None:
        self.cfg = dataclasses.replace(self.cfg, mute=bool(mute))

    def set_schedule(self, schedule: str, **params: Any) -> None:
        """Switch schedule (and optionally its parameters: faded_*, bandwidth_s).

        Bandwidth losses still waiting are dropped: their rule no longer holds.
        The faded schedule keeps counting reps from the start of the session.
        """
        for key in params:
            if key not in _SCHEDULE_PARAMS:
                raise ValueError(f"unknown schedule parameter {key!r}; known: {', '.join(_SCHEDULE_PARAMS)}")
        self.cfg = dataclasses.replace(self.cfg, schedule=schedule, **params)
        for loss in self._losses.values():
            if not loss.decided:
                loss.decided = True
                self._count_suppressed("schedule_changed")

    def reset_session(self) -> None:
        """A new session (athlete): the faded schedule starts from full feedback again."""
        self._trials = 0
        self._reps = 0
        self._acc = random.Random(self.seed).random()
        self._rep_feedback = True

    @property
    def stats(self) -> dict[str, Any]:
        """A copy: {"cued": {pattern: n}, "suppressed": {reason: n}, and their totals}."""
        return {"cued": dict(self._cued), "suppressed": dict(self._suppressed),
                "cued_total": sum(self._cued.values()),
                "suppressed_total": sum(self._suppressed.values())}

    def feedback_share(self, trial: int) -> float:
        """The faded schedule's share of feedback for the n-th trial (1-based)."""
        cfg = self.cfg
        n = max(cfg.faded_over_reps - 1, 1)
        frac = min(max(trial - 1, 0) / n, 1.0)
        return cfg.faded_start + (cfg.faded_end - cfg.faded_start) * frac

    # -- events ----------------------------------------------------------------------------
    def on_event(self, event: Event) -> str | None:
        """The pattern name to play for this detector event, or None (runs on the sampler's thread)."""
        return event.accept(self)

    def poll(self, t: float) -> str | None:
        """Bandwidth schedule: the cue for a loss that has now lasted `bandwidth_s`.

        Returns one pattern per call, the oldest due loss first; None when none
        is due. Late by `bandwidth_s` by design. Under other schedules, None.
        """
        if not self._losses:
            return None
        due = [(loss.t, name) for name, loss in self._losses.items()
               if not loss.decided and t - loss.t >= self.cfg.bandwidth_s - 1e-9]
        if not due:
            return None
        _, name = min(due)
        return self._decide(name, self._losses[name], True)

    def on_ready(self, e: Ready) -> str | None:
        self._losses.clear()
        self._rep = None
        self._faults_cued.clear()
        return self._system_cue("ready")

    def on_rep_started(self, e: RepStarted) -> str | None:
        self._open_rep(e.rep)
        return None

    def on_rep_completed(self, e: RepCompleted) -> str | None:
        feedback = self._rep_feedback
        self._rep = None
        self._rep_decided = set()
        if not self.cfg.clean_rep_chime or e.faults:
            return None
        return self._feedback_cue("clean_rep", feedback)

    def on_contact_lost(self, e: ContactLost) -> str | None:
        name = e.contact
        if name not in CONTACTS:
            return None
        rep = self._rep
        if name in self._losses or (rep is not None and name in self._rep_decided):
            self._losses.setdefault(name, _Loss(e.t, rep, True))
            self._count_suppressed("repeat")
            return None
        loss = _Loss(e.t, rep, False)
        self._losses[name] = loss
        if self.cfg.schedule == "bandwidth" and not self.cfg.mute:
            return None  # decided by poll() or by contact_restored
        return self._decide(name, loss, self._faded_feedback(rep))

    def on_contact_restored(self, e: ContactRestored) -> str | None:
        loss = self._losses.pop(e.contact, None)
        if loss is None or loss.decided:
            return None
        if e.t - loss.t >= self.cfg.bandwidth_s - 1e-9:
            # poll() was not called in time, but the loss did last long enough
            return self._decide(e.contact, loss, True)
        loss.decided = True
        self._count_suppressed("bandwidth")
        return None

    def on_dowel_removed(self, e: DowelRemoved) -> str | None:
        for loss in self._losses.values():
            if not loss.decided:
                self._count_suppressed("dowel_removed")
        self._losses.clear()
        self._rep = None
        self._rep_decided = set()
        return None

    def on_sensor_fault(self, e: SensorFault) -> str | None:
        """Once per part and reason until the next `ready`: a dead part is not news twice."""
        key = (e.part, e.reason)
        if key in self._faults_cued:
            self._count_suppressed("repeat")
            return None
        self._faults_cued.add(key)
        return self._system_cue("sensor_fault")

    # -- decisions -------------------------------------------------------------------------
    def _open_rep(self, rep: int) -> None:
        self._rep = rep
        self._reps += 1
        self._rep_decided = set()
        self._rep_feedback = self._next_trial()

    def _faded_feedback(self, rep: int | None) -> bool:
        """Does this loss fall in a feedback trial of the faded schedule?

        In a rep, the rep's draw decides. Without an IMU there are no reps, so
        each loss is a trial of its own; between reps the last rep's draw holds.
        """
        if rep is not None or self._reps:
            return self._rep_feedback
        return self._next_trial()

    def _next_trial(self) -> bool:
        """One more trial (a rep, or a loss when there are no reps): feedback or not?"""
        self._trials += 1
        self._acc += self.feedback_share(self._trials)
        if self._acc >= 1.0 - 1e-9:
            self._acc -= 1.0
            return True
        return False

    def _decide(self, name: str, loss: _Loss, faded_feedback: bool) -> str | None:
        """Settle a loss for good (cue or suppress) and claim it for its rep."""
        loss.decided = True
        if loss.rep is not None and loss.rep == self._rep:
            self._rep_decided.add(name)
        return self._feedback_cue(name, faded_feedback)

    def _feedback_cue(self, name: str, faded_feedback: bool) -> str | None:
        """A cue about the movement: subject to mute and the schedule."""
        cfg = self.cfg
        if cfg.mute:
            reason = "mute"
        elif cfg.schedule == "retention":
            reason = "retention"
        elif cfg.schedule == "faded" and not faded_feedback:
            reason = "faded"
        else:
            return self._count_cued(name)
        self._count_suppressed(reason)
        return None

    def _system_cue(self, name: str) -> str | None:
        """The box speaking about itself: only mute silences it."""
        if self.cfg.mute:
            self._count_suppressed("mute")
            return None
        return self._count_cued(name)

    def _count_cued(self, name: str) -> str:
        self._cued[name] = self._cued.get(name, 0) + 1
        return name

    def _count_suppressed(self, reason: str) -> None:
        self._suppressed[reason] = self._suppressed.get(reason, 0) + 1
