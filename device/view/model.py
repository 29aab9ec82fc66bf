"""What the screen shows, as one immutable snapshot: the view model.

Why a view model: the screen may lag, the buzzer may not. The detector runs on
the sampler's thread; the main loop drains its events and, a few dozen times a
second, glances at the detector's live state. `ViewModelBuilder`
(device/view/builder.py) folds both into a `ViewModel`, a frozen value the pure
render functions in `ui/` draw from. Nothing here draws, and nothing in `ui/`
reads a sensor.

Live values are quantised (pressure bars in 1/40 steps, tilt in whole degrees,
calibration in 2 % steps), so a model built twice from a steady scene is equal
and the display can skip the frame: equality is "nothing worth redrawing".
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from device.core.contact import ContactState
from device.core.contacts import CONTACTS, CUE_SHORT, LABELS
from device.core.settings import LiveSettings

CUES = CUE_SHORT  # (headline, advice) per contact, as the screen says them

# Display states of a contact. The first three are the detector's; WAITING is a
# pad not yet pressed while the dowel is being placed (not a loss: no set yet).
IN_CONTACT, LOST, FAULT = ContactState.IN_CONTACT, ContactState.LOST, ContactState.FAULT
WAITING = "waiting"



class Screen(StrEnum):
    """What the screen shows. The first five follow the appliance; the rest the menu opens."""

    PLACE = "place"
    CALIBRATING = "calibrating"
    LIVE = "live"
    SUMMARY = "summary"
    FAULT = "fault"
    MENU = "menu"
    HISTORY = "history"
    PAST_SET = "past_set"
    ATHLETES = "athletes"
    NAME = "name"
    SETTINGS = "settings"
    EXPORT = "export"
    PROGRESS = "progress"
    PLAN = "plan"


SCREENS: tuple[Screen, ...] = tuple(Screen)
AUTO_SCREENS, MENU_SCREENS = SCREENS[:5], SCREENS[5:]
EXPORT_STATES = ("idle", "waiting", "writing", "done", "error")

def plural(n: int, word: str) -> str:
    """'1 rep', '3 reps': counts on the screen read as words.

    >>> plural(1, "rep"), plural(0, "set")
    ('1 rep', '0 sets')
    """
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class ContactView:
    """One contact as the screen shows it.

    `pressure` is a fraction of the standing baseline once calibrated, and of
    the "touching" threshold before; `bar` is what a pressure bar fills (0..1):
    standing pressure fills half, and before calibration the threshold sits at
    half on a log scale, so a light touch and a firm press both show.
    """

    name: str
    label: str
    state: str
    pressure: float = 0.0
    bar: float = 0.0


@dataclass(frozen=True)
class RepView:
    """The last counted rep: depth and its three tempo phases."""

    rep: int
    depth_deg: float
    descent_s: float
    bottom_s: float
    ascent_s: float
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesView:
    """The set's pressures and tilt, decimated for a chart: the summary screen's and the
    export's (ui/chart.py draws both). Pressures are fractions of the standing baseline."""

    t: tuple[float, ...] = ()
    pressure: tuple[tuple[str, tuple[float, ...]], ...] = ()  # (contact, values) per contact
    pitch: tuple[float, ...] | None = None  # None: no tilt sensor
    losses: tuple[tuple[str, float, float], ...] = ()  # contact, start, end
    reps: tuple[tuple[float, float], ...] = ()  # start, end of each counted rep


@dataclass(frozen=True)
class SummaryView:
    """A finished set in numbers: whose it was and its number among that athlete's sets.

    `athlete` and `set_no` are taken when the set starts, so choosing another
    athlete afterwards never relabels it; `has_imu` tells "no reps counted"
    from "no tilt sensor".
    """

    set_no: int
    reps: int
    clean_reps: int
    losses: tuple[tuple[str, int], ...]
    mean_depth_deg: float | None
    tempo_s: tuple[float, float, float] | None  # mean descent, bottom, ascent
    duration_s: float
    series: SeriesView = SeriesView()
    athlete: str = ""
    has_imu: bool = True
    dips: int = 0
    when: str = ""  # a past set's start, as History lists it
    plan_note: str = ""  # what the set did to the athlete's learning plan (the plan_set's note)
    plan_moved: str = ""  # "fade -> test" when the set moved the athlete's stage


@dataclass(frozen=True)
class PlanView:
    """The chosen athlete's place in the learning plan, as the screens say it.

    `stage` "" means no plan: the guest is anyone, so the box keeps none for it.
    `schedule` is what the plan gives the next set; `by_hand` that the coach set
    Feedback by hand in Settings, which wins (the plan then waits)."""

    stage: str = ""
    target_deg: float = 35.0
    schedule: str = "every"
    advice: str = ""
    since: str = ""
    by_hand: bool = False


def schedule_in_force(settings: LiveSettings, plan: PlanView) -> str:
    """The cue schedule the box runs with: the plan's (Feedback "plan") or the one set by hand."""
    return plan.schedule if settings.schedule == "plan" else settings.schedule


@dataclass(frozen=True)
class SessionPoint:
    """One session on the progress screen: clean reps, depth against the target, tempo, stage."""

    label: str  # its date, short ("3 Mar")
    reps: int
    clean_pct: float | None
    depth_deg: float | None
    target_deg: float | None
    tempo_s: tuple[float, float, float] | None  # mean descent, bottom, ascent
    stage: str = ""  # the plan's stage at the session's last set ("" before the plan)
    tests: tuple[str, ...] = ()  # its retention tests' results: "passed" / "failed"


@dataclass(frozen=True)
class ProgressView:
    """An athlete's progress over their latest sessions, oldest first, and the plan's history."""

    athlete: str = ""
    sessions: tuple[SessionPoint, ...] = ()
    breaks: tuple[tuple[str, str, int], ...] = ()  # (contact, phase, losses), most first
    history: tuple[tuple[str, str, str, str], ...] = ()  # (date, from, to, by), newest first
    sets: int = 0  # sets on the box for this athlete, all time


@dataclass(frozen=True)
class FaultView:
    """A sensor that cannot be trusted: which, why, and what a person should check."""

    sensor: str  # a contact name, or a chip ("ads1115", "mcp3008", "imu")
    label: str
    reason: str
    what: str
    check: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.sensor, self.reason)


@dataclass(frozen=True)
class MenuState:
    """Navigation's memory: the menu screen open (None: follow the appliance) and its cursor.

    `summary_dismissed` is the (athlete, set number) whose summary was left
    with A; `dismissed_faults` the (sensor, reason) pairs the fault screen was
    closed for; `text` the name being typed on the NAME screen and `renaming`
    whose name it replaces ("" for a new athlete).
    """

    screen: str | None = None
    cursor: int = 0
    summary_dismissed: tuple[str, int] = ("", 0)
    dismissed_faults: frozenset[tuple[str, str]] = frozenset()
    text: str = ""
    renaming: str = ""


@dataclass(frozen=True)
class ExportView:
    """The USB export as the screen tells it: state, progress 0..1, a line of detail."""

    state: str = "idle"
    progress: float = 0.0
    message: str = ""


@dataclass(frozen=True)
class StorageView:
    """Sets are not being saved: why (the `storage` event's reason) and the banner's words:
    the headline, the one thing to do (a few words) and the whole advice (for the notice)."""

    reason: str
    headline: str
    action: str
    advice: str
    held_reps: int = 0


@dataclass(frozen=True)
class ViewModel:
    """Everything one frame shows; equal models draw the same frame."""

    screen: str = "place"
    appliance: str = "no_dowel"
    contacts: tuple[ContactView, ...] = ()
    set_no: int = 0
    reps: int = 0
    clean_reps: int = 0
    current_rep: int | None = None
    phase: str = "standing"
    pitch_deg: float | None = None  # beyond standing; None before a set or without an IMU
    target_deg: float = 35.0
    has_imu: bool = False
    calibration: float = 0.0
    paused: bool = False  # a set was ended with A: the next starts with A
    cues: tuple[str, ...] = ()  # contacts off the dowel and cued, in the order they came off
    note: str = ""  # a short live word: "back" (in contact again) or "shallow" (a dip not counted)
    last_rep: RepView | None = None
    summary: SummaryView | None = None
    past: SummaryView | None = None  # a set opened from History
    faults: tuple[FaultView, ...] = ()
    settings: LiveSettings = LiveSettings()
    menu: MenuState = MenuState()
    athletes: tuple[str, ...] = ()
    athlete: str = ""
    history: tuple[dict, ...] = ()
    history_more: bool = False  # older sets than these are in the store (History's last row asks for them)
    history_loading: bool = False  # a page is being read (off the main loop)
    export: ExportView = ExportView()
    notice: str = ""  # news for the coach (athletes imported, a database moved aside)
    storage: StorageView | None = None  # None: sets are being saved
    simulator: bool = False
    plan: PlanView = PlanView()
    progress: ProgressView | None = None

    @property
    def schedule(self) -> str:
        """The cue schedule in force (a retention set: no cue on the screen either)."""
        return schedule_in_force(self.settings, self.plan)

    @property
    def set_running(self) -> bool:
        """A set is under way (the menu screens show a mark, and it goes on being recorded)."""
        return self.appliance == "ready"

    def contact(self, name: str) -> ContactView:
        """The view of one contact by name."""
        for c in self.contacts:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def open_faults(self) -> tuple[FaultView, ...]:
        """Faults the fault screen has not been dismissed for."""
        return tuple(f for f in self.faults if f.key not in self.menu.dismissed_faults)


__all__ = ["plural", "CONTACTS", "CUES", "LABELS", "Screen", "SCREENS", "AUTO_SCREENS", "MENU_SCREENS", "IN_CONTACT",
           "LOST", "FAULT", "WAITING", "EXPORT_STATES", "ContactView", "RepView", "SeriesView",
           "SummaryView", "FaultView", "MenuState", "ExportView", "StorageView", "ViewModel", "PlanView",
           "SessionPoint", "ProgressView"]
