"""An athlete's progress over their latest sessions, read from two metres, and the plan's history.

Why this shape: a coach glances at it across the gym to see whether the hinge
is getting cleaner and deep enough before deciding anything. So one chart of
few, thick marks: a bar per session for its clean reps (the 90 % bar of a
passed test drawn across), under it a dot per session for its mean depth
against the athlete's target (the band is the target less 5 degrees), the
bars coloured by the plan's stage and a retention test marked above its
session (a tick passed, an X failed, shape as well as colour). Beside it the
latest session in words; below it the contact that breaks most and when.
B turns to the plan's history (its stage changes, newest first).
"""
from __future__ import annotations

import pygame

from device.view.model import LABELS, ProgressView, SessionPoint, ViewModel
from ui import theme
from ui.draw import Painter, check_mark, draw_marker, font, hints, title
from ui.planwords import STAGE_WORDS

MASTERY_PCT = 90.0  # the line across the clean-rep bars: what a retention test must reach
DEPTH_SPAN = 20.0  # the depth panel shows the target +- this many degrees
TOLERANCE_DEG = 5.0  # the plan's default depth tolerance: the band under the target line
PHASE_WORDS = {"descent": "going down", "bottom": "at the bottom", "ascent": "coming up", "standing": "standing"}


PAGES = ("Progress", "Tempo, contacts", "Plan history")


def render(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Page 0: the chart; 1: tempo and the contacts that come off; 2: the plan's history (cursor = page)."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    page = vm.menu.cursor % len(PAGES)
    header = title(p, f"{PAGES[page]} {vm.athlete}".strip(), STAGE_WORDS.get(vm.plan.stage, ""))
    strip = hints(p, [("B", PAGES[(page + 1) % len(PAGES)].split(",")[0].lower()), ("A", "back")])
    body = pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad, strip.top - header.bottom - p.pad)
    data = vm.progress
    if data is None or not data.sessions:
        p.paragraph(f"No sets yet for {vm.athlete}." if vm.athlete else "No sets yet.", body, p.min_px, theme.MUTED)
        return p
    (_chart_page, _tempo_page, _history)[page](p, vm, data, body)
    return p


def _chart_page(p: Painter, vm: ViewModel, data: ProgressView, body: pygame.Rect) -> None:
    """The latest session large (clean share, depth), the chart, the stages' colours."""
    big, px = p.cap(theme.BIG_CAP), p.min_px
    last = data.sessions[-1]
    row = pygame.Rect(body.left, body.top, body.width, big)
    left = "-" if last.clean_pct is None else f"{last.clean_pct:.0f}% clean"
    right = "" if last.depth_deg is None else f"{last.depth_deg:.0f}° deep"
    if font(big).size(f"{left}  {right}")[0] > row.width:  # a small screen: the numbers, not the words
        left, right = left.replace(" clean", ""), right.replace(" deep", "")
    shown = p.line(right, big, theme.TEXT, row, align="right") if right else pygame.Rect(row.right, row.top, 0, 0)
    p.line(left, big, theme.TEXT, pygame.Rect(row.left, row.top, shown.left - row.left - p.pad, big))
    legend = pygame.Rect(body.left, body.bottom - px, body.width, px)
    chart = pygame.Rect(body.left, row.bottom + p.pad // 2, body.width, legend.top - row.bottom - p.pad)
    _chart(p, data.sessions, vm.plan.target_deg, chart)
    _legend(p, legend)


def _legend(p: Painter, box: pygame.Rect) -> None:
    """Which colour is which stage: a square of it before each word (the bars' colours)."""
    x, side = box.left, max(6, p.min_px // 2)
    for stage, colour in theme.STAGE_COLOURS.items():
        need = side + p.pad // 3 + font(p.min_px).size(stage)[0]
        if x + need > box.right:
            break
        pygame.draw.rect(p.surface, colour, (x, box.centery - side // 2, side, side))
        p.text(stage, p.min_px, theme.MUTED, midleft=(x + side + p.pad // 3, box.centery))
        x += need + p.pad


def _tempo_page(p: Painter, vm: ViewModel, data: ProgressView, body: pygame.Rect) -> None:
    """The latest session's tempo large (and the first shown, to compare), then the contacts that
    came off most, and in which part of the rep."""
    big, px, gap = p.cap(theme.BIG_CAP), p.min_px, max(2, p.pad // 3)
    first, last = data.sessions[0], data.sessions[-1]
    y = body.top
    p.line(f"Tempo {last.label}: down, bottom, up", px, theme.MUTED, pygame.Rect(body.left, y, body.width, px))
    y += px + gap
    tempo = "no reps" if last.tempo_s is None else "  ".join(f"{x:.1f}" for x in last.tempo_s) + " s"
    p.line(tempo, big, theme.TEXT, pygame.Rect(body.left, y, body.width, big))
    y += big + gap
    if first is not last and first.tempo_s is not None:
        was = "  ".join(f"{x:.1f}" for x in first.tempo_s)
        p.line(f"{first.label}: {was} s", px, theme.MUTED, pygame.Rect(body.left, y, body.width, px))
        y += px + gap
    p.line("Contacts off, most first", px, theme.MUTED, pygame.Rect(body.left, y, body.width, px))
    y += px + gap
    rows = [(f"{LABELS.get(c, c)} {PHASE_WORDS.get(ph, ph)}".strip(), n) for c, ph, n in data.breaks]
    if not rows:
        p.line("No contact came off", px, theme.GREEN, pygame.Rect(body.left, y, body.width, px))
    for i, (words, n) in enumerate(rows):
        if y + px > body.bottom:
            break
        line = pygame.Rect(body.left, y, body.width, px)
        count = p.line(str(n), px, theme.TEXT, line, align="right")
        p.line(words, px, theme.VERMILLION if i == 0 else theme.TEXT,
               pygame.Rect(line.left, y, count.left - line.left - p.pad, px))
        y += px + gap


def _chart(p: Painter, sessions: tuple[SessionPoint, ...], target: float, box: pygame.Rect) -> None:
    """Clean-rep bars over depth dots, one column per session, dates at the ends."""
    px = p.min_px
    label_w = p.min_px * 3
    axis = pygame.Rect(box.left + label_w, box.top, box.width - label_w, box.height - px - p.pad // 3)
    marks_h = max(8, px // 2 + 2)
    split = axis.top + marks_h + round((axis.height - marks_h) * 0.55)
    bars = pygame.Rect(axis.left, axis.top + marks_h, axis.width, split - axis.top - marks_h)
    dots = pygame.Rect(axis.left, split + p.pad // 2, axis.width, axis.bottom - split - p.pad // 2)
    pygame.draw.rect(p.surface, theme.PANEL, bars)
    pygame.draw.rect(p.surface, theme.PANEL, dots)
    p.line("clean", px, theme.MUTED, pygame.Rect(box.left, bars.centery - px // 2, label_w - p.pad // 3, px))
    p.line("depth", px, theme.MUTED, pygame.Rect(box.left, dots.centery - px // 2, label_w - p.pad // 3, px))
    _target_band(p, dots, target)
    step = axis.width / max(1, len(sessions))
    for i, s in enumerate(sessions):
        x0 = round(axis.left + i * step + step * 0.15)
        w = max(3, round(step * 0.7))
        colour = theme.STAGE_COLOURS.get(s.stage, theme.MUTED)
        if s.clean_pct is not None:
            h = round(bars.height * s.clean_pct / 100.0)
            pygame.draw.rect(p.surface, colour, (x0, bars.bottom - h, w, h))
        if s.depth_deg is not None:
            y = _depth_y(dots, s.depth_deg, target)
            r = max(3, min(w // 2, px // 3))
            pygame.draw.circle(p.surface, theme.TEXT, (x0 + w // 2, y), r)
        if s.tests:
            _test_mark(p, (x0 + w // 2, axis.top + marks_h // 2), marks_h // 2, s.tests[-1] == "passed")
    y90 = bars.bottom - round(bars.height * MASTERY_PCT / 100.0)
    _dashed(p.surface, theme.TEXT, bars.left, bars.right, y90)
    p.boxes["bars"], p.boxes["dots"] = bars, dots
    under = pygame.Rect(axis.left, axis.bottom + p.pad // 3, axis.width, px)
    p.line(sessions[0].label, px, theme.MUTED, under)
    if len(sessions) > 1:
        p.line(sessions[-1].label, px, theme.MUTED, under, align="right")


def _depth_y(box: pygame.Rect, depth: float, target: float) -> int:
    share = (depth - (target - DEPTH_SPAN)) / (2 * DEPTH_SPAN)
    return round(box.bottom - box.height * min(max(share, 0.0), 1.0))


def _target_band(p: Painter, box: pygame.Rect, target: float) -> None:
    """The depth that counts: from the target less the tolerance up to the target (a darker green)."""
    top, low = _depth_y(box, target, target), _depth_y(box, target - TOLERANCE_DEG, target)
    pygame.draw.rect(p.surface, theme.TARGET, (box.left, top, box.width, max(2, low - top)))
    pygame.draw.line(p.surface, theme.GREEN, (box.left, top), (box.right - 1, top), 2)


def _test_mark(p: Painter, centre: tuple[int, int], r: int, passed: bool) -> None:
    if passed:
        check_mark(p.surface, centre, max(4, r), theme.GREEN)
    else:
        draw_marker(p.surface, centre, max(4, r - 1), "lost")


def _dashed(surface: pygame.Surface, colour: theme.Colour, x0: int, x1: int, y: int) -> None:
    for x in range(x0, x1, 10):
        pygame.draw.line(surface, colour, (x, y), (min(x + 5, x1), y), 2)


def _history(p: Painter, vm: ViewModel, data: ProgressView, body: pygame.Rect) -> None:
    """The plan's stage changes, newest first, as rows: date, from -> to, and who (box or coach)."""
    plan = vm.plan
    now = f"Now: {STAGE_WORDS.get(plan.stage, plan.stage).lower()}" if plan.stage else "No plan (guest)"
    since = f" since {plan.since}" if plan.since else ""
    p.line(now + since, p.min_px, theme.SKY, pygame.Rect(body.left, body.top, body.width, p.min_px))
    top = body.top + p.min_px + p.pad // 2
    rows = [(f"{day}  {a} -> {b}", who) for day, a, b, who in data.history] or [("No stage changes yet", "")]
    row_h = p.min_px + p.pad // 2
    for i, (left, right) in enumerate(rows[:max(1, (body.bottom - top) // row_h)]):
        row = pygame.Rect(body.left, top + i * row_h, body.width, p.min_px)
        shown = p.line(right, p.min_px, theme.MUTED, row, align="right") if right else pygame.Rect(row.right, 0, 0, 0)
        p.line(left, p.min_px, theme.TEXT, pygame.Rect(row.left, row.top, shown.left - row.left - p.pad, row.height))
