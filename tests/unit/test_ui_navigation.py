"""Buttons A/B through every screen, the simulator's keys, and the display's frame pacing."""
from __future__ import annotations

import os
import threading
from dataclasses import replace

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from conftest import ev  # noqa: E402
from device.app.simkeys import SimKeys  # noqa: E402
from device.core.settings import LiveSettings as Settings  # noqa: E402
from device.view.builder import ViewModelBuilder  # noqa: E402
from device.view.model import MenuState, ViewModel  # noqa: E402
from device.view.navigation import (MENU_ITEMS, SETTINGS_ITEMS, ChangeSetting, LoadHistory,  # noqa: E402
                                    PickAthlete, StartExport, ToggleSet, press, step)
from ui.display import Display, choose_driver  # noqa: E402
from ui.keys import KEY_WORDS, word_for  # noqa: E402

TOGGLE = [ToggleSet()]


def vm_on(screen: str, **kw) -> ViewModel:
    return ViewModel(screen=screen, **kw)


# -- navigation ------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", ["place", "live"])
def test_a_starts_or_ends_the_set_and_b_opens_the_menu(screen):
    assert step(MenuState(), "a", vm_on(screen)) == (MenuState(), TOGGLE)
    menu, cmds = step(MenuState(), "b", vm_on(screen))
    assert (menu.screen, menu.cursor, cmds) == ("menu", 0, [])


def test_a_while_calibrating_does_nothing():
    assert step(MenuState(), "a", vm_on("calibrating")) == (MenuState(), [])


def test_summary_a_dismisses_it_and_starts_the_next_set():
    b = ViewModelBuilder()
    for e in ({"t": 1, "type": "ready"}, {"t": 5, "type": "rep_completed", "rep": 1, "faults": []},
              {"t": 9, "type": "set_ended", "reps": 1}):
        b.on_event(ev(e))
    assert b.build().screen == "summary"
    assert press(b, "a") == TOGGLE
    assert b.build().screen == "place" and b.menu.summary_dismissed == 1


def test_fault_a_dismisses_that_fault_only():
    b = ViewModelBuilder()
    b.on_event(ev({"t": 1, "type": "sensor_fault", "contact": "head", "reason": "stuck"}))
    assert b.build().screen == "fault"
    assert press(b, "a") == []
    assert b.build().screen == "place"
    b.on_event(ev({"t": 2, "type": "sensor_fault", "contact": "sacrum", "reason": "shorted"}))
    assert b.build().screen == "fault"  # a new fault is news


def test_menu_b_cycles_and_a_opens_each_item():
    menu = MenuState(screen="menu")
    seen = []
    for _ in range(len(MENU_ITEMS) + 1):
        seen.append(menu.cursor)
        menu, _ = step(menu, "b", vm_on("menu"))
    assert seen == list(range(len(MENU_ITEMS))) + [0]
    vm = vm_on("menu", athletes=("Alex", "Sam"), athlete="Sam")
    opened = {}
    for i, (key, _) in enumerate(MENU_ITEMS):
        new, cmds = step(MenuState(screen="menu", cursor=i), "a", vm)
        opened[key] = (new.screen, new.cursor, cmds)
    assert opened == {"resume": (None, 0, []), "history": ("history", 0, [LoadHistory()]),
                      "athletes": ("athletes", 1, []), "settings": ("settings", 0, []),
                      "export": ("export", 0, [StartExport()])}


def test_settings_cycle_their_values_and_back_returns_to_the_menu():
    vm = vm_on("settings", settings=Settings(schedule="retention", mute=False, volume=1.0,
                                             sensitivity="high"))
    got = {}
    for i, key in enumerate(SETTINGS_ITEMS[:-1]):
        menu, cmds = step(MenuState(screen="settings", cursor=i), "a", vm)
        assert menu.screen == "settings"
        got[cmds[0].key] = cmds[0].value
    assert got == {"schedule": "every", "mute": True, "volume": 0.25, "sensitivity": "low"}
    menu, cmds = step(MenuState(screen="settings", cursor=len(SETTINGS_ITEMS) - 1), "a", vm)
    assert (menu.screen, cmds) == ("menu", []) and MENU_ITEMS[menu.cursor][0] == "settings"


def test_athlete_picker_chooses_and_closes_the_menu():
    vm = vm_on("athletes", athletes=("Alex", "Sam", "Jo"), athlete="Alex")
    menu, _ = step(MenuState(screen="athletes", cursor=0), "b", vm)
    menu, _ = step(menu, "b", vm)
    menu, cmds = step(menu, "a", vm)
    assert cmds == [PickAthlete("Jo")] and menu.screen is None
    empty = vm_on("athletes")
    assert step(MenuState(screen="athletes"), "b", empty)[0].screen == "athletes"
    assert step(MenuState(screen="athletes"), "a", empty)[0].screen == "menu"


def test_history_scrolls_with_b_and_a_goes_back():
    vm = vm_on("history", history=({"reps": 1}, {"reps": 2}))
    menu, _ = step(MenuState(screen="history"), "b", vm)
    assert menu.cursor == 1
    assert step(menu, "b", vm)[0].cursor == 0
    assert step(menu, "a", vm)[0].screen == "menu"


def test_export_a_leaves_and_b_stays():
    assert step(MenuState(screen="export"), "a", vm_on("export"))[0].screen is None
    assert step(MenuState(screen="export"), "b", vm_on("export"))[0].screen == "export"


def test_other_words_change_nothing():
    for word in ("b_long", "quit", "lift_head", ""):
        assert step(MenuState(screen="menu", cursor=2), word, vm_on("menu")) == \
            (MenuState(screen="menu", cursor=2), [])


def test_a_full_walk_with_the_builder():
    """B into the menu, down to Settings, mute, back out: the screens the person sees."""
    b = ViewModelBuilder()
    b.on_event(ev({"t": 1, "type": "ready"}))
    screens, commands = [], []
    for word in ["b", "b", "b", "b", "a", "b", "a", "b", "b", "b", "a", "b", "b", "a"]:
        commands += press(b, word)
        screens.append(b.build().screen)
        for cmd in commands:
            if isinstance(cmd, ChangeSetting) and cmd.key == "mute":
                b.set_settings(replace(b.build().settings, mute=cmd.value))
        commands = []
    assert screens == ["menu", "menu", "menu", "menu", "settings", "settings", "settings",
                       "settings", "settings", "settings", "menu", "menu", "menu", "live"]
    assert b.build().settings.mute is True


# -- keys -----------------------------------------------------------------------------------

def test_key_words():
    def key(k):
        return word_for(pygame.event.Event(pygame.KEYDOWN, key=k))
    assert [key(k) for k in (pygame.K_SPACE, pygame.K_b, pygame.K_1, pygame.K_2, pygame.K_3,
                             pygame.K_UP, pygame.K_DOWN, pygame.K_ESCAPE, pygame.K_q)] == \
        ["a", "b", "lift_head", "lift_upper_back", "lift_sacrum", "tilt_back", "tilt_forward",
         "quit", "quit"]
    assert key(pygame.K_x) is None
    assert word_for(pygame.event.Event(pygame.KEYUP, key=pygame.K_SPACE)) is None
    assert word_for(pygame.event.Event(pygame.QUIT)) == "quit"
    assert set(KEY_WORDS.values()) >= {"a", "b", "quit"}


def test_keys_play_the_athlete_on_the_simulated_dowel():
    from drivers.sim import PRESETS, SimulatedDowel
    dowel = SimulatedDowel(PRESETS["manual"])
    keys = SimKeys(dowel)
    pressed = dowel.read(5.0)
    assert keys.apply("lift_upper_back")
    lifted = dowel.read(5.4)
    assert lifted[1] < 0.05 * pressed[1] and lifted[0] > 0.5 * pressed[0]
    keys.apply("lift_upper_back")
    assert dowel.read(5.8)[1] > 0.5 * pressed[1]
    for _ in range(10):
        keys.apply("tilt_forward")
    assert dowel.read(7.0)[3] - pressed[3] > 45
    for _ in range(30):
        keys.apply("tilt_back")
    assert keys.tilt_deg == 0.0 and abs(dowel.read(9.0)[3] - pressed[3]) < 3
    assert not keys.apply("a")


# -- display --------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_show_draws_only_changes_and_at_most_30_frames_a_second():
    clock = Clock()
    d = Display(size=(320, 240), headless=True, clock=clock)
    a, b = ViewModel(reps=1), ViewModel(reps=2)
    assert d.show(a) and not d.show(a) and not d.show(ViewModel(reps=1))
    clock.t += 0.01
    assert not d.show(b)  # changed, but a frame is not due yet
    clock.t += 0.03
    assert d.show(b) and d.frames == 2
    assert d.surface.get_size() == (320, 240)


def test_show_refuses_other_threads():
    d = Display(size=(320, 240), headless=True)
    errors = []
    t = threading.Thread(target=lambda: errors.append(_try(d.show, ViewModel())))
    t.start()
    t.join()
    assert isinstance(errors[0], RuntimeError)


def _try(f, *args):
    try:
        f(*args)
    except Exception as exc:  # noqa: BLE001 - the test wants whatever it raised
        return exc
    return None


def test_window_under_the_dummy_driver_pumps_keys_and_draws():
    d = Display(size=(480, 320))
    try:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_3))
        assert d.pump() == ["a", "lift_sacrum"]
        assert d.show(ViewModel(screen="live", reps=4))
        assert pygame.display.get_surface().get_at((5, 300))[:3] != (0, 0, 0)
    finally:
        d.close()


def test_driver_choice():
    env = {}
    assert choose_driver(env, lambda: True) and env["SDL_VIDEODRIVER"] == "kmsdrm"
    assert not choose_driver({"WAYLAND_DISPLAY": "wayland-0"}, lambda: True)
    assert not choose_driver({}, lambda: False)
    env = {"SDL_VIDEODRIVER": "x11"}
    assert not choose_driver(env, lambda: True) and env["SDL_VIDEODRIVER"] == "x11"
