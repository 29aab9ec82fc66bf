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
    ('menu', [])
    >>> step(MenuState(), "a", ViewModel(screen="live"))[1]
    [{'do': 'toggle_set'}]

Commands (plain dicts): `{"do": "toggle_set"}`, `{"do": "setting", "key":
"schedule"|"mute"|"volume"|"sensitivity", "value": ...}`, `{"do": "athlete",
"name": ...}`, `{"do": "export"}`, `{"do": "load_history"}`.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from device.view.model import (SCHEDULES, SENSITIVITIES, VOLUMES, MenuState, ViewModel,
                              ViewModelBuilder, next_in)
from ui.menus import MENU_ITEMS, SETTINGS_ITEMS

Command = dict[str, Any]
Result = tuple[MenuState, list[Command]]


def step(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """One button press ("a" or "b") on the screen `vm` shows; other words change nothing."""
    if word not in ("a", "b"):
        return menu, []
    handler = _HANDLERS.get(vm.screen, _auto)
    return handler(menu, word, vm)


def press(builder: ViewModelBuilder, word: str) -> list[Command]:
    """Apply a press to the builder's menu state; the commands are for the app to carry out."""
    menu, commands = step(builder.menu, word, builder.build())
    builder.set_menu(menu)
    return commands


def _open_menu(menu: MenuState) -> MenuState:
    return replace(menu, screen="menu", cursor=0)


def _auto(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """Screens that follow the appliance: A acts on the set, B opens the menu."""
    if word == "b":
        return _open_menu(menu), []
    if vm.screen == "summary" and vm.summary is not None:
        return replace(menu, summary_dismissed=vm.summary.set_no), [{"do": "toggle_set"}]
    if vm.screen == "fault":
        keys = frozenset(f.key for f in vm.faults)
        return replace(menu, dismissed_faults=menu.dismissed_faults | keys), []
    if vm.screen == "calibrating":
        return menu, []  # the set is about to start by itself
    return menu, [{"do": "toggle_set"}]


def _menu(menu: MenuState, word: str, vm: ViewModel) -> Result:
    if word == "b":
        return replace(menu, cursor=(menu.cursor + 1) % len(MENU_ITEMS)), []
    item = MENU_ITEMS[menu.cursor % len(MENU_ITEMS)][0]
    if item == "resume":
        return replace(menu, screen=None, cursor=0), []
    if item == "athletes":
        at = vm.athletes.index(vm.athlete) if vm.athlete in vm.athletes else 0
        return replace(menu, screen="athletes", cursor=at), []
    commands = {"history": [{"do": "load_history"}], "export": [{"do": "export"}]}.get(item, [])
    return replace(menu, screen=item, cursor=0), commands


def _back_to_menu(menu: MenuState, item: str) -> MenuState:
    at = [k for k, _ in MENU_ITEMS].index(item)
    return replace(menu, screen="menu", cursor=at)


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
    return replace(menu, screen=None, cursor=0), [{"do": "athlete", "name": name}]


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
    return menu, [{"do": "setting", "key": item, "value": value}]


def _export(menu: MenuState, word: str, vm: ViewModel) -> Result:
    """A leaves (the export goes on in the background); B does nothing here."""
    if word == "a":
        return replace(menu, screen=None, cursor=0), []
    return menu, []


_HANDLERS = {"menu": _menu, "history": _history, "athletes": _athletes,
             "settings": _settings, "export": _export}
