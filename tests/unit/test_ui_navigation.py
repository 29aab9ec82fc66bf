"""Buttons A/B through every screen, the simulator's keys, and the display's frame pacing."""
from __future__ import annotations

import os
import threading
from dataclasses import replace

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from support.signals import ev  # noqa: E402
from device.app.simkeys import SimKeys  # noqa: E402
from device.view.builder import ViewModelBuilder  # noqa: E402
from device.view.commands import (AddAthlete, ChangeSetting, EndSet, LoadHistory, LoadProgress, OpenSet,  # noqa: E402
                                  PickAthlete, PowerOff, RenameAthlete, StartExport, StartSet)
from device.view.model import MenuState, Screen, ViewModel  # noqa: E402
from device.view.navigation import (MENU_ITEMS, SETTINGS_ITEMS, TABLE, Input, athlete_rows,  # noqa: E402
                                    step)
from device.view.naming import WHEEL  # noqa: E402
from ui.display import Display, choose_driver  # noqa: E402
from ui.keys import KEY_WORDS, word_for  # noqa: E402
from ui.render import RENDERERS  # noqa: E402


def vm_on(screen: str, **kw) -> ViewModel:
    return ViewModel(screen=screen, **kw)


# -- the table -------------------------------------------------------------------------------

def test_the_table_says_what_every_input_does_on_every_screen():
    assert set(TABLE) == set(Screen) == set(RENDERERS)
    for screen, rules in TABLE.items():
        assert set(rules) == set(Input), screen
        assert all(rule.says for rule in rules.values()), screen


def test_long_b_powers_off_everywhere_and_other_words_change_nothing():
    for screen in Screen:
        assert step(MenuState(), Input.B_LONG, vm_on(screen))[1] == [PowerOff()]
    for word in ("quit", "lift_head", ""):
        assert step(MenuState(screen="menu", cursor=2), word, vm_on("menu")) == \
            (MenuState(screen="menu", cursor=2), [])


def test_a_ends_a_live_set_starts_only_a_paused_one_and_b_opens_the_menu():
    assert step(MenuState(), "a", vm_on("live")) == (MenuState(), [EndSet()])
    assert step(MenuState(), "a", vm_on("place")) == (MenuState(), [])  # nothing to start
    assert step(MenuState(), "a", vm_on("place", paused=True)) == (MenuState(), [StartSet()])
    assert step(MenuState(), "a", vm_on("calibrating")) == (MenuState(), [])
    for screen in ("place", "calibrating", "live", "summary", "fault"):
        menu, cmds = step(MenuState(), "b", vm_on(screen))
        assert (menu.screen, menu.cursor, cmds) == ("menu", 0, [])


@pytest.mark.parametrize("inp", [Input.PLACED, Input.STARTED, Input.ENDED, Input.REMOVED, Input.FAULT,
                                 Input.STICK, Input.EXPORTED])
def test_what_the_box_notices_never_closes_a_menu(inp):
    for screen in ("menu", "history", "past_set", "athletes", "name", "settings", "export"):
        menu = MenuState(screen=screen, cursor=1, text="Jo")
        assert step(menu, inp, vm_on(screen))[0] == menu, (screen, inp)


def test_a_stick_opens_the_export_only_on_the_resting_screens():
    for screen, opens in (("place", True), ("summary", True), ("live", False), ("calibrating", False)):
        assert (step(MenuState(), Input.STICK, vm_on(screen))[0].screen == "export") is opens


def test_summary_a_dismisses_it_and_starts_the_next_set():
    b = ViewModelBuilder(athlete="Sam")
    for e in ({"t": 1, "type": "ready"}, {"t": 5, "type": "rep_completed", "rep": 1, "faults": []},
              {"t": 9, "type": "set_ended", "reps": 1}):
        b.on_event(ev(e))
    assert b.build().screen == "summary"
    assert b.press("a") == [StartSet()]
    assert b.build().screen == "place" and b.menu.summary_dismissed == ("Sam", 1)


def test_fault_a_dismisses_that_fault_only():
    b = ViewModelBuilder()
    b.on_event(ev({"t": 1, "type": "sensor_fault", "contact": "head", "reason": "stuck"}))
    assert b.build().screen == "fault"
    assert b.press("a") == []
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
                      "progress": ("progress", 0, [LoadProgress()]), "plan": ("plan", 0, []),
                      "export": ("export", 0, [StartExport()])}


def test_settings_rows_ask_for_the_next_value_and_back_returns_to_the_menu():
    got = [step(MenuState(screen="settings", cursor=i), "a", vm_on("settings"))[1]
           for i in range(len(SETTINGS_ITEMS) - 1)]
    assert got == [[ChangeSetting(k)] for k in ("schedule", "mute", "volume", "sensitivity", "dip_note")]
    menu, cmds = step(MenuState(screen="settings", cursor=len(SETTINGS_ITEMS) - 1), "a", vm_on("settings"))
    assert (menu.screen, cmds) == ("menu", []) and MENU_ITEMS[menu.cursor][0] == "settings"


def test_athlete_picker_chooses_adds_and_renames():
    vm = vm_on("athletes", athletes=("Guest", "Alex", "Jo"), athlete="Alex")
    assert [k for k, _ in athlete_rows(vm)] == ["pick", "pick", "pick", "add", "rename", "back"]
    menu, cmds = step(MenuState(screen="athletes", cursor=2), "a", vm)
    assert cmds == [PickAthlete("Jo")] and menu.screen is None
    menu, _ = step(MenuState(screen="athletes", cursor=3), "a", vm)
    assert (menu.screen, menu.text, menu.renaming) == ("name", "", "")
    menu, _ = step(MenuState(screen="athletes", cursor=4), "a", vm)
    assert (menu.screen, menu.text, menu.renaming) == ("name", "Alex", "Alex")
    guest = vm_on("athletes", athletes=("Guest", "Alex"), athlete="Guest")
    assert "rename" not in [k for k, _ in athlete_rows(guest)]  # the guest keeps its name


def _type(menu: MenuState, item: str) -> MenuState:
    """B until the wheel shows `item` (in any case), then A."""
    vm = vm_on("name")
    while WHEEL[menu.cursor % len(WHEEL)].lower() != item.lower():
        menu, _ = step(menu, "b", vm)
    return menu


def test_a_name_is_typed_with_two_buttons_and_saved():
    vm = vm_on("name")
    menu = MenuState(screen="name")
    for letter in "jo":
        menu, _ = step(_type(menu, letter), "a", vm)
    assert menu.text == "Jo"
    menu, _ = step(_type(menu, "Delete"), "a", vm)
    menu, _ = step(_type(menu, "e"), "a", vm)
    menu, cmds = step(_type(menu, "Save"), "a", vm)
    assert cmds == [AddAthlete("Je")] and menu.screen is None
    renaming = MenuState(screen="name", text="Sam", renaming="Sam")
    renaming, _ = step(_type(renaming, "y"), "a", vm)
    assert step(_type(renaming, "Save"), "a", vm)[1] == [RenameAthlete("Sam", "Samy")]
    assert step(_type(MenuState(screen="name", text="Zed"), "Cancel"), "a", vm)[0].screen == "athletes"


def test_history_opens_a_past_set_and_b_walks_to_older_ones():
    vm = vm_on("history", history=({"set_id": 9}, {"set_id": 7}))
    menu, _ = step(MenuState(screen="history"), "b", vm)
    menu, cmds = step(menu, "a", vm)
    assert (menu.screen, cmds) == ("past_set", [OpenSet(9)])
    menu, cmds = step(menu, "b", replace(vm, screen="past_set"))
    assert cmds == [OpenSet(7)]
    assert step(menu, "a", replace(vm, screen="past_set"))[0].screen == "history"
    assert step(MenuState(screen="history"), "a", vm)[0].screen == "menu"  # row 0: Back


def test_export_a_leaves_and_b_stays():
    assert step(MenuState(screen="export"), "a", vm_on("export"))[0].screen is None
    assert step(MenuState(screen="export"), "b", vm_on("export"))[0].screen == "export"


def test_a_full_walk_with_the_builder():
    """B into the menu, down to Settings, mute, back out: the screens the person sees."""
    b = ViewModelBuilder()
    b.on_event(ev({"t": 1, "type": "ready"}))
    screens, commands = [], []
    for word in ["b", "b", "b", "b", "a", "b", "a", "b", "b", "b", "b", "a", "b", "b", "b", "b", "a"]:
        commands += b.press(word, b.build())
        screens.append(b.build().screen)
    assert screens == ["menu", "menu", "menu", "menu", "settings", "settings", "settings",
                       "settings", "settings", "settings", "settings", "menu", "menu", "menu", "menu", "menu",
                       "live"]
    assert commands == [ChangeSetting("mute")]


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


def test_the_plan_screen_sets_a_stage_or_the_next_target_and_the_guest_has_only_back():
    from device.view.commands import NextTarget, SetStage
    from device.view.model import PlanView
    from device.view.navigation import plan_rows
    vm = replace(vm_on("plan"), plan=PlanView(stage="fade", target_deg=45.0))
    assert [k for k, _ in plan_rows(vm)] == ["stage"] * 4 + ["target", "back"]
    assert [step(MenuState(screen="plan", cursor=i), "a", vm)[1] for i in range(5)] == \
        [[SetStage("learn")], [SetStage("fade")], [SetStage("test")], [SetStage("mastered")], [NextTarget()]]
    menu, cmds = step(MenuState(screen="plan", cursor=5), "a", vm)
    assert (menu.screen, cmds) == ("menu", []) and MENU_ITEMS[menu.cursor][0] == "plan"
    guest = vm_on("plan")
    assert plan_rows(guest) == [("back", "")] and step(MenuState(screen="plan"), "a", guest)[0].screen == "menu"


def test_progress_b_turns_the_page_and_a_returns_to_the_menu():
    menu, _ = step(MenuState(screen="progress"), "b", vm_on("progress"))
    assert (menu.screen, menu.cursor) == ("progress", 1)
    assert step(step(menu, "b", vm_on("progress"))[0], "b", vm_on("progress"))[0].cursor == 0
    menu, cmds = step(menu, "a", vm_on("progress"))
    assert (menu.screen, cmds) == ("menu", []) and MENU_ITEMS[menu.cursor][0] == "progress"
