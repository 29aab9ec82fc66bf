"""Two buttons drive every screen: A (start/end set; take the highlighted item), B (menu; next item).

Why a pure function: which screen shows, and what a press means there, is
the part of the UI people get lost in, so it is one small table-like
function that tests can walk through press by press. It returns the new
MenuState and the commands for the app (start/end the set, change a
setting, pick an athlete, export); it never touches the detector or the
buzzer itself, which live on other threads.

    >>> from device.view.model import ViewModel
    >>> menu, cmds = step(MenuState(), "b", ViewModel(screen="live"))
    >>> menu.screen, cmds
    (<Screen.MENU: 'menu'>, [])
    >>> step(MenuState(), "a", ViewModel(screen="live"))[1]
    [ToggleSet()]
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

from device.core.cues import SCHEDULES
from device.core.settings import SENSITIVITIES, VOLUMES, next_in
from device.view.model import MenuState, Screen, ViewModel

MENU_ITEMS: tuple[tuple[str, str], ...] = (
    ("resume", "Back"), ("history", "History"), ("athletes", "Athlete"),
    ("settings", "Settings"), ("export", "Export to USB"))
SETTINGS_ITEMS: tuple[str, ...] = ("schedule", "mute", "volume", "sensitivity", "back")


# -- what a press asks the app to do ------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    """Something a press asks of the app; `to_dict()` is the `command` log line's fields."""

    DO = "command"

    def to_dict(self) -> dict[str, Any]:
        return {"do": self.DO, **{k: v for k, v in self.__dict__.items()}}


@dataclass(frozen=True)
class ToggleSet(Command):
    """End the set in progress, or start one with the dowel already on."""

    DO = "toggle_set"


@dataclass(frozen=True)
class ChangeSetting(Command):
    DO = "setting"
    key: str
    value: Any


@dataclass(frozen=True)
class PickAthlete(Command):
    DO = "athlete"
    name: str


@dataclass(frozen=True)
class LoadHistory(Command):
    DO = "load_history"


@dataclass(frozen=True)
class StartExport(Command):
    DO = "export"


Result = tuple[MenuState, list[Command]]
Handler = Callable[[MenuState, str, ViewModel], Result]


def step(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """One button press ("a" or "b") on the screen `vm` shows; other words change nothing."""
    if word not in ("a", "b"):
        return menu, []
    handler = _HANDLERS.get(vm.screen, _auto)
    return handler(menu, word, vm)


class MenuHolder(Protocol):
    """Where the menu state lives between presses (the view model builder)."""

    @property
    def menu(self) -> MenuState: ...

    def set_menu(self, menu: MenuState) -> None: ...

    def build(self) -> ViewModel: ...


def press(holder: MenuHolder, word: str) -> list[Command]:
    """Apply a press to the holder's menu state; the commands are for the app to carry out."""
    menu, commands = step(holder.menu, word, holder.build())
    holder.set_menu(menu)
    return commands


def _open_menu(menu: MenuState) -> MenuState:
    return replace(menu, screen=Screen.MENU, cursor=0)


def _auto(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """Screens that follow the appliance: A acts on the set, B opens the menu."""
    if word == "b":
        return _open_menu(menu), []
    if vm.screen == Screen.SUMMARY and vm.summary is not None:
        return replace(menu, summary_dismissed=vm.summary.set_no), [ToggleSet()]
    if vm.screen == Screen.FAULT:
        keys = frozenset(f.key for f in vm.faults)
        return replace(menu, dismissed_faults=menu.dismissed_faults | keys), []
    if vm.screen == Screen.CALIBRATING:
        return menu, []  # the set is about to start by itself
    return menu, [ToggleSet()]


def _menu(menu: MenuState, word: str, vm: ViewModel) -> Result:
    if word == "b":
        return replace(menu, cursor=(menu.cursor + 1) % len(MENU_ITEMS)), []
    item = MENU_ITEMS[menu.cursor % len(MENU_ITEMS)][0]
    if item == "resume":
        return replace(menu, screen=None, cursor=0), []
    if item == "athletes":
        at = vm.athletes.index(vm.athlete) if vm.athlete in vm.athletes else 0
        return replace(menu, screen=Screen.ATHLETES, cursor=at), []
    opens: dict[str, list[Command]] = {"history": [LoadHistory()], "export": [StartExport()]}
    commands = opens.get(item, [])
    return replace(menu, screen=Screen(item), cursor=0), commands


def _back_to_menu(menu: MenuState, item: str) -> MenuState:
    at = [k for k, _ in MENU_ITEMS].index(item)
    return replace(menu, screen=Screen.MENU, cursor=at)


def _history(menu: MenuState, word: str, vm: ViewModel) -> Result:
    if word == "b":
        return replace(menu, cursor=(menu.cursor + 1) % max(1, len(vm.history))), []
    return _back_to_menu(menu, "history"), []


def _athletes(menu: MenuState, word: str, vm: ViewModel) -> Result:
    if not vm.athletes:
        return (_back_to_menu(menu, "athletes"), []) if word == "a" else (menu, [])
    if word == "b":
        return replace(menu, cursor=(menu.cursor + 1) % len(vm.athletes)), []
    name = vm.athletes[menu.cursor % len(vm.athletes)]
    return replace(menu, screen=None, cursor=0), [PickAthlete(name)]


def _settings(menu: MenuState, word: str, vm: ViewModel) -> Result:
    if word == "b":
        return replace(menu, cursor=(menu.cursor + 1) % len(SETTINGS_ITEMS)), []
    item = SETTINGS_ITEMS[menu.cursor % len(SETTINGS_ITEMS)]
    if item == "back":
        return _back_to_menu(menu, "settings"), []
    s = vm.settings
    value = {"schedule": lambda: next_in(SCHEDULES, s.schedule), "mute": lambda: not s.mute,
             "volume": lambda: next_in(VOLUMES, s.volume),
             "sensitivity": lambda: next_in(SENSITIVITIES, s.sensitivity)}[item]()
    return menu, [ChangeSetting(item, value)]


def _export(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """A leaves (the export goes on in the background); B does nothing here."""
    if word == "a":
        return replace(menu, screen=None, cursor=0), []
    return menu, []


_HANDLERS: dict[str, Handler] = {Screen.MENU: _menu, Screen.HISTORY: _history,
                                 Screen.ATHLETES: _athletes, Screen.SETTINGS: _settings,
                                 Screen.EXPORT: _export}
