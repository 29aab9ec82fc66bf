"""The settings a coach changes on the box while it runs (the Settings menu).

They start from the config (`[cues] schedule`, `mute`) and are then the
app's own state: the app applies them (cue policy, buzzer, detector) and
shows them; the view model only displays a copy.

    >>> s = LiveSettings()
    >>> s.schedule, s.sensitivity, next_in(VOLUMES, 1.0), s.dip_note
    ('plan', 'normal', 0.25, True)

Feedback ("schedule") is either "plan", the athlete's learning plan choosing
each set's schedule (device/app/coach.py), or one of the cue policy's
schedules set by hand, which then holds for every set and every athlete
until changed back (docs/adr: the plan and the Settings menu).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from device.core.contactcfg import SENSITIVITY_SCALE
from device.core.cues import SCHEDULES

PLAN = "plan"  # Feedback as the athlete's learning plan sets it, set by set
FEEDBACK: tuple[str, ...] = (PLAN, *SCHEDULES)
VOLUMES: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
SENSITIVITIES: tuple[str, ...] = tuple(SENSITIVITY_SCALE)


@dataclass(frozen=True)
class LiveSettings:
    """Feedback schedule, mute, buzzer volume, loss sensitivity and the shallow-dip note.

    `dip_note` False silences the screen's "too shallow, not counted" (some
    coaches do not want a word on dips at all).
    """

    schedule: str = PLAN
    mute: bool = False
    volume: float = 1.0
    sensitivity: str = "normal"
    dip_note: bool = True

    def __post_init__(self) -> None:
        if self.schedule not in FEEDBACK:
            raise ValueError(f"schedule must be one of {', '.join(FEEDBACK)}, not {self.schedule!r}")
        if self.sensitivity not in SENSITIVITIES:
            raise ValueError(f"sensitivity must be one of {', '.join(SENSITIVITIES)}, "
                             f"not {self.sensitivity!r}")
        if not 0.0 < self.volume <= 1.0:
            raise ValueError(f"volume must be in (0, 1], not {self.volume!r}")


SETTING_KEYS: tuple[str, ...] = ("schedule", "mute", "volume", "sensitivity", "dip_note")


def cycled(settings: LiveSettings, key: str) -> LiveSettings:
    """The settings with `key` moved to its next value (what one press on its row does).

    >>> cycled(LiveSettings(), "volume").volume, cycled(LiveSettings(), "mute").mute
    (0.25, True)
    """
    if key == "mute":
        return replace(settings, mute=not settings.mute)
    if key == "dip_note":
        return replace(settings, dip_note=not settings.dip_note)
    options = {"schedule": FEEDBACK, "volume": VOLUMES, "sensitivity": SENSITIVITIES}.get(key)
    if options is None:
        raise ValueError(f"unknown setting {key!r} (known: {', '.join(SETTING_KEYS)})")
    return replace(settings, **{key: next_in(options, getattr(settings, key))})


def next_in(options: Sequence[Any], current: Any) -> Any:
    """The option after `current`, wrapping (the settings cycle through their values).

    >>> next_in(FEEDBACK, "retention")
    'plan'
    """
    try:
        return options[(list(options).index(current) + 1) % len(options)]
    except ValueError:
        return options[0]
