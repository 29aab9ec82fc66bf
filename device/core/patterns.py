"""Cue patterns: the sound of each cue, and the config that may change them.

The athlete is mid-rep and cannot look at the screen, so each contact has a
pattern told apart by ear alone: it differs from the others in pitch AND in
count (an active buzzer has no pitch, so count and length must carry it too),
and each is over in under 0.4 s, while the fault is still happening.

    >>> DEFAULT_PATTERNS["sacrum"].beeps
    1
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from device.core.contacts import CONTACTS

CONTACT_NAMES: tuple[str, str, str] = CONTACTS
PATTERN_NAMES: tuple[str, ...] = (*CONTACT_NAMES, "ready", "clean_rep", "sensor_fault")

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
class Pattern(Sequence[Note]):
    """An immutable sequence of notes; `volume` scales a passive buzzer's loudness.

    >>> p = Pattern.beeping(2, 1568.0, on_s=0.09, off_s=0.06)
    >>> p.beeps, round(p.duration_s, 2), p.pitches
    (2, 0.24, (1568.0,))
    """

    notes: tuple[Note, ...]  # plain (hz, seconds) pairs are made Notes too
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

    def __getitem__(self, index):  # type: ignore[no-untyped-def]  # int or slice, as a tuple
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
    "ready": Pattern((Note(1047.0, 0.06), Note(None, 0.03), Note(1568.0, 0.16))),
    # one quiet blip: praise should not compete with the fault cues
    "clean_rep": Pattern((Note(2093.0, 0.05),), volume=0.3),
    # four fast beeps, falling high-low twice: unlike any contact
    "sensor_fault": Pattern((Note(2093.0, 0.05), Note(None, 0.03), Note(1047.0, 0.05), Note(None, 0.03),
                             Note(2093.0, 0.05), Note(None, 0.03), Note(1047.0, 0.05))),
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
