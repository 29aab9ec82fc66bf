"""The set summary: reps, clean reps, losses per contact, depth, tempo, and the set's chart.

Why: between sets the athlete rests and the coach walks over; the numbers
say how it went and the chart (ui/chart.py, the same one the export
writes) shows where in the set the contacts came away.
"""
from __future__ import annotations

from functools import lru_cache

import pygame

from ui.chart import draw_set_chart
from device.view.model import LABELS, SeriesView, SummaryView, ViewModel
from ui import theme
from ui.draw import Painter, draw_marker, hints, title

CHART_MIN_W = 440  # the chart draws its legend for at least this width: smaller is scaled down


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Draw the summary of the last set (or an empty note when there is none)."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    s = vm.summary
    header = title(p, f"Set {s.set_no} done" if s else "No set yet", vm.athlete)
    strip = hints(p, [("A", "next set"), ("B", "menu")])
    body = pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad,
                       strip.top - header.bottom - p.pad)
    if s is None:
        p.paragraph("Do a set and its summary appears here.", body, p.px(theme.BODY), theme.MUTED)
        return p
    has_chart = len(s.series.t) >= 2
    stats_h = round(body.height * (0.42 if has_chart else 1.0))
    stats = pygame.Rect(body.left, body.top, body.width, stats_h)
    _stats(p, s, stats)
    if has_chart:
        chart = pygame.Rect(body.left, stats.bottom + p.pad // 2, body.width,
                            body.bottom - stats.bottom - p.pad // 2)
        surface.blit(_chart(s, chart.size), chart)
        p.boxes["chart"] = chart
    return p


def _stats(p: Painter, s: SummaryView, box: pygame.Rect) -> None:
    """Three columns: reps and clean reps; depth and tempo; losses per contact."""
    gap = p.pad
    w1, w2 = round(box.width * 0.30), round(box.width * 0.32)
    reps = pygame.Rect(box.left, box.top, w1, box.height)
    _column(p, reps, [(f"{s.reps} reps", 0.13, theme.TEXT, None),
                      (f"{s.clean_reps} clean", theme.BODY, theme.GREEN, None)])
    middle = pygame.Rect(reps.right + gap, box.top, w2 - gap, box.height)
    rows: list[Line] = []
    if s.mean_depth_deg is not None:
        rows.append((f"Depth {s.mean_depth_deg:.0f}°", theme.BODY, theme.TEXT, None))
    if s.tempo_s is not None:
        d, b, a = s.tempo_s
        rows += [("down / hold / up", theme.SMALL, theme.MUTED, None),
                 (f"{d:.1f} / {b:.1f} / {a:.1f} s", theme.BODY, theme.TEXT, None)]
    _column(p, middle, rows or [("No tilt sensor", theme.SMALL, theme.MUTED, None)])
    losses = pygame.Rect(middle.right + gap, box.top, box.right - middle.right - gap, box.height)
    _column(p, losses, [(f"{LABELS[c]}  {n}", theme.BODY, theme.TEXT if n else theme.MUTED,
                         "lost" if n else "in_contact") for c, n in s.losses])


Line = tuple[str, float, tuple[int, int, int], "str | None"]


def _column(p: Painter, box: pygame.Rect, lines: list[Line]) -> None:
    """Lines stacked from the top, shrunk together when the box is short; a marker if asked."""
    sizes = [p.px(f) for _, f, _, _ in lines]
    gap = max(2, p.pad // 3)
    scale = min(1.0, (box.height - gap * (len(lines) - 1)) / max(1, sum(sizes)))
    y = box.top
    for (text, _, colour, state), px in zip(lines, sizes):
        px = max(9, int(px * scale))
        x = box.left
        if state is not None:
            r = max(4, round(px * 0.3))
            draw_marker(p.surface, (x + r, y + px // 2), r, state)
            x += 2 * r + max(4, px // 3)
        p.line(text, px, colour, pygame.Rect(x, y, box.right - x, px))
        y += px + gap


def _chart(s: SummaryView, size: tuple[int, int]) -> pygame.Surface:
    return _chart_cached(s.set_no, s.series, size)


@lru_cache(maxsize=4)
def _chart_cached(set_no: int, series: SeriesView, size: tuple[int, int]) -> pygame.Surface:
    """The chart drawn once per set and size (it is the slowest thing on any screen).

    ui/chart.py lays its legend out for a wide chart, so a narrow one is
    drawn at `CHART_MIN_W` and scaled down rather than cut off.
    """
    w, h = size
    scale = max(1.0, CHART_MIN_W / max(1, w))
    full = pygame.Surface((round(w * scale), round(h * scale)))
    draw_set_chart(full, full.get_rect(), series)
    if scale == 1.0:
        return full
    return pygame.transform.smoothscale(full, size)

