"""The live set: rep counter, the athlete with three contact markers, tilt gauge, cue.

Why this layout: mid-set the athlete glances sideways from two metres, so the
count is the biggest thing on the screen (a third of its height at least),
and the bottom band says in plain words what the buzzer just meant. Between
cues it shows the last rep's depth and tempo, which a coach reads.
"""
from __future__ import annotations

import pygame

from device.view.model import LABELS, LOST, ViewModel
from ui import theme
from ui.draw import MIN_PX, Painter, balanced_wrap, draw_marker, font
from ui.figure import draw_figure, draw_gauge

COUNTER_LINE = 0.49  # line height of the counter: its digits are ~0.72 of it, > 1/3 screen
MAIN = 0.67  # the top part of the screen (counter, figure, gauge); the cue band below


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw the live-set screen; return the painter (what went where)."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    main = pygame.Rect(0, 0, p.w, round(p.h * MAIN))
    counter_w = max(round(p.w * 0.30), round(p.h * 0.56))
    counter = pygame.Rect(p.pad, p.pad // 2, counter_w, main.height - p.pad)
    _counter(p, vm, counter)
    rest = pygame.Rect(counter.right + p.pad, p.pad, p.w - counter.right - 2 * p.pad,
                       main.height - p.pad)
    fig_w = round(rest.width * 0.56)
    figure = pygame.Rect(rest.left, rest.top, fig_w, rest.height)
    states = [(c.name, c.state) for c in vm.contacts]
    draw_figure(p, figure, vm.pitch_deg, states)
    gauge = pygame.Rect(figure.right + p.pad // 2, rest.top, rest.right - figure.right - p.pad // 2,
                        rest.height)
    _gauge_column(p, vm, gauge)
    band = pygame.Rect(p.pad // 2, main.bottom, p.w - p.pad, p.h - main.bottom - p.pad // 2)
    _message(p, vm, band)
    return p


def _counter(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    label_px = p.px(theme.SMALL)
    p.text("REPS", label_px, theme.MUTED, topleft=box.topleft)
    px = p.px(COUNTER_LINE)
    number = str(vm.reps)
    px = p.fit_px(number, px, box.width)
    counter = p.text(number, px, theme.TEXT, topleft=(box.left - round(px * 0.04), box.top + label_px))
    p.boxes["counter"] = counter
    clean_px = p.px(theme.BODY)
    if vm.reps:
        clean = f"{vm.clean_reps} clean"
    else:
        clean = "hinge to start" if vm.has_imu else "no tilt sensor"
    colour = theme.GREEN if vm.reps else theme.MUTED
    p.line(clean, clean_px, colour, pygame.Rect(box.left, counter.bottom, box.width,
                                                min(clean_px, box.bottom - counter.bottom)))


def _gauge_column(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    note_px = p.px(theme.SMALL)
    note = ("muted  " if vm.settings.mute else "") + (vm.athlete or f"Set {vm.set_no}")
    p.line(note, note_px, theme.MUTED, pygame.Rect(box.left, box.top, box.width, note_px),
           align="right")
    body = pygame.Rect(box.left, box.top + note_px + p.pad // 2, box.width,
                       box.height - note_px - p.pad // 2)
    pitch = vm.pitch_deg if vm.has_imu else None
    draw_gauge(p, body, pitch, vm.target_deg, p.px(0.11))


def _message(p: Painter, vm: ViewModel, band: pygame.Rect) -> None:
    """The cue when a contact is off; else the last rep; else what to do."""
    pygame.draw.rect(p.surface, theme.PANEL, band, border_radius=p.pad // 2)
    stripe = max(4, p.pad // 2)
    accent = theme.VERMILLION if vm.cue else (theme.GREEN if vm.last_rep else theme.SKY)
    pygame.draw.rect(p.surface, accent, (band.left, band.top, stripe, band.height),
                     border_top_left_radius=p.pad // 2, border_bottom_left_radius=p.pad // 2)
    inner = band.inflate(-2 * p.pad, -p.pad)
    inner.left = band.left + stripe + p.pad
    inner.width = band.right - p.pad // 2 - inner.left
    p.boxes["message"] = inner
    if vm.cue:
        _cue(p, vm.cue, inner)
    elif vm.last_rep is not None:
        _last_rep(p, vm, inner)
    else:
        p.paragraph("Hinge at the hips. Keep head, upper back and sacrum on the dowel.",
                    inner, p.px(theme.CUE_MIN), theme.TEXT, max_lines=3, valign="center")


def _cue(p: Painter, cue: str, box: pygame.Rect) -> None:
    """Headline ("Sacrum off") over the advice, as large as fits (at least 1/12 screen height)."""
    head, _, advice = cue.partition(" - ")
    advice = advice[:1].upper() + advice[1:]
    size, lines = _cue_size(head, advice, box, max(p.px(theme.CUE_MIN), min(p.px(0.11), box.height // 2)))
    step = round(size * 1.05)
    y = box.top + max(0, (box.height - (step * len(lines) + size)) // 2)
    r = round(size * 0.3)
    draw_marker(p.surface, (box.left + r, y + size // 2), r, LOST)
    p.text(head, size, theme.TEXT, topleft=(box.left + 2 * r + size // 3, y))
    for line in lines:
        y += step
        p.text(line, size, theme.TEXT, topleft=(box.left, y))


def _cue_size(head: str, advice: str, box: pygame.Rect, px: int) -> tuple[int, list[str]]:
    """The largest size at which the headline and at most two lines of advice fit `box`."""
    for size in range(px, MIN_PX - 1, -1):
        lines = balanced_wrap(advice, size, box.width)
        f = font(size)
        widest = max([f.size(head)[0] + size] + [f.size(s)[0] for s in lines])
        if len(lines) <= 2 and round(size * 1.05) * len(lines) + size <= box.height \
                and widest <= box.width:
            return size, lines
    return MIN_PX, balanced_wrap(advice, MIN_PX, box.width)[:2]


def _last_rep(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    rep = vm.last_rep
    assert rep is not None
    px = max(p.px(theme.CUE_MIN), min(p.px(0.1), box.height // 2 - 2))
    half = box.height // 2
    faults = ", ".join(LABELS[f].lower() for f in rep.faults if f in LABELS)
    first = f"Rep {rep.rep}: {rep.depth_deg:.0f}°" + ("  clean" if not faults else f"  {faults} off")
    colour = theme.GREEN if not faults else theme.TEXT
    p.line(first, px, colour, pygame.Rect(box.left, box.top, box.width, half))
    tempo = f"down {rep.descent_s:.1f} s · hold {rep.bottom_s:.1f} · up {rep.ascent_s:.1f}"
    p.line(tempo, px, theme.MUTED, pygame.Rect(box.left, box.top + half, box.width, box.height - half))

