"""The screens as a state machine: one table says what every input does on every screen.

Why a table: with two buttons, what a press means depends on the screen, and
people get lost when the screen changes under their finger. So, in the
spirit of pibooth's states, each screen is a state and `TABLE[screen][input]`
is a `Rule`: a line of words (the README's keys table is made from them) and
the pure function that carries it out. Two principles hold for every row:

- A press does what the screen showed when it was pressed. The app hands
  `press()` the frame it had drawn, not the state that may have moved on
  since, and every command is relative ("end the set in progress"), so a
  press that lands as a set ends by itself does nothing rather than
  something else.
- A set never closes a menu, and a menu press never touches the set. A set
  that starts while someone is in a menu is recorded and cued; the menu
  stays until left with Back, or until `MENU_IDLE_S` without a press, and
  shows a "set running" mark meanwhile.

The first five screens follow the appliance (MenuState.screen None: the
builder derives which from the detector); the others are opened by a press
and stay. The failsafe: a screen the table does not know follows the
appliance, and so does any screen after `MENU_IDLE_S` without a press.

    >>> from device.view.model import ViewModel
    >>> step(MenuState(), Input.B, ViewModel(screen="live"))[0].screen
    <Screen.MENU: 'menu'>
    >>> step(MenuState(), Input.A, ViewModel(screen="live"))[1]
    [EndSet()]
    >>> step(MenuState(screen=Screen.MENU), Input.STARTED, ViewModel(screen="menu"))[0].screen
    <Screen.MENU: 'menu'>
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Callable

from device.core.plan import STAGES
from device.core.settings import SETTING_KEYS
from device.view.commands import (AddAthlete, ChangeSetting, Command, EndSet, LoadHistory, LoadProgress,
                                  MoreHistory, NextTarget, OpenSet, PickAthlete, PowerOff, RenameAthlete,
                                  SetStage, StartExport, StartSet)
from device.view.model import AUTO_SCREENS, MenuState, Screen, ViewModel
from device.view.naming import take, wheel_item

MENU_IDLE_S = 60.0  # a menu left alone this long gives the screen back to the appliance

MENU_ITEMS: tuple[tuple[str, str], ...] = (
    ("resume", "Back"), ("history", "History"), ("athletes", "Athlete"),
    ("settings", "Settings"), ("progress", "Progress"), ("plan", "Plan"), ("export", "Export to USB"))
SETTINGS_ITEMS: tuple[str, ...] = (*SETTING_KEYS, "back")


class Input(StrEnum):
    """Everything that can happen to a screen: the two buttons, and what the box notices."""

    A = "a"
    B = "b"
    B_LONG = "b_long"
    PLACED = "dowel placed"
    STARTED = "set started"
    ENDED = "set ended"
    REMOVED = "dowel removed"
    FAULT = "sensor fault"
    STICK = "stick arrived"
    EXPORTED = "export finished"
    IDLE = "menu idle"


Result = tuple[MenuState, list[Command]]


@dataclass(frozen=True)
class Rule:
    """One cell of the table: what it says (for people) and what it does."""

    says: str
    act: Callable[[MenuState, ViewModel], Result]


# -- the moves the rules are made of ---------------------------------------------------------
def _stay(menu: MenuState, vm: ViewModel) -> Result:
    return menu, []


def _follow(menu: MenuState, vm: ViewModel) -> Result:
    """Show what the appliance is doing (closes a menu screen)."""
    return replace(menu, screen=None, cursor=0, text="", renaming=""), []


def _open_menu(menu: MenuState, vm: ViewModel) -> Result:
    return replace(menu, screen=Screen.MENU, cursor=0), []


def _power_off(menu: MenuState, vm: ViewModel) -> Result:
    return menu, [PowerOff()]


def _go(screen: Screen) -> Callable[[MenuState, ViewModel], Result]:
    return lambda menu, vm: (replace(menu, screen=screen, cursor=0), [])


def _next_row(count: Callable[[ViewModel], int]) -> Callable[[MenuState, ViewModel], Result]:
    return lambda menu, vm: (replace(menu, cursor=(menu.cursor + 1) % max(1, count(vm))), [])


def _back_to_menu(item: str) -> Callable[[MenuState, ViewModel], Result]:
    at = [k for k, _ in MENU_ITEMS].index(item)
    return lambda menu, vm: (replace(menu, screen=Screen.MENU, cursor=at, text="", renaming=""), [])


# -- the screens that follow the appliance -------------------------------------------------------
def _place_a(menu: MenuState, vm: ViewModel) -> Result:
    return (menu, [StartSet()]) if vm.paused else (menu, [])


def _summary_a(menu: MenuState, vm: ViewModel) -> Result:
    s = vm.summary
    seen = (s.athlete, s.set_no) if s is not None else menu.summary_dismissed
    return replace(menu, summary_dismissed=seen), [StartSet()]


def _fault_a(menu: MenuState, vm: ViewModel) -> Result:
    keys = frozenset(f.key for f in vm.faults)
    return replace(menu, dismissed_faults=menu.dismissed_faults | keys), []


def _end_set(menu: MenuState, vm: ViewModel) -> Result:
    return menu, [EndSet()]


# -- the menu and its screens ---------------------------------------------------------------------
def _menu_a(menu: MenuState, vm: ViewModel) -> Result:
    item = MENU_ITEMS[menu.cursor % len(MENU_ITEMS)][0]
    if item == "resume":
        return _follow(menu, vm)
    if item == "athletes":
        at = vm.athletes.index(vm.athlete) if vm.athlete in vm.athletes else 0
        return replace(menu, screen=Screen.ATHLETES, cursor=at), []
    opens: dict[str, list[Command]] = {"history": [LoadHistory()], "export": [StartExport()],
                                       "progress": [LoadProgress()]}
    commands = opens.get(item, [])
    return replace(menu, screen=Screen(item), cursor=0), commands


def history_rows(vm: ViewModel) -> int:
    """History's rows: Back, then a page of the athlete's sets, newest first, then "Older sets"
    when the store holds more (the page is read off the main loop: device/app/history.py)."""
    return 1 + len(vm.history) + (1 if vm.history_more and vm.history else 0)


def _history_a(menu: MenuState, vm: ViewModel) -> Result:
    row = menu.cursor % history_rows(vm)
    if row == 0:
        return _back_to_menu("history")(menu, vm)
    if row > len(vm.history):
        return replace(menu, cursor=1), [MoreHistory(int(vm.history[-1]["set_id"]))]
    return replace(menu, screen=Screen.PAST_SET), [OpenSet(int(vm.history[row - 1]["set_id"]))]


def _past_b(menu: MenuState, vm: ViewModel) -> Result:
    """The next older set, or back to the newest after the oldest."""
    row = menu.cursor % history_rows(vm) % max(1, len(vm.history)) + 1
    return replace(menu, cursor=row), [OpenSet(int(vm.history[row - 1]["set_id"]))] if vm.history else []


def athlete_rows(vm: ViewModel) -> list[tuple[str, str]]:
    """The Athlete screen's rows as (kind, label): each athlete, add, rename (not the guest), back.

    The guest is always first in the list (the store orders it so) and keeps its name.
    """
    rows = [("pick", name) for name in vm.athletes]
    rows.append(("add", "Add athlete"))
    if vm.athlete and vm.athletes and vm.athlete != vm.athletes[0]:
        rows.append(("rename", f"Rename {vm.athlete}"))
    rows.append(("back", "Back"))
    return rows


def _athletes_a(menu: MenuState, vm: ViewModel) -> Result:
    rows = athlete_rows(vm)
    kind, label = rows[menu.cursor % len(rows)]
    if kind == "pick":
        new, _ = _follow(menu, vm)
        return new, [PickAthlete(label)]
    if kind == "add":
        return replace(menu, screen=Screen.NAME, cursor=0, text="", renaming=""), []
    if kind == "rename":
        return replace(menu, screen=Screen.NAME, cursor=0, text=vm.athlete, renaming=vm.athlete), []
    return _back_to_menu("athletes")(menu, vm)


def _name_a(menu: MenuState, vm: ViewModel) -> Result:
    text, done = take(menu.text, wheel_item(menu.text, menu.cursor))
    if done == "cancel":
        return replace(menu, screen=Screen.ATHLETES, cursor=0, text="", renaming=""), []
    if done == "save":
        name = " ".join(text.split())
        command: Command = RenameAthlete(menu.renaming, name) if menu.renaming else AddAthlete(name)
        return _follow(menu, vm)[0], [command]
    return replace(menu, text=text), []


def plan_rows(vm: ViewModel) -> list[tuple[str, str]]:
    """The Plan screen's rows as (kind, value): each stage, the depth target, back.

    The guest has no plan (anyone may be the guest): Back only."""
    if not vm.plan.stage:
        return [("back", "")]
    return [*(("stage", str(s)) for s in STAGES), ("target", f"{vm.plan.target_deg:.0f}"), ("back", "")]


def _plan_a(menu: MenuState, vm: ViewModel) -> Result:
    kind, value = plan_rows(vm)[menu.cursor % len(plan_rows(vm))]
    if kind == "stage":
        return menu, [SetStage(value)]
    if kind == "target":
        return menu, [NextTarget()]
    return _back_to_menu("plan")(menu, vm)


def _settings_a(menu: MenuState, vm: ViewModel) -> Result:
    item = SETTINGS_ITEMS[menu.cursor % len(SETTINGS_ITEMS)]
    if item == "back":
        return _back_to_menu("settings")(menu, vm)
    return menu, [ChangeSetting(item)]


# -- the table ------------------------------------------------------------------------------------
A_B = tuple[Rule, Rule]
_PRESSES: dict[Screen, A_B] = {
    Screen.PLACE: (Rule("next set, if one was ended with A and the dowel is still on; else nothing",
                        _place_a), Rule("menu", _open_menu)),
    Screen.CALIBRATING: (Rule("nothing: the set starts by itself", _stay), Rule("menu", _open_menu)),
    Screen.LIVE: (Rule("end the set", _end_set), Rule("menu (the set goes on)", _open_menu)),
    Screen.SUMMARY: (Rule("next set", _summary_a), Rule("menu", _open_menu)),
    Screen.FAULT: (Rule("carry on without that sensor", _fault_a), Rule("menu", _open_menu)),
    Screen.MENU: (Rule("open the highlighted item", _menu_a),
                  Rule("next item", _next_row(lambda vm: len(MENU_ITEMS)))),
    Screen.HISTORY: (Rule("open the highlighted set (Back: the menu; Older sets: the next page)", _history_a),
                     Rule("next row", _next_row(history_rows))),
    Screen.PAST_SET: (Rule("back to History", lambda menu, vm: (replace(menu, screen=Screen.HISTORY), [])),
                      Rule("next older set", _past_b)),
    Screen.ATHLETES: (Rule("choose the highlighted athlete, or add / rename / go back", _athletes_a),
                      Rule("next row", _next_row(lambda vm: len(athlete_rows(vm))))),
    Screen.NAME: (Rule("type the letter shown (or Delete / Save / Cancel)", _name_a),
                  Rule("next letter", _next_row(lambda vm: 10_000))),
    Screen.SETTINGS: (Rule("change the highlighted setting (Back: the menu)", _settings_a),
                      Rule("next row", _next_row(lambda vm: len(SETTINGS_ITEMS)))),
    Screen.EXPORT: (Rule("leave (the export goes on)", _follow), Rule("nothing", _stay)),
    Screen.PROGRESS: (Rule("back to the menu", _back_to_menu("progress")),
                      Rule("next page: the chart, tempo and contacts, the plan's history",
                           _next_row(lambda vm: 3))),
    Screen.PLAN: (Rule("set the highlighted stage, or the next depth target (Back: the menu)", _plan_a),
                  Rule("next row", _next_row(lambda vm: len(plan_rows(vm))))),
}

# An automatic screen is derived from the appliance (builder.py `_screen`): these say which.
_FOLLOW = {Input.PLACED: "calibrating", Input.STARTED: "live",
           Input.ENDED: "summary (place if the set was empty)",
           Input.REMOVED: "summary (place if the set was empty)", Input.FAULT: "fault"}
_KEEP = Rule("stays (set-running mark)", _stay)
_EVENTS = tuple(_FOLLOW)
INPUT_WORDS = {Input.A: "A", Input.B: "B", Input.B_LONG: "B held 3 s"}


def _rules(screen: Screen, a: Rule, b: Rule) -> dict[Input, Rule]:
    auto = screen in AUTO_SCREENS
    rules = {Input.A: a, Input.B: b, Input.B_LONG: Rule("power off (after the export, if one is writing)",
                                                         _power_off)}
    rules.update({i: Rule(_FOLLOW[i], _stay) if auto else _KEEP for i in _EVENTS})
    idle_screen = screen in (Screen.PLACE, Screen.SUMMARY)
    rules[Input.STICK] = (Rule("export screen: the new sets go to the stick", _go(Screen.EXPORT)) if idle_screen
                          else Rule("stays; the export runs (USB mark)", _stay))
    rules[Input.EXPORTED] = (Rule("says done, safe to remove", _stay) if screen == Screen.EXPORT
                             else Rule("stays (USB mark says done)", _stay))
    rules[Input.IDLE] = (Rule("-", _stay) if auto else
                         Rule(f"after {MENU_IDLE_S:.0f} s without a press: follows the set", _follow))
    return rules


TABLE: dict[Screen, dict[Input, Rule]] = {s: _rules(s, a, b) for s, (a, b) in _PRESSES.items()}


def step(menu: MenuState, inp: Input | str, vm: ViewModel) -> Result:
    """One input on the screen `vm` shows: the new MenuState and the commands for the app.

    A word that is no Input changes nothing; a screen the table does not
    know follows the appliance (the failsafe).
    """
    try:
        inp = Input(inp)
    except ValueError:
        return menu, []
    rules = TABLE.get(Screen(vm.screen)) if vm.screen in Screen.__members__.values() else None
    if rules is None:
        return _follow(menu, vm)
    return rules[inp].act(menu, vm)


def table_markdown(inputs: tuple[Input, ...] = tuple(Input)) -> str:
    """The table as Markdown, one row per screen (the README's keys and screens section)."""
    head = "| screen | " + " | ".join(INPUT_WORDS.get(i, str(i)) for i in inputs) + " |"
    rows = [head, "|" + "---|" * (len(inputs) + 1)]
    for screen, rules in TABLE.items():
        rows.append(f"| {screen} | " + " | ".join(rules[i].says for i in inputs) + " |")
    return "\n".join(rows) + "\n"
