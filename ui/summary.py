"""A set in numbers and in one picture: just finished, or opened again from History.

Why: between sets the athlete rests and the coach walks over; the count,
the clean reps and which contact came off how often are read from two
metres, and the chart below (the export's chart without its small labels)
shows where in the set the contacts came away.
"""
from __future__ import annotations

from functools import lru_cache

import pygame

from device.view.model import LABELS, SeriesView, SummaryView, ViewModel, plural
from ui import theme
from ui.chart import draw_set_chart
from ui.draw import Painter, draw_marker, hints, title

CHART_MIN_H = 40  # less room than this and the chart is left out


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """The set just finished (A: next set)."""
    s = vm.summary
    keys = [("A", "next set"), ("B", "menu")]
    return _draw(surface, s, f"Set {s.set_no} done" if s else "No set yet", keys)


def render_past(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """A set opened from History (A: back to the list, B: the next older set)."""
    s = vm.past
    heading = f"Set {s.set_no}  {s.when}" if s else "Set not found"
    return _draw(surface, s, heading, [("A", "back"), ("B", "older")])


def _draw(surface: pygame.Surface, s: SummaryView | None, heading: str,
          keys: list[tuple[str, str]]) -> Painter:
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    header = title(p, heading, s.athlete if s else "")
    strip = hints(p, keys)
    body = pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad,
                       strip.top - header.bottom - p.pad)
    if s is None:
        p.paragraph("Do a set and its summary appears here.", body, p.min_px, theme.MUTED)
        return p
    top = _stats(p, s, body)
    if s.plan_note:  # what the set did to the learning plan, in its words: before the chart, if need be
        words = f"{s.plan_moved}: {s.plan_note}" if s.plan_moved else s.plan_note[:1].upper() + s.plan_note[1:]
        lines = p.paragraph(words, pygame.Rect(body.left, top, body.width, body.bottom - top), p.min_px,
                            theme.SKY if s.plan_moved else theme.MUTED, max_lines=3)
        top = max(r.bottom for r in lines) + max(2, p.pad // 3)
    chart = pygame.Rect(body.left, top + p.pad // 2, body.width, body.bottom - top - p.pad // 2)
    if len(s.series.t) >= 2 and chart.height >= CHART_MIN_H:
        surface.blit(_chart(s.series, chart.size), chart)
        p.boxes["chart"] = chart
    return p


def _stats(p: Painter, s: SummaryView, box: pygame.Rect) -> int:
    """Counts on the left, losses per contact on the right, tempo across; the bottom used."""
    gap = max(2, p.pad // 3)
    px = p.min_px
    big = p.cap(theme.BIG_CAP)
    left = pygame.Rect(box.left, box.top, box.width * 9 // 20, box.height)
    reps = p.line(plural(s.reps, "rep"), big, theme.TEXT, pygame.Rect(left.left, left.top, left.width, big))
    y = reps.bottom + gap
    clean = f"{s.clean_reps} clean"
    p.line(clean, px, theme.GREEN if s.clean_reps else theme.MUTED, pygame.Rect(left.left, y, left.width, px))
    y += px + gap
    if s.mean_depth_deg is not None:
        depth = f"depth {s.mean_depth_deg:.0f}°"
    else:
        depth = "no reps counted" if s.has_imu else "no tilt sensor"
    p.line(depth, px, theme.TEXT if s.mean_depth_deg is not None else theme.MUTED,
           pygame.Rect(left.left, y, left.width, px))
    y += px + gap
    right = pygame.Rect(left.right + p.pad, box.top, box.right - left.right - p.pad, box.height)
    ry = right.top
    for contact, n in s.losses:
        r = round(px * 0.32)
        draw_marker(p.surface, (right.left + r + 1, ry + px // 2), r, "lost" if n else "in_contact")
        x = right.left + 2 * r + p.pad // 2 + 2
        p.line(f"{LABELS[contact]} {n}", px, theme.TEXT if n else theme.MUTED,
               pygame.Rect(x, ry, right.right - x, px))
        ry += px + gap
    y = max(y, ry)
    extra = []
    if s.tempo_s is not None:
        d, b, a = s.tempo_s
        extra.append(f"tempo {d:.1f} / {b:.1f} / {a:.1f} s")
    if s.dips:
        extra.append(f"{s.dips} too shallow")
    if extra:
        p.line("   ".join(extra), px, theme.MUTED, pygame.Rect(box.left, y, box.width, px))
        y += px + gap
    return y


def _chart(series: SeriesView, size: tuple[int, int]) -> pygame.Surface:
    return _chart_cached(series, size)


@lru_cache(maxsize=4)
def _chart_cached(series: SeriesView, size: tuple[int, int]) -> pygame.Surface:
    """The chart drawn once per set and size (it is the slowest thing on any screen)."""
    full = pygame.Surface(size)
    draw_set_chart(full, full.get_rect(), series, labels=False)
    return full
