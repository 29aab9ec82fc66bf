"""A set in one picture: the three pressures and the tilt over time, losses shaded.

Used by the set-summary screen and, through ui/chart_png.py (the renderer
the CLI hands to the export), for the PNG of every set on a stick, so a coach
sees the set, not only numbers. Drawn with pygame on an off-screen surface: no
display needed and no new dependency. Colours come with line styles and
labels, so it reads in grey too.

    >>> surf = pygame.Surface((320, 160))
    >>> data = SeriesView(t=(0.0, 1.0, 2.0), pressure=(("head", (1, 1, 0)), ("upper_back", (1, 1.2, 1)),
    ...                   ("sacrum", (1, 0.9, 1))), pitch=(3.0, 60.0, 4.0),
    ...                   losses=(("head", 1.5, 2.0),), reps=((0.2, 1.9),))
    >>> draw_set_chart(surf, surf.get_rect(), data)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import pygame

from device.view.model import SeriesView

CONTACT_COLOURS = {"head": (230, 159, 0), "upper_back": (0, 114, 178), "sacrum": (204, 121, 167)}
CONTACT_DASH = {"head": 0, "upper_back": 6, "sacrum": 3}  # solid, long dash, short dash
PITCH_COLOUR = (60, 60, 60)
BACKGROUND = (255, 255, 255)
GRID = (225, 225, 225)
TEXT = (30, 30, 30)
LABELS = {"head": "head", "upper_back": "upper back", "sacrum": "sacrum"}


@lru_cache(maxsize=8)
def _font(size: int) -> pygame.font.Font:
    """One font object per size: loading it costs more than drawing a chart."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, size)


def _points(ts: Sequence[float], ys: Sequence[float], x0: float, x1: float, area: pygame.Rect,
            lo: float, hi: float, step: int) -> list[tuple[int, int]]:
    span_t = (x1 - x0) or 1.0
    span_y = (hi - lo) or 1.0
    out = []
    for i in range(0, len(ts), step):
        y = min(max(ys[i], lo), hi)
        out.append((area.left + int((ts[i] - x0) / span_t * (area.width - 1)),
                    area.bottom - 1 - int((y - lo) / span_y * (area.height - 1))))
    return out


def _dashed(surface: pygame.Surface, colour, pts, dash: int, width: int) -> None:
    if len(pts) < 2:
        return
    if not dash:
        pygame.draw.lines(surface, colour, False, pts, width)
        return
    for i in range(len(pts) - 1):
        if (i // dash) % 2 == 0:
            pygame.draw.line(surface, colour, pts[i], pts[i + 1], width)


def draw_set_chart(surface: pygame.Surface, rect: pygame.Rect, data: SeriesView,
                   title: str = "", labels: bool = True) -> None:
    """Draw `data` into `rect` of `surface`: pressures (top, as fractions of standing), tilt
    (bottom), losses shaded (contact, start, end), reps as bars (start, end).

    `labels=False` draws no text at all (the screen: chart labels could not be read at
    two metres, and the screen names the contacts beside the chart)."""
    surface.fill(BACKGROUND, rect)
    if not pygame.font.get_init():  # pygame was quit since: cached fonts are dead
        _font.cache_clear()
    font = _font(max(12, rect.height // 14))
    pad = max(4, rect.height // 40)
    top = rect.top + pad
    if title:
        surface.blit(font.render(title, True, TEXT), (rect.left + pad, top))
        top += font.get_height() + pad
    legend_h = font.get_height() + pad if labels else 0
    left = pad * 6 if labels else pad
    plot = pygame.Rect(rect.left + left, top, rect.width - left - pad, rect.bottom - top - legend_h - pad)
    if plot.width < 10 or plot.height < 10 or len(data.t) < 2:
        return
    has_pitch = data.pitch is not None and any(p is not None for p in data.pitch)
    p_area = pygame.Rect(plot.left, plot.top, plot.width, plot.height * (3 if has_pitch else 5) // 5)
    t_area = pygame.Rect(plot.left, p_area.bottom + pad, plot.width, plot.bottom - p_area.bottom - pad)
    x0, x1 = data.t[0], data.t[-1]
    span = (x1 - x0) or 1.0
    step = max(1, len(data.t) // (plot.width * 2))

    def x_of(t: float) -> int:
        return plot.left + int((t - x0) / span * (plot.width - 1))

    for contact, start, end in data.losses:  # shaded bands, hatched per contact
        colour = CONTACT_COLOURS.get(contact, (150, 150, 150))
        band = pygame.Rect(x_of(start), plot.top, max(2, x_of(end) - x_of(start)), plot.height)
        shade = pygame.Surface(band.size, pygame.SRCALPHA)
        shade.fill((*colour, 60))
        surface.blit(shade, band.topleft)
        for y in range(band.top, band.bottom, 6):
            pygame.draw.line(surface, colour, (band.left, y), (band.right - 1, y), 1)
    for start, end in data.reps:  # rep marks along the top
        pygame.draw.line(surface, TEXT, (x_of(start), plot.top), (x_of(end), plot.top), 3)
        pygame.draw.line(surface, TEXT, (x_of(start), plot.top), (x_of(start), plot.top + pad), 2)
    for frac in (0.5, 1.0, 1.5):  # × standing pressure
        y = p_area.bottom - 1 - int(frac / 2.0 * (p_area.height - 1))
        pygame.draw.line(surface, GRID, (p_area.left, y), (p_area.right, y))
        if labels:
            surface.blit(font.render(f"{frac:g}×", True, TEXT), (rect.left + 2, y - font.get_height() // 2))
    for contact, ys in data.pressure:
        pts = _points(data.t, ys, x0, x1, p_area, 0.0, 2.0, step)
        _dashed(surface, CONTACT_COLOURS.get(contact, TEXT), pts, CONTACT_DASH.get(contact, 0), 2)
    if has_pitch:
        pitch = [0.0 if p is None else p for p in data.pitch]  # type: ignore[union-attr]
        hi = max(90.0, max(pitch))
        for deg in (45, 90):
            y = t_area.bottom - 1 - int(deg / hi * (t_area.height - 1))
            pygame.draw.line(surface, GRID, (t_area.left, y), (t_area.right, y))
            if labels:
                surface.blit(font.render(f"{deg}°", True, TEXT), (rect.left + 2, y - font.get_height() // 2))
        _dashed(surface, PITCH_COLOUR, _points(data.t, pitch, x0, x1, t_area, 0.0, hi, step), 0, 2)
    pygame.draw.rect(surface, TEXT, plot, 1)
    if not labels:
        return
    x = plot.left
    for contact, _ in data.pressure:
        colour = CONTACT_COLOURS.get(contact, TEXT)
        y = plot.bottom + pad + font.get_height() // 2
        _dashed(surface, colour, [(x + i, y) for i in range(0, 24, 2)], CONTACT_DASH.get(contact, 0) // 2, 3)
        label = font.render(LABELS.get(contact, contact), True, TEXT)
        surface.blit(label, (x + 28, plot.bottom + pad))
        x += 40 + label.get_width()
    if has_pitch:
        surface.blit(font.render("|  tilt (°)  |  bars: reps  |  shaded: losses", True, TEXT),
                     (x, plot.bottom + pad))
