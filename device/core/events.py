"""Events: one small class per type, one JSON line each, one way to dispatch them.

Why classes and not dicts: the detector, the cue policy, the recorder and the
screen all act on the same events, and a misspelt key in a dict is a silent
no-op. An event class says which fields a type has; `to_json()` gives the
design's event line (a fixed interface: the bytes are what they always were),
and `accept(handler)` calls the handler's `on_<type>` method, so a consumer
is a subclass of `EventHandler` that overrides what it cares about.

    >>> e = ContactLost(8.06, "sacrum", "spinal_flexion", rep=1, phase="bottom")
    >>> e.to_json()
    '{"t": 8.06, "type": "contact_lost", "contact": "sacrum", "cause": "spinal_flexion", "rep": 1, "phase": "bottom"}'
    >>> class Count(EventHandler[int]):
    ...     def on_contact_lost(self, e: ContactLost) -> int:
    ...         return 1
    >>> e.accept(Count()), Ready(3.1, {}).accept(Count())
    (1, None)

Optional fields (default None) are left out of the line when they are None,
as the dicts of old did; `cue` (the pattern the live loop played for this
event) always comes last. `parse_event` turns a line's object back into its
class (tests, tools reading a log).
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Mapping, TypeVar

R = TypeVar("R")


class EventHandler(Generic[R]):
    """A consumer of events: override the `on_<type>` methods it cares about (others return None)."""

    def on_calibrating(self, e: Calibrating) -> R | None:
        return None

    def on_ready(self, e: Ready) -> R | None:
        return None

    def on_rep_started(self, e: RepStarted) -> R | None:
        return None

    def on_rep_completed(self, e: RepCompleted) -> R | None:
        return None

    def on_rep_discarded(self, e: RepDiscarded) -> R | None:
        return None

    def on_contact_lost(self, e: ContactLost) -> R | None:
        return None

    def on_contact_restored(self, e: ContactRestored) -> R | None:
        return None

    def on_dowel_removed(self, e: DowelRemoved) -> R | None:
        return None

    def on_loss_withdrawn(self, e: LossWithdrawn) -> R | None:
        return None

    def on_set_ended(self, e: SetEnded) -> R | None:
        return None

    def on_sensor_fault(self, e: SensorFault) -> R | None:
        return None

    def on_sensor_ok(self, e: SensorOk) -> R | None:
        return None

    def on_other(self, e: Event) -> R | None:
        """Any type without a method of its own (the app's log events)."""
        return None


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event: `t` is the time of the sample that decided it (seconds)."""

    TYPE: ClassVar[str] = "event"
    t: float
    cue: str | None = field(default=None, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """The event line's object: t, type, the fields in order (None optionals left out), cue."""
        out: dict[str, Any] = {"t": self.t, "type": self.TYPE}
        for f in _body_fields(type(self)):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        if self.cue is not None:
            out["cue"] = self.cue
        return out

    def to_json(self) -> str:
        """The design's event line: `{"t": 8.06, "type": "contact_lost", ...}`."""
        return json.dumps(self.to_dict(), separators=(", ", ": "))

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_other(self)

    def with_cue(self, pattern: str) -> Event:
        """The same event, marked with the cue pattern that was played for it."""
        return dataclasses.replace(self, cue=pattern)


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


def _body_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of a class after t and before cue, computed once per class."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = tuple(f for f in dataclasses.fields(cls) if f.name not in ("t", "cue"))
        _FIELDS[cls] = fields
    return fields


# -- what the detector says ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Calibrating(Event):
    """All three pads pressed: standing still now becomes the set's baseline."""

    TYPE: ClassVar[str] = "calibrating"

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_calibrating(self)


@dataclass(frozen=True, slots=True)
class Ready(Event):
    """Calibrated: the set begins. Baselines in microsiemens; standing angle with an IMU."""

    TYPE: ClassVar[str] = "ready"
    baseline_us: Mapping[str, float] = field(default_factory=dict)
    standing_deg: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "type": self.TYPE}  # standing_deg before the baselines
        if self.standing_deg is not None:
            out["standing_deg"] = self.standing_deg
        out["baseline_us"] = dict(self.baseline_us)
        if self.cue is not None:
            out["cue"] = self.cue
        return out

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_ready(self)


@dataclass(frozen=True, slots=True)
class RepStarted(Event):
    TYPE: ClassVar[str] = "rep_started"
    rep: int = 0

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_rep_started(self)


@dataclass(frozen=True, slots=True)
class RepCompleted(Event):
    """A counted rep: its depth beyond standing, its tempo, and the contacts lost during it."""

    TYPE: ClassVar[str] = "rep_completed"
    rep: int = 0
    depth_deg: float = 0.0
    duration_s: float = 0.0
    descent_s: float = 0.0
    bottom_s: float = 0.0
    ascent_s: float = 0.0
    faults: tuple[str, ...] = ()

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_rep_completed(self)


@dataclass(frozen=True, slots=True)
class RepDiscarded(Event):
    """A movement that did not count (a shallow dip)."""

    TYPE: ClassVar[str] = "rep_discarded"
    rep: int = 0
    depth_deg: float = 0.0
    reason: str = "shallow"

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_rep_discarded(self)


@dataclass(frozen=True, slots=True)
class ContactLost(Event):
    """A contact came away; `rep` and `phase` when a rep (or standing, with an IMU) tells."""

    TYPE: ClassVar[str] = "contact_lost"
    contact: str = ""
    cause: str = ""
    rep: int | None = None
    phase: str | None = None

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_contact_lost(self)


@dataclass(frozen=True, slots=True)
class ContactRestored(Event):
    TYPE: ClassVar[str] = "contact_restored"
    contact: str = ""
    rep: int | None = None
    phase: str | None = None

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_contact_restored(self)


@dataclass(frozen=True, slots=True)
class LossWithdrawn(Event):
    """A contact_lost already reported was the dowel being taken off, not a fault.

    Pads leave a removal up to a quarter second apart, and a loss is cued the
    moment it is seen, so the first pads of a ragged removal may have been
    reported (and cued) before the last showed it was a removal. This comes
    just before `dowel_removed`, once per such loss: the loss is taken out of
    the set's counts (screen, store); the cue has sounded and stays sounded.
    `lost_t` is the `t` of the contact_lost it withdraws.
    """

    TYPE: ClassVar[str] = "loss_withdrawn"
    contact: str = ""
    reason: str = "dowel_removed"
    lost_t: float | None = None

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_loss_withdrawn(self)


@dataclass(frozen=True, slots=True)
class DowelRemoved(Event):
    """All pads left together: the dowel was taken off; the set is over."""

    TYPE: ClassVar[str] = "dowel_removed"
    reps: int = 0

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_dowel_removed(self)


@dataclass(frozen=True, slots=True)
class SetEnded(Event):
    """The set was ended by a command (button A) with the dowel on or off."""

    TYPE: ClassVar[str] = "set_ended"
    reason: str = "button"
    reps: int = 0

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_set_ended(self)


@dataclass(frozen=True, slots=True)
class SensorFault(Event):
    """A part that cannot be trusted: a pad (`contact`) or a chip (`sensor`). Never a loss."""

    TYPE: ClassVar[str] = "sensor_fault"
    contact: str | None = None
    sensor: str | None = None
    reason: str = ""
    detail: str | None = None

    @property
    def part(self) -> str:
        """The contact's name, else the chip's."""
        return self.contact or self.sensor or "adc"

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_sensor_fault(self)


@dataclass(frozen=True, slots=True)
class SensorOk(Event):
    TYPE: ClassVar[str] = "sensor_ok"
    contact: str | None = None
    sensor: str | None = None

    @property
    def part(self) -> str:
        return self.contact or self.sensor or "adc"

    def accept(self, handler: EventHandler[R]) -> R | None:
        return handler.on_sensor_ok(self)


# -- lines for people ---------------------------------------------------------------------------
def to_row(event: Event) -> str:
    """A line a person reads: time, type, then the details as key=value."""
    d = event.to_dict()
    details = "  ".join(f"{k}={_fmt(v)}" for k, v in d.items() if k not in ("t", "type"))
    return f"{event.t:9.3f}  {event.TYPE:<17s} {details}".rstrip()


def _fmt(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "-"
    if isinstance(value, dict):
        return ",".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


# -- reading lines back -------------------------------------------------------------------------
DETECTOR_EVENTS: tuple[type[Event], ...] = (
    Calibrating, Ready, RepStarted, RepCompleted, RepDiscarded, ContactLost, ContactRestored,
    LossWithdrawn, DowelRemoved, SetEnded, SensorFault, SensorOk)
_BY_TYPE: dict[str, type[Event]] = {cls.TYPE: cls for cls in DETECTOR_EVENTS}


def register(cls: type[Event]) -> type[Event]:
    """Make `parse_event` know an event class defined elsewhere (the app's log events)."""
    _BY_TYPE[cls.TYPE] = cls
    return cls


def parse_event(obj: Mapping[str, Any]) -> Event:
    """An event line's object back as its class; ValueError for an unknown type.

    Fields this version does not know are left out: lines may gain fields
    (DESIGN.md), and an older reader must still read them.

    >>> parse_event({"t": 9.9, "type": "rep_completed", "rep": 1, "faults": ["sacrum"], "new": 1}).faults
    ('sacrum',)
    """
    cls = _BY_TYPE.get(str(obj.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {obj.get('type')!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in obj.items() if k in names}
    return cls(**kwargs)
