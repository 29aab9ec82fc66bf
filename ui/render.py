"""One entry point for drawing a frame: the view model's screen picks the render function.

Each screen is a pure `render(vm, surface) -> Painter`: it fills the whole
surface from the view model alone and returns the painter, whose record of
text and marker positions the tests check.
"""
from __future__ import annotations

from typing import Callable

import pygame

from device.view.model import ViewModel
from ui import live, menus, place, progress, status, summary
from ui.banner import banner_height, draw_banner
from ui.draw import Painter

Renderer = Callable[[ViewModel, pygame.Surface], Painter]

RENDERERS: dict[str, Renderer] = {
    "place": place.render,
    "calibrating": place.render_calibrating,
    "live": live.render,
    "summary": summary.render,
    "fault": status.render_fault,
    "menu": menus.render_menu,
    "history": menus.render_history,
    "past_set": summary.render_past,
    "athletes": menus.render_athletes,
    "name": menus.render_name,
    "settings": menus.render_settings,
    "export": status.render_export,
    "progress": progress.render,
    "plan": menus.render_plan,
}


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw `vm`'s screen on `surface` (an unknown screen draws the idle one), below the storage
    banner while sets are not being saved."""
    screen = RENDERERS.get(vm.screen, place.render)
    if vm.storage is None:
        return screen(vm, surface)
    top = banner_height(surface, lines=1 if vm.screen == "live" else 2)
    banner = draw_banner(vm.storage, surface, top)
    w, h = surface.get_size()
    p = screen(vm, surface.subsurface(pygame.Rect(0, top, w, h - top))).moved(top)
    p.texts[:0] = banner.texts
    p.boxes.update(banner.boxes)
    return p
