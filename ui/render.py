"""One entry point for drawing a frame: the view model's screen picks its layout and parts.

Each screen is a `ScreenSpec` (ui/scene.py): a layout that draws what stays
and returns the parts that follow the model. `render(vm, surface)` draws the
whole screen from the view model alone and returns the painter, whose record
of text and marker positions the tests check; the display draws the same
screens part by part through a `Scene`.
"""
from __future__ import annotations

import pygame

from device.view.model import ViewModel
from ui import live, menus, place, progress, status, summary
from ui.draw import Painter
from ui.scene import Scene, ScreenSpec, render_full

SPECS: dict[str, ScreenSpec] = {
    "place": place.SPEC,
    "calibrating": place.CALIBRATING,
    "live": live.SPEC,
    "summary": summary.SPEC,
    "fault": status.FAULT,
    "menu": menus.MENU,
    "history": menus.HISTORY,
    "past_set": summary.PAST,
    "athletes": menus.ATHLETES,
    "name": menus.NAME,
    "settings": menus.SETTINGS,
    "export": status.EXPORT,
    "progress": progress.SPEC,
    "plan": menus.PLAN,
}
IDLE = "place"  # what an unknown screen draws


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw `vm`'s screen on `surface`, all of it (an unknown screen draws the idle one)."""
    return render_full(SPECS.get(vm.screen) or SPECS[IDLE], vm, surface)


def scene(surface: pygame.Surface) -> Scene:
    """A scene of every screen on `surface`: draws what changed from one model to the next."""
    return Scene(surface, SPECS, fallback=IDLE)
