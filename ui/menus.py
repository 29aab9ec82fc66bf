"""Menu screens: the menu itself, history, athlete picker, settings.

Why lists with one highlighted row: the box has two buttons and no touch, so
every menu works the same way: B moves the highlight, A takes it. The hints
line at the bottom says so on every screen.
"""
from __future__ import annotations

import time
from typing import Any, Mapping, Sequence

import pygame

from device.view.model import ViewModel
from device.view.navigation import MENU_ITEMS
from ui import theme
from ui.draw import Painter, hints, title

SCHEDULE_WORDS = {"every": "every rep", "faded": "fading", "bandwidth": "big errors only",
                  "retention": "off (test)"}


def render_menu(vm: ViewModel, surface: pygame.Surface) -> Painter:
    p, body = _frame(vm, surface, "Menu", [("B", "next"), ("A", "choose")])
    _rows(p, body, [(label, "") for _, label in MENU_ITEMS], vm.menu.cursor)
    return p


def render_athletes(vm: ViewModel, surface: pygame.Surface) -> Painter:
    p, body = _frame(vm, surface, "Athlete", [("B", "next"), ("A", "choose")])
    if not vm.athletes:
        p.paragraph("No athletes yet. Sets are logged as a guest.", body, p.px(theme.BODY),
                    theme.MUTED)
        return p
    rows = [(name, "current" if name == vm.athlete else "") for name in vm.athletes]
    _rows(p, body, rows, vm.menu.cursor)
    return p


def render_settings(vm: ViewModel, surface: pygame.Surface) -> Painter:
    p, body = _frame(vm, surface, "Settings", [("B", "next"), ("A", "change")])
    s = vm.settings
    rows = [("Feedback", SCHEDULE_WORDS.get(s.schedule, s.schedule)),
            ("Sound", "muted" if s.mute else "on"),
            ("Volume", f"{round(s.volume * 100)}%"),
            ("Sensitivity", s.sensitivity),
            ("Back", "")]
    _rows(p, body, rows, vm.menu.cursor)
    return p


def render_history(vm: ViewModel, surface: pygame.Surface) -> Painter:
    p, body = _frame(vm, surface, f"History - {vm.athlete}" if vm.athlete else "History",
                     [("B", "scroll"), ("A", "back")])
    if not vm.history:
        p.paragraph("No sets yet.", body, p.px(theme.BODY), theme.MUTED)
        return p
    rows = [history_row(h) for h in vm.history]
    _rows(p, body, [(when, rest) for when, rest in rows], vm.menu.cursor)
    return p


def history_row(h: Mapping[str, Any]) -> tuple[str, str]:
    """(when, "8 reps  6 clean  58°") from a store's set dict, whatever keys it has.

    Read leniently, since the store is built elsewhere: `started_at`/`when`/...
    (Unix seconds or text), `reps`, `clean_reps`/`clean` (else `losses`, a
    count), `mean_depth_deg`/`depth_deg`.

    >>> history_row({"started": "Tue 14:05", "reps": 8, "clean_reps": 6, "mean_depth_deg": 58.4})
    ('Tue 14:05', '8 reps  6 clean  58°')
    >>> history_row({"started_at": 0.0, "reps": 5, "losses": 2})[1]
    '5 reps  2 off'
    """
    when = _first(h, ("when", "started_at", "started", "start", "t0", "time"), "")
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        when = time.strftime("%a %d %b %H:%M", time.localtime(when))
    parts = [f"{_first(h, ('reps',), 0)} reps"]
    clean = _first(h, ("clean_reps", "clean"), None)
    losses = _first(h, ("losses",), None)
    if clean is not None:
        parts.append(f"{clean} clean")
    elif isinstance(losses, int):
        parts.append(f"{losses} off")
    depth = _first(h, ("mean_depth_deg", "depth_deg", "depth"), None)
    if isinstance(depth, (int, float)):
        parts.append(f"{depth:.0f}°")
    return str(when), "  ".join(parts)


def _first(h: Mapping[str, Any], keys: Sequence[str], default: Any) -> Any:
    for k in keys:
        if h.get(k) is not None:
            return h[k]
    return default


def _frame(vm: ViewModel, surface: pygame.Surface, heading: str,
           keys: list[tuple[str, str]]) -> tuple[Painter, pygame.Rect]:
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    header = title(p, heading)
    strip = hints(p, keys)
    body = pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad,
                       strip.top - header.bottom - p.pad)
    return p, body


def _rows(p: Painter, box: pygame.Rect, rows: list[tuple[str, str]], cursor: int) -> None:
    """A list with the cursor's row highlighted, scrolled so the cursor is on screen."""
    row_h = max(p.px(theme.BODY) + p.pad // 2, p.px(0.11))
    fits = max(1, box.height // row_h)
    cursor = max(0, min(cursor, len(rows) - 1))
    first = min(max(0, cursor - fits + 1), max(0, len(rows) - fits))
    px = round(row_h * 0.68)
    for i, (left, right) in enumerate(rows[first:first + fits]):
        row = pygame.Rect(box.left, box.top + i * row_h, box.width, row_h - max(2, p.pad // 4))
        chosen = first + i == cursor
        if chosen:
            pygame.draw.rect(p.surface, theme.PANEL_HI, row, border_radius=row.height // 4)
            pygame.draw.rect(p.surface, theme.SKY, (row.left, row.top, max(4, p.pad // 3), row.height),
                             border_radius=2)
        inner = row.inflate(-2 * p.pad, 0)
        right_w = 0
        if right:
            rpx = p.fit_px(right, px, inner.width // 2)
            right_w = p.line(right, rpx, theme.TEXT if chosen else theme.MUTED, inner,
                             align="right").width + p.pad
        p.line(left, px, theme.TEXT, pygame.Rect(inner.left, inner.top, inner.width - right_w,
                                                 inner.height))
    if len(rows) > fits:
        _scrollbar(p, box, first, fits, len(rows))


def _scrollbar(p: Painter, box: pygame.Rect, first: int, fits: int, total: int) -> None:
    w = max(3, p.pad // 4)
    track = pygame.Rect(box.right + p.pad // 2 - w, box.top, w, box.height)
    pygame.draw.rect(p.surface, theme.TRACK, track, border_radius=w // 2)
    thumb_h = max(w * 2, track.height * fits // total)
    top = track.top + (track.height - thumb_h) * first // max(1, total - fits)
    pygame.draw.rect(p.surface, theme.MUTED, (track.left, top, w, thumb_h), border_radius=w // 2)
