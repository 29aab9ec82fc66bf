"""The app's own log lines (besides the detector's events): what the box did and why.

Each is an Event, so it prints through the same `to_json()` and reaches the
same handlers (as `on_other`), and a tool reading the journal can parse it
back (`device.core.events.parse_event`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from device.core.events import Event, register


@register
@dataclass(frozen=True, slots=True)
class Started(Event):
    TYPE: ClassVar[str] = "started"
    hardware: str = ""
    rate_hz: float = 0.0
    athlete: str | None = None  # the athlete and settings at start: the configured ones, the guest
    settings: Mapping[str, Any] | None = None  # (the store opens behind the cues: see Restored)
    box_id: str = ""  # this box's id (device/store/box.py); "" if it could not be read or made


@register
@dataclass(frozen=True, slots=True)
class Restored(Event):
    """The athlete and settings the box kept from its last run, once the store is open."""

    TYPE: ClassVar[str] = "restored"
    athlete: str | None = None
    settings: Mapping[str, Any] | None = None


@register
@dataclass(frozen=True, slots=True)
class Stopped(Event):
    TYPE: ClassVar[str] = "stopped"
    reason: str = "stop"
    samples: int = 0
    interval_p50_ms: float = 0.0
    interval_p99_ms: float = 0.0
    overruns: int = 0


@register
@dataclass(frozen=True, slots=True)
class CuePlayed(Event):
    """A cue decided by time, not by an event (a bandwidth loss that lasted long enough)."""

    TYPE: ClassVar[str] = "cue"
    pattern: str = ""
    late: bool = True


@register
@dataclass(frozen=True, slots=True)
class Notice(Event):
    """Something the coach should know (a file moved aside, a line of athletes.csv skipped)."""

    TYPE: ClassVar[str] = "warning"
    detail: str = ""


@register
@dataclass(frozen=True, slots=True)
class Display(Event):
    TYPE: ClassVar[str] = "display"
    detail: str = ""


@register
@dataclass(frozen=True, slots=True)
class ScreenShown(Event):
    """The screen now shows another state (device/view/navigation.py's table names them)."""

    TYPE: ClassVar[str] = "screen"
    name: str = ""


@register
@dataclass(frozen=True, slots=True)
class StickArrived(Event):
    TYPE: ClassVar[str] = "usb"
    mountpoint: str = ""
    read_only: bool = False


@register
@dataclass(frozen=True, slots=True)
class AthletesImported(Event):
    TYPE: ClassVar[str] = "athletes_imported"
    added: int = 0


@register
@dataclass(frozen=True, slots=True)
class ExportFinished(Event):
    TYPE: ClassVar[str] = "export"
    ok: bool = False
    message: str = ""


@register
@dataclass(frozen=True, slots=True)
class PowerOffRequested(Event):
    TYPE: ClassVar[str] = "power_off_requested"


@register
@dataclass(frozen=True, slots=True)
class PowerOff(Event):
    TYPE: ClassVar[str] = "power_off"
    ok: bool = False
    message: str = ""


@register
@dataclass(frozen=True, slots=True)
class CommandDone(Event):
    """A press's command carried out; its fields are the command's (`do`, then its own)."""

    TYPE: ClassVar[str] = "command"
    command: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "type": self.TYPE, **self.command}


@register
@dataclass(frozen=True, slots=True)
class StorageState(Event):
    """Whether sets are being saved: `state` recording or not_recording, and why (`reason`).

    Also, with state recording and a `reason`, what the store found when it
    opened (a database salvaged, a damaged journal, traces finished). Held:
    what waits in memory for a card that refuses (device/store/health.py)."""

    TYPE: ClassVar[str] = "storage"
    state: str = "recording"
    reason: str = ""
    detail: str = ""
    held_sets: int | None = None
    held_reps: int | None = None


@register
@dataclass(frozen=True, slots=True)
class ClockBehind(Event):
    """The boot check found the clock in the past: sets would be filed under the wrong date."""

    TYPE: ClassVar[str] = "clock"
    reason: str = "clock_behind"
    detail: str = ""


@register
@dataclass(frozen=True, slots=True)
class StickQueued(Event):
    """A stick arrived while another was being written: it gets the sets when that one is done."""

    TYPE: ClassVar[str] = "usb_queued"
    mountpoint: str = ""
    waiting: int = 1


@register
@dataclass(frozen=True, slots=True)
class ExportWaiting(Event):
    """A stick waits for the recorder to save the set that just ended (a barrier, not a delay)."""

    TYPE: ClassVar[str] = "export_waiting"
    mountpoint: str = ""


@register
@dataclass(frozen=True, slots=True)
class PowerOffDeferred(Event):
    """B held while an export writes: the box powers off when the export is done."""

    TYPE: ClassVar[str] = "power_off_deferred"
    detail: str = ""
