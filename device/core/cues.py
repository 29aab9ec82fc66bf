"""Cue patterns and the cue policy: which detector event earns which beep.

Pure logic: no hardware and no clock of its own. Time comes from the events'
`t` (and from `CuePolicy.poll(t)`), so the same policy runs live, in the
simulator and in replay, and its tests need no sleeping.

The athlete is mid-rep and cannot look at the screen, so each contact has a
pattern told apart by ear alone: it differs from the others in pitch AND in
count (an active buzzer has no pitch, so count and length must carry it too),
and each is over in under 0.4 s, while the fault is still happening.

    >>> policy = CuePolicy()
    >>> policy.on_event({"t": 7.4, "type": "rep_started", "rep": 1})
    >>> policy.on_event({"t": 8.0, "type": "contact_lost", "contact": "sacrum", "rep": 1})
    'sacrum'
    >>> DEFAULT_PATTERNS["sacrum"].beeps
    1

Users of posture gadgets give up on them over nagging before anything else,
hence the rule the policy enforces first: one cue per fault per rep.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

CONTACT_NAMES: tuple[str, str, str] = ("head", "upper_back", "sacrum")
PATTERN_NAMES: tuple[str, ...] = (*CONTACT_NAMES, "ready", "clean_rep", "sensor_fault")
SCHEDULES: tuple[str, ...] = ("every", "faded", "bandwidth", "retention")

# A contact cue must end while the fault is still happening; a loss worth a cue
# lasts 200 ms or more, and most last far longer than this.
CONTACT_CUE_MAX_S = 0.4
# Nothing the box says should outlast a second: it is a cue, not a tune.
PATTERN_MAX_S = 1.0
# gpiozero's Tone accepts 0 < f <= 20000 Hz; the buzzer driver narrows it further.
MIN_HZ, MAX_HZ = 20.0, 20000.0
# Silence in a TOML file (which has no null) is written as 0 or "rest".
_REST_WORDS = ("rest", "-", "")


class Note(NamedTuple):
    """One note: a frequency in Hz (None for silence) held for `duration_s`."""

    frequency_hz: float | None
    duration_s: float


@dataclass(frozen=True)
class Pattern(Sequence):
    """An immutable sequence of notes; `volume` scales a passive buzzer's loudness.

    >>> p = Pattern.beeping(2, 1568.0, on_s=0.09, off_s=0.06)
    >>> p.beeps, round(p.duration_s, 2), p.pitches
    (2, 0.24, (1568.0,))
    """

    notes: tuple[Note, ...]
    volume: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", tuple(Note(*n) for n in self.notes))
        for i, (hz, dur) in enumerate(self.notes):
            _check_note(f"note {i}", hz, dur)
        if not any(hz is not None for hz, _ in self.notes):
            raise ValueError("a pattern needs at least one sounding note")
        if not 0.0 < self.volume <= 1.0:
            raise ValueError(f"volume must be in (0, 1], not {self.volume!r}")

    @classmethod
    def beeping(cls, count: int, hz: float, on_s: float, off_s: float = 0.0,
                volume: float = 1.0) -> Pattern:
        """`count` beeps of `hz`, `on_s` long, `off_s` apart (no trailing rest)."""
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"beeps must be a whole number of at least 1, not {count!r}")
        notes: list[Note] = []
        for i in range(count):
            if i and off_s > 0:
                notes.append(Note(None, off_s))
            notes.append(Note(hz, on_s))
        return cls(tuple(notes), volume)

    def __getitem__(self, index):  # type: ignore[override]
        return self.notes[index]

    def __len__(self) -> int:
        return len(self.notes)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    @property
    def duration_s(self) -> float:
        """How long the whole pattern takes to play."""
        return sum(d for _, d in self.notes)

    @property
    def beeps(self) -> int:
        """Audible beeps: runs of sounding notes (a rest or the ends separate them).

        This is what an active buzzer, which has no pitch, makes heard.
        """
        count, sounding = 0, False
        for hz, _ in self.notes:
            if hz is not None and not sounding:
                count += 1
            sounding = hz is not None
        return count

    @property
    def pitches(self) -> tuple[float, ...]:
        """The distinct frequencies, in order of first use."""
        return tuple(dict.fromkeys(hz for hz, _ in self.notes if hz is not None))

    @property
    def beep_lengths(self) -> tuple[float, ...]:
        """Duration of each audible beep, the rhythm an active buzzer plays."""
        out: list[float] = []
        sounding = False
        for hz, dur in self.notes:
            if hz is not None:
                if sounding:
                    out[-1] += dur
                else:
                    out.append(dur)
            sounding = hz is not None
        return tuple(out)


def _check_note(where: str, hz: Any, dur: Any) -> None:
    if hz is not None:
        if not _is_number(hz) or not MIN_HZ <= hz <= MAX_HZ:
            raise ValueError(f"{where}: frequency must be {MIN_HZ:g}..{MAX_HZ:g} Hz or a rest, "
                             f"not {hz!r}")
    if not _is_number(dur) or not 0.0 < dur <= PATTERN_MAX_S:  # NaN fails the range too
        raise ValueError(f"{where}: duration must be in (0, {PATTERN_MAX_S:g}] s, not {dur!r}")


def _is_number(x: Any) -> bool:
    """A real number, and not a bool (TOML's `true` must not pass as 1)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# Pitches an octave or so apart, inside TonalBuzzer's range for A5 +/- 2 octaves
# (220..3520 Hz) and near a piezo's loud band; high = head (top of the body).
DEFAULT_PATTERNS: dict[str, Pattern] = {
    # three short high beeps: 0.26 s
    "head": Pattern.beeping(3, 2637.0, on_s=0.06, off_s=0.04),
    # two mid beeps: 0.24 s
    "upper_back": Pattern.beeping(2, 1568.0, on_s=0.09, off_s=0.06),
    # one long low beep: 0.30 s
    "sacrum": Pattern.beeping(1, 784.0, on_s=0.30),
    # rising two-note chime, short-then-long so an active buzzer's rhythm differs
    # from upper_back's two equal beeps
    "ready": Pattern(((1047.0, 0.06), (None, 0.03), (1568.0, 0.16))),
    # one quiet blip: praise should not compete with the fault cues
    "clean_rep": Pattern(((2093.0, 0.05),), volume=0.3),
    # four fast beeps, falling high-low twice: unlike any contact
    "sensor_fault": Pattern(((2093.0, 0.05), (None, 0.03), (1047.0, 0.05), (None, 0.03),
                             (2093.0, 0.05), (None, 0.03), (1047.0, 0.05))),
}


def patterns_from_config(config: Mapping[str, Any] | None) -> dict[str, Pattern]:
    """The defaults with the config's overrides: what `[cues.patterns]` in TOML says.

    Each entry is either a list of `[frequency_hz, duration_s]` pairs (0 or
    "rest" for silence, as TOML has no null), or a table
    `{beeps, hz, on_s, off_s, volume}`. Every error names the key at fault, so
    the config loader can show one line the installer understands.

    >>> p = patterns_from_config({"sacrum": {"beeps": 1, "hz": 660, "on_s": 0.35}})
    >>> p["sacrum"].pitches, p["head"] == DEFAULT_PATTERNS["head"]
    ((660,), True)
    """
    out = dict(DEFAULT_PATTERNS)
    if config is None:
        return out
    if not isinstance(config, Mapping):
        raise ValueError(f"cue patterns must be a table of name = pattern, not {config!r}")
    for name, spec in config.items():
        if name not in PATTERN_NAMES:
            raise ValueError(f"unknown cue pattern {name!r}; known: {', '.join(PATTERN_NAMES)}")
        out[name] = _pattern_from_spec(name, spec)
    _check_contact_patterns(out)
    return out


def _pattern_from_spec(name: str, spec: Any) -> Pattern:
    try:
        if isinstance(spec, Mapping):
            pattern = _pattern_from_table(name, spec)
        elif isinstance(spec, (list, tuple)):
            pattern = Pattern(tuple(_note_from_pair(name, i, n) for i, n in enumerate(spec)))
        else:
            raise ValueError(f"must be a list of [hz, seconds] or a table, not {spec!r}")
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(msg if msg.startswith(f"cue pattern {name!r}")
                         else f"cue pattern {name!r}: {msg}") from None
    if name in CONTACT_NAMES and pattern.duration_s > CONTACT_CUE_MAX_S + 1e-9:
        raise ValueError(f"cue pattern {name!r}: lasts {pattern.duration_s:.2f} s; a contact cue "
                         f"must be over within {CONTACT_CUE_MAX_S} s, while the fault lasts")
    return pattern


_TABLE_KEYS = ("beeps", "hz", "on_s", "off_s", "volume")


def _pattern_from_table(name: str, spec: Mapping[str, Any]) -> Pattern:
    for key in spec:
        if key not in _TABLE_KEYS:
            raise ValueError(f"unknown key {key!r}; known: {', '.join(_TABLE_KEYS)}")
    for key in ("hz", "on_s"):
        if key not in spec:
            raise ValueError(f"missing key {key!r}")
    hz, on_s, off_s = spec["hz"], spec["on_s"], spec.get("off_s", 0.05)
    _check_note("hz/on_s", hz, on_s)
    if off_s != 0:
        _check_note("off_s", None, off_s)
    volume = spec.get("volume", 1.0)
    if isinstance(volume, bool) or not isinstance(volume, (int, float)):
        raise ValueError(f"volume must be a number in (0, 1], not {volume!r}")
    return Pattern.beeping(spec.get("beeps", 1), hz, on_s, off_s, float(volume))


def _note_from_pair(name: str, i: int, pair: Any) -> Note:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
        raise ValueError(f"note {i} must be [frequency_hz, duration_s], not {pair!r}")
    hz, dur = pair
    if hz == 0 or hz is None or (isinstance(hz, str) and hz.strip().lower() in _REST_WORDS):
        hz = None
    _check_note(f"note {i}", hz, dur)
    return Note(hz, dur)


def _check_contact_patterns(patterns: Mapping[str, Pattern]) -> None:
    """Two contacts with the same sound would make the cue say nothing."""
    for i, a in enumerate(CONTACT_NAMES):
        for b in CONTACT_NAMES[i + 1:]:
            pa, pb = patterns[a], patterns[b]
            if pa.beep_lengths == pb.beep_lengths and pa.pitches == pb.pitches:
                raise ValueError(f"cue patterns {a!r} and {b!r} sound the same; "
                                 "each contact needs its own")


# -- the policy -------------------------------------------------------------------------


@dataclass
class _Loss:
    """A contact that is off right now: since when, in which rep, and what was decided."""

    t: float
    rep: int | None
    decided: bool  # cued or suppressed for good (a bandwidth loss waits for poll())


@dataclass
class CuePolicy:
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

    >>> p = CuePolicy(schedule="bandwidth", bandwidth_s=0.3)
    >>> p.on_event({"t": 1.0, "type": "contact_lost", "contact": "head"}) is None
    True
    >>> p.poll(1.2), p.poll(1.3)
    (None, 'head')
    """

    schedule: str = "every"
    mute: bool = False
    clean_rep_chime: bool = False
    faded_start: float = 1.0
    faded_end: float = 0.2
    faded_over_reps: int = 30
    bandwidth_s: float = 0.0
    seed: int = 0
    _losses: dict[str, _Loss] = field(default_factory=dict, init=False, repr=False)
    _rep: int | None = field(default=None, init=False, repr=False)
    _rep_decided: set[str] = field(default_factory=set, init=False, repr=False)
    _rep_feedback: bool = field(default=True, init=False, repr=False)
    _trials: int = field(default=0, init=False, repr=False)
    _reps: int = field(default=0, init=False, repr=False)
    _acc: float = field(default=0.0, init=False, repr=False)
    _faults_cued: set[tuple[Any, Any]] = field(default_factory=set, init=False, repr=False)
    _cued: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _suppressed: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.set_schedule(self.schedule)
        self.reset_session()

    # -- configuration ------------------------------------------------------------------

    def set_schedule(self, schedule: str, **params: Any) -> None:
        """Switch schedule (and optionally its parameters: faded_*, bandwidth_s, seed).

        Bandwidth losses still waiting are dropped: their rule no longer holds.
        The faded schedule keeps counting reps from the start of the session.
        """
        allowed = ("faded_start", "faded_end", "faded_over_reps", "bandwidth_s", "seed")
        for key in params:
            if key not in allowed:
                raise ValueError(f"unknown schedule parameter {key!r}; known: {', '.join(allowed)}")
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")
        values = {k: params.get(k, getattr(self, k)) for k in allowed}
        _check_params(values)
        seed_changed = values["seed"] != self.seed
        for k, v in values.items():
            setattr(self, k, v)
        self.schedule = schedule
        for loss in self._losses.values():
            if not loss.decided:
                loss.decided = True
                self._count_suppressed("schedule_changed")
        if seed_changed:
            self._acc = random.Random(self.seed).random()

    def toggle_mute(self) -> bool:
        """Flip mute (button B's menu uses it); returns the new state."""
        self.mute = not self.mute
        return self.mute

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
        n = max(self.faded_over_reps - 1, 1)
        frac = min(max(trial - 1, 0) / n, 1.0)
        return self.faded_start + (self.faded_end - self.faded_start) * frac

    # -- events ----------------------------------------------------------------------------

    def on_event(self, event: Mapping[str, Any]) -> str | None:
        """The pattern name to play for this detector event, or None.

        Never raises on an odd event: it runs on the sampler's thread.
        """
        handler = self._HANDLERS.get(event.get("type"))  # type: ignore[arg-type]
        return handler(self, event) if handler else None

    def poll(self, t: float) -> str | None:
        """Bandwidth schedule: the cue for a loss that has now lasted `bandwidth_s`.

        Returns one pattern per call, the oldest due loss first; None when none
        is due. Late by `bandwidth_s` by design. Under other schedules, None.
        """
        due = [(loss.t, name) for name, loss in self._losses.items()
               if not loss.decided and t - loss.t >= self.bandwidth_s - 1e-9]
        if not due:
            return None
        _, name = min(due)
        return self._decide(name, self._losses[name], True)

    def _on_ready(self, event: Mapping[str, Any]) -> str | None:
        self._losses.clear()
        self._rep = None
        self._faults_cued.clear()
        return self._system_cue("ready")

    def _on_rep_started(self, event: Mapping[str, Any]) -> None:
        self._open_rep(event.get("rep"))
        return None

    def _on_rep_completed(self, event: Mapping[str, Any]) -> str | None:
        feedback = self._rep_feedback
        self._rep = None
        self._rep_decided = set()
        if not self.clean_rep_chime or event.get("faults"):
            return None
        return self._feedback_cue("clean_rep", feedback)

    def _on_contact_lost(self, event: Mapping[str, Any]) -> str | None:
        name = event.get("contact")
        if name not in CONTACT_NAMES:
            return None
        rep = self._rep
        if name in self._losses or (rep is not None and name in self._rep_decided):
            self._losses.setdefault(name, _Loss(_t(event), rep, True))
            self._count_suppressed("repeat")
            return None
        loss = _Loss(_t(event), rep, False)
        self._losses[name] = loss
        if self.schedule == "bandwidth" and not self.mute:
            return None  # decided by poll() or by contact_restored
        return self._decide(name, loss, self._faded_feedback(rep))

    def _on_contact_restored(self, event: Mapping[str, Any]) -> str | None:
        name = event.get("contact")
        loss = self._losses.pop(name, None)  # type: ignore[arg-type]
        if loss is None or loss.decided:
            return None
        if _t(event) - loss.t >= self.bandwidth_s - 1e-9:
            # poll() was not called in time, but the loss did last long enough
            return self._decide(name, loss, True)  # type: ignore[arg-type]
        loss.decided = True
        self._count_suppressed("bandwidth")
        return None

    def _on_dowel_removed(self, event: Mapping[str, Any]) -> None:
        for loss in self._losses.values():
            if not loss.decided:
                self._count_suppressed("dowel_removed")
        self._losses.clear()
        self._rep = None
        self._rep_decided = set()
        return None

    def _on_sensor_fault(self, event: Mapping[str, Any]) -> str | None:
        """Once per contact and reason until the next `ready`: a dead part is not news twice."""
        key = (event.get("contact"), event.get("reason"))
        if key in self._faults_cued:
            self._count_suppressed("repeat")
            return None
        self._faults_cued.add(key)
        return self._system_cue("sensor_fault")

    _HANDLERS = {
        "ready": _on_ready,
        "rep_started": _on_rep_started,
        "rep_completed": _on_rep_completed,
        "contact_lost": _on_contact_lost,
        "contact_restored": _on_contact_restored,
        "dowel_removed": _on_dowel_removed,
        "sensor_fault": _on_sensor_fault,
    }

    # -- decisions -------------------------------------------------------------------------

    def _open_rep(self, rep: Any) -> None:
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
        if self.mute:
            reason = "mute"
        elif self.schedule == "retention":
            reason = "retention"
        elif self.schedule == "faded" and not faded_feedback:
            reason = "faded"
        else:
            return self._count_cued(name)
        self._count_suppressed(reason)
        return None

    def _system_cue(self, name: str) -> str | None:
        """The box speaking about itself: only mute silences it."""
        if self.mute:
            self._count_suppressed("mute")
            return None
        return self._count_cued(name)

    def _count_cued(self, name: str) -> str:
        self._cued[name] = self._cued.get(name, 0) + 1
        return name

    def _count_suppressed(self, reason: str) -> None:
        self._suppressed[reason] = self._suppressed.get(reason, 0) + 1


def _t(event: Mapping[str, Any]) -> float:
    t = event.get("t")
    return float(t) if isinstance(t, (int, float)) else 0.0


def _check_params(values: Mapping[str, Any]) -> None:
    for key in ("faded_start", "faded_end"):
        v = values[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ValueError(f"{key} must be a share in [0, 1], not {v!r}")
    n = values["faded_over_reps"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"faded_over_reps must be a whole number of at least 1, not {n!r}")
    b = values["bandwidth_s"]
    if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0.0 <= b < math.inf:
        raise ValueError(f"bandwidth_s must be a number of seconds >= 0, not {b!r}")
    if isinstance(values["seed"], bool) or not isinstance(values["seed"], int):
        raise ValueError(f"seed must be an integer, not {values['seed']!r}")
