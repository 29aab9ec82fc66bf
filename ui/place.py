"""Before a set: placing the dowel (contacts light up as pressed) and calibrating.

Why: a newcomer does not know where the dowel goes. The figure shows it, and
each contact's marker fills and its bar rises the moment that point presses,
so the athlete can feel for the one still missing. Calibrating asks for the
one thing it needs (stand tall, still) and shows how long is left.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Hashable

import pygame

from device.view.model import CONTACTS, LOST, ViewModel
from ui import theme
from ui.draw import Painter, arc_band, bar, draw_marker, hints, title
from ui.figure import draw_body, draw_floor, draw_markers
from ui.planwords import stage_line
from ui.scene import Part, ScreenSpec

SIM_KEYS = (("d", "dowel"), ("1 2 3", "lift"), ("Up Down", "hinge"))


def layout(p: Painter, vm: ViewModel) -> list[Part]:
    """The idle screen: how to hold the dowel, and each contact's live pressure.

    Background: the title, the key hints, the advice and the standing figure;
    parts: the figure's markers and one row (marker, name, bar) per contact."""
    if vm.paused:
        header = title(p, "Set ended", vm.athlete)
        keys = [("A", "next set"), ("B", "menu")]
        how = "A starts the next set. Or take the dowel off and put it back."
    else:
        header = title(p, "Place the dowel", vm.athlete)
        keys = [("B", "menu")]  # A does nothing here: no hint for it
        how = "Along your spine: head, upper back, sacrum."
    strip = hints(p, keys + (list(SIM_KEYS) if vm.simulator else []))
    body = pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad,
                       strip.top - header.bottom - p.pad)
    fig = pygame.Rect(body.left, body.top, round(body.width * 0.28), body.height)
    draw_floor(p, fig)
    draw_body(p, fig, 0.0)
    right = pygame.Rect(fig.right + p.pad, body.top, body.right - fig.right - p.pad, body.height)
    rows_h = 3 * _row_height(p)
    plan = stage_line(vm.plan)
    top = right.top
    room = right.height - rows_h - p.pad // 2  # below the storage banner there may be none
    if plan and not vm.notice and room >= p.min_px:  # the athlete's stage, and the next step once mastered
        p.line(plan, p.min_px, theme.SKY, pygame.Rect(right.left, top, right.width, p.min_px))
        top += p.min_px + p.pad // 3
        how = vm.plan.advice if vm.plan.stage == "mastered" and not vm.plan.by_hand else how
    how_box = pygame.Rect(right.left, top, right.width, right.bottom - rows_h - p.pad // 2 - top)
    if how_box.height >= p.min_px:
        p.paragraph(vm.notice or how, how_box, p.min_px, theme.ORANGE if vm.notice else theme.MUTED,
                    max_lines=3)
    rows = pygame.Rect(right.left, right.bottom - rows_h, right.width, rows_h)
    row_h = _row_height(p)
    split = fig.right + p.pad // 2  # the figure's markers left of it, the rows right of it
    parts = [Part("markers", pygame.Rect(0, header.bottom, split, strip.top - header.bottom), _states,
                  partial(_markers, box=fig))]
    for i in range(len(CONTACTS)):
        row = pygame.Rect(rows.left, rows.top + i * row_h, rows.width, row_h)
        parts.append(Part(f"row{i}", pygame.Rect(split, row.top, p.w - split, row_h), partial(_row_key, i=i),
                          partial(_row, i=i, row=row)))
    return parts


SPEC = ScreenSpec(layout, static=lambda vm: (vm.paused, vm.athlete, vm.notice, vm.simulator, vm.plan))


def _states(vm: ViewModel) -> tuple[tuple[str, str], ...]:
    return tuple((c.name, c.state) for c in vm.contacts)


def _markers(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    draw_markers(p, box, 0.0, _states(vm))


def _row_height(p: Painter) -> int:
    return p.min_px + max(6, p.min_px // 3) + p.pad // 2


def _row_key(vm: ViewModel, i: int) -> Hashable:
    if i >= len(vm.contacts):
        return None
    c = vm.contacts[i]
    return c.label, c.state, c.bar


def _row(p: Painter, vm: ViewModel, i: int, row: pygame.Rect) -> None:
    """One contact: a small marker, its name and a pressure bar (threshold tick at half)."""
    if i >= len(vm.contacts):
        return
    c = vm.contacts[i]
    px = p.min_px
    r = max(5, round(px * 0.34))
    draw_marker(p.surface, (row.left + r + 1, row.top + px // 2), r, c.state)
    name = pygame.Rect(row.left + 2 * r + p.pad // 2 + 2, row.top, row.width - 2 * r - p.pad // 2 - 2, px)
    p.line(c.label, px, theme.TEXT if c.state != LOST else theme.MUTED, name)
    track = pygame.Rect(row.left, row.top + px + 1, row.width, max(6, px // 3))
    colour = theme.STATE_COLOURS.get(c.state, theme.MUTED)
    bar(p.surface, track, c.bar, colour, tick=0.5)
    p.boxes["bar_" + c.name] = track


def layout_calibrating(p: Painter, vm: ViewModel) -> list[Part]:
    """Stand tall and still while the box learns this athlete's standing pressures.

    Background: the title, the advice, the ring's track; the part: the ring filling."""
    header = title(p, "Stand tall, hold still", vm.athlete)
    body = pygame.Rect(p.pad, header.bottom + p.pad, p.w - 2 * p.pad, p.h - header.bottom - 2 * p.pad)
    side = min(body.height, round(body.width * 0.45))
    ring_box = pygame.Rect(body.left, body.centery - side // 2, side, side)
    _ring_track(p, ring_box)
    text = pygame.Rect(ring_box.right + 2 * p.pad, body.top, body.right - ring_box.right - 2 * p.pad,
                       body.height)
    p.paragraph("Keep all three points on the dowel and look straight ahead.", text,
                p.cap(theme.TEXT_CAP * 1.2), theme.TEXT, max_lines=4, valign="center")
    region = pygame.Rect(0, header.bottom, ring_box.right + p.pad, p.h - header.bottom)
    return [Part("ring", region, lambda vm: vm.calibration, partial(_ring, box=ring_box))]


CALIBRATING = ScreenSpec(layout_calibrating, static=lambda vm: vm.athlete)


def _ring_geometry(box: pygame.Rect) -> tuple[tuple[int, int], float, float]:
    r_out = box.width / 2
    return (box.centerx, box.centery), r_out, max(6.0, r_out * 0.16)


def _ring_track(p: Painter, box: pygame.Rect) -> None:
    centre, r_out, width = _ring_geometry(box)
    arc_band(p.surface, theme.TRACK, centre, r_out, r_out - width, 0.0, 2 * math.pi)


def _ring(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    """The share of calibration done: the ring filling clockwise, and the percentage inside."""
    done = vm.calibration
    centre, r_out, width = _ring_geometry(box)
    arc_band(p.surface, theme.SKY, centre, r_out, r_out - width, 0.0, 2 * math.pi * done)
    inner = box.inflate(-round(width * 2.6), -round(width * 2.6))
    label = pygame.Rect(inner.left, inner.centery - inner.height // 4, inner.width, inner.height // 2)
    p.line(f"{round(done * 100)}%", max(p.min_px, round(inner.height * 0.4)), theme.TEXT, label,
           align="center")
    p.boxes["ring"] = box
