"""What a press asks the app to do: small typed commands, one log line each.

Why commands and not calls: the navigation table (device/view/navigation.py)
is pure and runs against the frame the person saw; the app carries the
commands out where each belongs (the sampler's thread for the detector, the
store, the buzzer). Every command is relative to what the screen showed
("the next value of this setting", "end the set in progress"), so a command
that arrives a moment late still does what the press meant, or nothing.

    >>> ChangeSetting("volume").to_dict()
    {'do': 'setting', 'key': 'volume'}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    """Something a press asks of the app; `to_dict()` is the `command` log line's fields."""

    DO = "command"

    def to_dict(self) -> dict[str, Any]:
        return {"do": self.DO, **self.__dict__}


@dataclass(frozen=True)
class StartSet(Command):
    """Start the next set with the dowel still on (after a set ended with A); else nothing."""

    DO = "start_set"


@dataclass(frozen=True)
class EndSet(Command):
    """End the set in progress; nothing if none is (it ended by itself meanwhile)."""

    DO = "end_set"


@dataclass(frozen=True)
class ChangeSetting(Command):
    """Move one setting to its next value (device/core/settings.py `cycled`)."""

    DO = "setting"
    key: str


@dataclass(frozen=True)
class PickAthlete(Command):
    DO = "athlete"
    name: str


@dataclass(frozen=True)
class AddAthlete(Command):
    """A name typed on the box: added (or found, in any case) and chosen."""

    DO = "add_athlete"
    name: str


@dataclass(frozen=True)
class RenameAthlete(Command):
    DO = "rename_athlete"
    old: str
    new: str


@dataclass(frozen=True)
class LoadHistory(Command):
    """Fill History with the chosen athlete's newest sets (a page; older ones with MoreHistory)."""

    DO = "load_history"


@dataclass(frozen=True)
class MoreHistory(Command):
    """History's next page: the athlete's sets older than `before` (a set id)."""

    DO = "more_history"
    before: int


@dataclass(frozen=True)
class OpenSet(Command):
    """Show one past set (its id is the History row's `set_id`) with its summary and chart."""

    DO = "open_set"
    set_id: int


@dataclass(frozen=True)
class StartExport(Command):
    DO = "export"


@dataclass(frozen=True)
class PowerOff(Command):
    DO = "power_off"


@dataclass(frozen=True)
class PlanCommand(Command):
    """A command about the chosen athlete's learning plan (device/app/coach.py carries these out)."""

    DO = "plan"


@dataclass(frozen=True)
class SetStage(PlanCommand):
    """The coach puts the chosen athlete in this stage (nothing if already there)."""

    DO = "plan_stage"
    stage: str


@dataclass(frozen=True)
class NextTarget(PlanCommand):
    """The chosen athlete's depth target to its next value (device/core/plan.py `DEPTH_TARGETS`)."""

    DO = "depth_target"


@dataclass(frozen=True)
class LoadProgress(PlanCommand):
    """Fill the progress screen with the chosen athlete's sessions and plan history."""

    DO = "load_progress"
