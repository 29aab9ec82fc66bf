"""The live set: rep counter, the athlete with three contact markers, tilt gauge, the cue.

Why this layout: mid-set the athlete glances sideways from two metres, so the
count is the biggest thing on the screen (capitals 15 mm high on a 3.5-inch
panel), and the bottom band says in 6 mm words which contact came off and
what to do, for as long as it is off and no longer. Between cues it shows
the last rep's depth and tempo, which a coach reads.
"""
from __future__ import annotations

import pygame

from device.view.model import CUES, LABELS, LOST, ViewModel
from ui import theme
from ui.draw import Painter, draw_marker, font
from ui.figure import draw_figure, draw_gauge
from ui.theme import Colour

SIM_HINT = "keys: d dowel, 1 2 3 lift, Up Down hinge"


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw the live-set screen; return the painter (what went where)."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    cue_px = p.cap(theme.CUE_CAP)
    band_h = 2 * cue_px + p.pad * 2
    main = pygame.Rect(0, 0, p.w, p.h - band_h - p.pad // 2)
    counter_w = font(p.cap(theme.COUNTER_CAP)).size("88")[0] + p.pad
    counter = pygame.Rect(p.pad, p.pad // 2, counter_w, main.height - p.pad // 2)
    _counter(p, vm, counter)
    rest = pygame.Rect(counter.right + p.pad, p.pad // 2, p.w - counter.right - 2 * p.pad,
                       main.height - p.pad // 2)
    fig_w = round(rest.width * 0.55)
    figure = pygame.Rect(rest.left, rest.top, fig_w, rest.height)
    draw_figure(p, figure, vm.pitch_deg, [(c.name, c.state) for c in vm.contacts])
    gauge = pygame.Rect(figure.right + p.pad // 2, rest.top, rest.right - figure.right - p.pad // 2,
                        rest.height)
    _gauge_column(p, vm, gauge)
    band = pygame.Rect(p.pad // 2, p.h - band_h - p.pad // 2, p.w - p.pad, band_h)
    _message(p, vm, band, cue_px)
    return p


def _counter(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    px = p.cap(theme.COUNTER_CAP)
    number = p.text(str(vm.reps), px, theme.TEXT, topleft=(box.left - round(px * 0.04), box.top))
    p.boxes["counter"] = number
    if vm.reps:
        under, colour = f"{vm.clean_reps} clean", theme.GREEN if vm.clean_reps else theme.MUTED
    elif vm.current_rep is not None:
        under, colour = f"rep {vm.current_rep}", theme.MUTED
    else:
        under, colour = ("hinge to start" if vm.has_imu else "no tilt sensor"), theme.MUTED
    if number.bottom + p.min_px <= box.bottom:  # below the storage banner there may be no room for it
        p.line(under, p.min_px, colour, pygame.Rect(box.left, number.bottom, box.width + p.pad, p.min_px))


def _gauge_column(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    note = vm.athlete + ("  muted" if vm.settings.mute else "")
    p.line(note, p.min_px, theme.MUTED, pygame.Rect(box.left, box.top, box.width, p.min_px),
           align="right")
    top = box.top + p.min_px + p.pad // 2
    if vm.plan.stage and not vm.plan.by_hand:  # the athlete's stage in the learning plan
        p.line(vm.plan.stage, p.min_px, theme.SKY, pygame.Rect(box.left, top, box.width, p.min_px), align="right")
        top += p.min_px + p.pad // 2
    body = pygame.Rect(box.left, top, box.width, box.bottom - top)
    pitch = vm.pitch_deg if vm.has_imu else None
    draw_gauge(p, body, pitch, vm.target_deg, p.min_px)


def _message(p: Painter, vm: ViewModel, band: pygame.Rect, cue_px: int) -> None:
    """The cue while a contact is off; else a short note; else the last rep; else what to do."""
    pygame.draw.rect(p.surface, theme.PANEL, band, border_radius=p.pad // 2)
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
