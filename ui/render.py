"""One entry point for drawing a frame: the view model's screen picks its layout and parts.

Each screen is a `ScreenSpec` (ui/scene.py): a layout that draws what stays
and returns the parts that follow the model. `render(vm, surface)` draws the
whole screen from the view model alone and returns the painter, whose record
of text and marker positions the tests check; the display draws the same
screens part by part through a `Scene`.

While sets are not being saved, every screen is drawn below the storage
banner (ui/banner.py): the banner is part of the layout's background, and
the screen's layout and parts draw on the area under it, as if it were the
whole screen (type keeps its size: ui/draw.py sizes it on the whole screen).
"""
from __future__ import annotations

from functools import partial

import pygame

from device.view.model import ViewModel
from ui import live, menus, place, progress, status, summary
from ui.banner import banner_height, draw_banner
from ui.draw import Painter
from ui.scene import Draw, Part, Scene, ScreenSpec, render_full


def below_banner(spec: ScreenSpec, lines: int = 2) -> ScreenSpec:
    """`spec` under the storage banner while sets are not being saved (`lines`: the banner's);
    as it is otherwise. The banner is static: a new one lays the screen out again."""
    def layout(p: Painter, vm: ViewModel) -> list[Part]:
        if vm.storage is None:
            return list(spec.layout(p, vm))
        top = banner_height(p.surface, lines)
        _take(p, draw_banner(vm.storage, p.surface, top))
        area = pygame.Rect(0, top, p.w, p.h - top)
        below = Painter(p.surface.subsurface(area))
        parts = spec.layout(below, vm)
        _take(p, below.moved(top))
        return [part._replace(rect=part.rect.move(0, top), draw=partial(_below, draw=part.draw, area=area))
                for part in parts]

    def static(vm: ViewModel) -> object:
        inner = spec.static(vm) if spec.static is not None else None
        return inner if vm.storage is None else ("banner", vm.storage, inner)
    return ScreenSpec(layout, static)


def _below(p: Painter, vm: ViewModel, draw: Draw, area: pygame.Rect) -> None:
    """A part's drawing on the area below the banner; what it drew recorded where it went."""
    below = Painter(p.surface.subsurface(area))
    draw(below, vm)
    _take(p, below.moved(area.top))


def _take(p: Painter, drawn: Painter) -> None:
    p.texts.extend(drawn.texts)
    p.markers.update(drawn.markers)
    p.boxes.update(drawn.boxes)


SPECS: dict[str, ScreenSpec] = {name: below_banner(spec, lines=1 if name == "live" else 2) for name, spec in {
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
}.items()}
IDLE = "place"  # what an unknown screen draws


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw `vm`'s screen on `surface`, all of it (an unknown screen draws the idle one)."""
    return render_full(SPECS.get(vm.screen) or SPECS[IDLE], vm, surface)


def scene(surface: pygame.Surface) -> Scene:
    """A scene of every screen on `surface`: draws what changed from one model to the next."""
    return Scene(surface, SPECS, fallback=IDLE)
