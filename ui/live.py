"""The live set: rep counter, the athlete with three contact markers, tilt gauge, the cue.

Why this layout: mid-set the athlete glances sideways from two metres, so the
count is the biggest thing on the screen (capitals 15 mm high on a 3.5-inch
panel), and the bottom band says in 6 mm words which contact came off and
what to do, for as long as it is off and no longer. Between cues it shows
the last rep's depth and tempo, which a coach reads.

It is the screen drawn most (every tilt and every contact change during a
set), so it is laid out as parts (ui/scene.py): the counter, the figure, the
athlete's name, the gauge and the band each redraw only when what they show
changed; the floor, the gauge's scale and the band's panel are background.
"""
from __future__ import annotations

from functools import partial
from typing import Hashable

import pygame

from device.view.model import CUES, LABELS, LOST, ViewModel
from ui import theme
from ui.draw import Painter, draw_marker
from ui.text import text_width
from ui.figure import draw_body, draw_floor, draw_markers, draw_needle, draw_scale
from ui.scene import Part, ScreenSpec
from ui.theme import Colour

SIM_HINT = "keys: d dowel, 1 2 3 lift, Up Down hinge"
# The figure at each tilt it was drawn at (whole degrees, with its markers) is kept to be blitted
# when that tilt comes back, as every rep sweeps the same tilts: up to this many screens' worth of
# pixels (a drawing is cropped to itself, about a fourteenth of a screen: 8 screens hold the
# hundred or so of a session: 4.7 MB at 480x320, 12 MB at 800x480). The gauge is not kept: its
# needle draws in about the time a kept drawing takes to find its box, and each new target
# would start its drawings afresh.
FIGURES_KEPT = 8


def layout(p: Painter, vm: ViewModel) -> list[Part]:
    """Draw the live screen's background; return its parts (each region owned by one)."""
    cue_px = p.cap(theme.CUE_CAP)
    band_h = 2 * cue_px + p.pad * 2
    main = pygame.Rect(0, 0, p.w, p.h - band_h - p.pad // 2)
    counter_w = text_width("88", p.cap(theme.COUNTER_CAP)) + p.pad
    counter = pygame.Rect(p.pad, p.pad // 2, counter_w, main.height - p.pad // 2)
    rest = pygame.Rect(counter.right + p.pad, p.pad // 2, p.w - counter.right - 2 * p.pad,
                       main.height - p.pad // 2)
    figure = pygame.Rect(rest.left, rest.top, round(rest.width * 0.55), rest.height)
    gauge = pygame.Rect(figure.right + p.pad // 2, rest.top, rest.right - figure.right - p.pad // 2,
                        rest.height)
    note = pygame.Rect(gauge.left, gauge.top, gauge.width, p.min_px)
    top = note.bottom + p.pad // 2
    stage = _stage(vm)
    if stage:  # the athlete's stage in the learning plan: it changes between sets, not in one
        p.line(stage, p.min_px, theme.SKY, pygame.Rect(gauge.left, top, gauge.width, p.min_px), align="right")
        top += p.min_px + p.pad // 2
    body = pygame.Rect(gauge.left, top, gauge.width, gauge.bottom - top)
    band = pygame.Rect(p.pad // 2, p.h - band_h - p.pad // 2, p.w - p.pad, band_h)
    draw_floor(p, figure)
    draw_scale(p, body, vm.target_deg, p.min_px)
    pygame.draw.rect(p.surface, theme.PANEL, band, border_radius=p.pad // 2)
    column = gauge.left
    return [
        Part("counter", pygame.Rect(0, 0, rest.left, main.height), _counter_key,
             partial(_counter, box=counter)),
        Part("figure", pygame.Rect(rest.left, 0, column - rest.left, main.height), _figure_key,
             partial(_figure, box=figure), keep=FIGURES_KEPT * p.w * p.h * p.surface.get_bytesize()),
        Part("note", pygame.Rect(column, 0, p.w - column, note.bottom + p.pad // 2), _note_key,
             partial(_note, box=note)),
        Part("gauge", pygame.Rect(column, body.top, p.w - column, main.height - body.top), _gauge_key,
             partial(_gauge, box=body)),
        Part("band", pygame.Rect(0, main.height, p.w, p.h - main.height), _band_key,
             partial(_message, band=band, cue_px=cue_px)),
    ]


def _stage(vm: ViewModel) -> str:
    """The plan's stage under the athlete's name ("" for the guest, or Feedback set by hand)."""
    return vm.plan.stage if vm.plan.stage and not vm.plan.by_hand else ""


SPEC = ScreenSpec(layout, static=lambda vm: (vm.target_deg, _stage(vm)))


# -- the counter -----------------------------------------------------------------------------
def _under(vm: ViewModel) -> tuple[str, Colour]:
    """The line under the count: clean reps, the rep under way, or what to do."""
    if vm.reps:
        return f"{vm.clean_reps} clean", theme.GREEN if vm.clean_reps else theme.MUTED
    if vm.current_rep is not None:
        return f"rep {vm.current_rep}", theme.MUTED
    return ("hinge to start" if vm.has_imu else "no tilt sensor"), theme.MUTED


def _counter_key(vm: ViewModel) -> Hashable:
    return vm.reps, _under(vm)


def _counter(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    px = p.cap(theme.COUNTER_CAP)
    number = p.text(str(vm.reps), px, theme.TEXT, topleft=(box.left - round(px * 0.04), box.top))
    p.boxes["counter"] = number
    under, colour = _under(vm)
    if number.bottom + p.min_px <= box.bottom:  # below the storage banner there may be no room for it
        p.line(under, p.min_px, colour, pygame.Rect(box.left, number.bottom, box.width + p.pad, p.min_px))


# -- the figure, the name, the gauge ---------------------------------------------------------
def _states(vm: ViewModel) -> tuple[tuple[str, str], ...]:
    return tuple((c.name, c.state) for c in vm.contacts)


def _figure_key(vm: ViewModel) -> Hashable:
    return vm.pitch_deg, _states(vm)


def _figure(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    draw_body(p, box, vm.pitch_deg)
    draw_markers(p, box, vm.pitch_deg, _states(vm))


def _note_key(vm: ViewModel) -> Hashable:
    return vm.athlete, vm.settings.mute


def _note(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    note = vm.athlete + ("  muted" if vm.settings.mute else "")
    p.line(note, p.min_px, theme.MUTED, box, align="right")


def _pitch(vm: ViewModel) -> float | None:
    return vm.pitch_deg if vm.has_imu else None


def _gauge_key(vm: ViewModel) -> Hashable:
    return _pitch(vm), vm.target_deg


def _gauge(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    draw_needle(p, box, _pitch(vm), vm.target_deg, p.min_px)


# -- the band --------------------------------------------------------------------------------
def _band_key(vm: ViewModel) -> Hashable:
    lines, colour, accent = _words(vm)
    shows_rep = not (vm.cues or vm.note) and vm.last_rep is not None
    return tuple(lines), colour, accent, vm.last_rep if shows_rep else None


def _message(p: Painter, vm: ViewModel, band: pygame.Rect, cue_px: int) -> None:
    """The cue while a contact is off; else a short note; else the last rep; else what to do."""
    lines, colour, accent = _words(vm)
    stripe = max(4, p.pad // 2)
    pygame.draw.rect(p.surface, accent, (band.left, band.top, stripe, band.height),
                     border_top_left_radius=p.pad // 2, border_bottom_left_radius=p.pad // 2)
    inner = pygame.Rect(band.left + stripe + p.pad // 2, band.top + p.pad // 2,
                        band.width - stripe - p.pad, band.height - p.pad)
    p.boxes["message"] = inner
    if vm.cues or vm.note:
        _big_lines(p, lines, colour, inner, cue_px)
    elif vm.last_rep is not None:
        _last_rep(p, vm, inner)
    else:
        p.paragraph(" ".join(lines), inner, p.min_px, theme.TEXT, max_lines=3, valign="center")


def _words(vm: ViewModel) -> tuple[list[str], Colour, Colour]:
    """What the band says, in which colour, with which accent stripe."""
    if len(vm.cues) == 1:
        head, advice = CUES[vm.cues[0]]
        return [head, advice], theme.TEXT, theme.VERMILLION
    if vm.cues:
        return [CUES[c][0] for c in vm.cues[:2]], theme.TEXT, theme.VERMILLION
    if vm.note == "back":
        return ["Back in contact"], theme.GREEN, theme.GREEN
    if vm.note == "shallow":
        return ["Too shallow,", "not counted"], theme.TEXT, theme.SKY
    if vm.last_rep is not None:
        return [], theme.TEXT, theme.VERMILLION if vm.last_rep.faults else theme.GREEN
    if vm.current_rep is not None:
        return [f"Rep {vm.current_rep}: {vm.phase}"], theme.TEXT, theme.SKY
    if vm.schedule == "retention":
        return ["Test set: no cues. Hinge as you have learnt it."], theme.TEXT, theme.ORANGE
    return ["Hinge at the hips. Keep head, upper back and sacrum on the dowel."], theme.TEXT, theme.SKY


def _big_lines(p: Painter, lines: list[str], colour: Colour, box: pygame.Rect, px: int) -> None:
    """One or two lines at the cue's size, centred in the band's height."""
    step = round(px * 1.0)
    y = box.top + max(0, (box.height - step * len(lines)) // 2)
    for text in lines:
        p.line(text, px, colour, pygame.Rect(box.left, y, box.width, step))
        y += step


def _last_rep(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    rep = vm.last_rep
    assert rep is not None
    half = box.height // 2
    faults = [f for f in rep.faults if f in LABELS]
    first = pygame.Rect(box.left, box.top, box.width, half)
    if faults:
        r = round(p.min_px * 0.32)
        draw_marker(p.surface, (first.left + r, first.centery), r, LOST)
        first = first.inflate(0, 0)
        first.left += 2 * r + p.pad // 2
        first.width -= 2 * r + p.pad // 2
        said = ", ".join(LABELS[f].lower() for f in faults) + " off"
    else:
        said = "clean"
    p.line(f"Rep {rep.rep}: {rep.depth_deg:.0f}°  {said}", p.min_px,
           theme.TEXT if faults else theme.GREEN, first)
    tempo = f"down {rep.descent_s:.1f} · hold {rep.bottom_s:.1f} · up {rep.ascent_s:.1f} s"
    p.line(tempo, p.min_px, theme.MUTED, pygame.Rect(box.left, box.top + half, box.width, box.height - half))
