"""Menu screens: the menu, History, the athlete picker, name entry, settings, the learning plan.

Why lists with one highlighted row: the box has two buttons and no touch, so
every menu works the same way: B moves the highlight, A takes it. The hints
line at the bottom says so on every screen, and while a set runs behind a
menu the title says so (a red dot and "set running"): the set is being
recorded and cued, and Back returns to it.
"""
from __future__ import annotations

import time

import pygame

from device.view.model import ViewModel, plural
from device.view.naming import WHEEL, wheel_item
from device.view.navigation import MENU_ITEMS, SETTINGS_ITEMS, athlete_rows, plan_rows
from ui import theme
from ui.draw import Painter, aa_circle, hints, title
from ui.planwords import STAGE_WORDS
from ui.scene import whole
from ui.text import elide, text_width

SCHEDULE_WORDS = {"plan": "plan (auto)", "every": "every rep", "faded": "fading", "bandwidth": "big errors",
                  "retention": "off (test)"}
SETTING_LABELS = {"schedule": "Feedback", "mute": "Sound", "volume": "Volume",
                  "sensitivity": "Sensitivity", "dip_note": "Shallow dips", "back": "Back"}


def draw_menu(p: Painter, vm: ViewModel) -> None:
    body = _frame(p, vm, "Menu", [("B", "next"), ("A", "choose")])
    _rows(p, body, [(label, "") for _, label in MENU_ITEMS], vm.menu.cursor)


def draw_athletes(p: Painter, vm: ViewModel) -> None:
    body = _frame(p, vm, "Athlete", [("B", "next"), ("A", "choose")])
    note = "Names: athletes.csv on a stick"
    rows_box = pygame.Rect(body.left, body.top, body.width, body.height - p.min_px - p.pad // 2)
    rows = [(label, "now" if kind == "pick" and label == vm.athlete else "")
            for kind, label in athlete_rows(vm)]
    _rows(p, rows_box, rows, vm.menu.cursor)
    p.paragraph(note, pygame.Rect(body.left, rows_box.bottom + p.pad // 2, body.width, p.min_px),
                p.min_px, theme.MUTED, max_lines=1)


def draw_name(p: Painter, vm: ViewModel) -> None:
    """Typing a name: the name so far, large, and the wheel around the letter A would type."""
    heading = f"Rename {vm.menu.renaming}" if vm.menu.renaming else "New athlete"
    body = _frame(p, vm, heading, [("B", "next letter"), ("A", "type it")])
    big = p.cap(theme.BIG_CAP)
    field = pygame.Rect(body.left, body.top, body.width, big + p.pad)
    pygame.draw.rect(p.surface, theme.PANEL, field, border_radius=p.pad // 2)
    text = vm.menu.text
    shown = p.line(text + "_", big, theme.TEXT, field.inflate(-p.pad, 0))
    p.boxes["name"] = shown
    wheel = pygame.Rect(body.left, field.bottom + p.pad, body.width, body.bottom - field.bottom - p.pad)
    _wheel(p, wheel, text, vm.menu.cursor)


def _wheel(p: Painter, box: pygame.Rect, text: str, cursor: int) -> None:
    """The item A types, large and boxed, with the next few beside it (B brings them)."""
    px = p.cap(theme.BIG_CAP)
    item = wheel_item(text, cursor)
    cap_w = max(text_width(item, px) + p.pad * 2, px)
    cap = pygame.Rect(box.left, box.top, cap_w, px + p.pad)
    pygame.draw.rect(p.surface, theme.TEXT, cap, border_radius=p.pad // 2)
    p.text(item, px, theme.BACKGROUND, center=cap.center)
    p.boxes["wheel"] = cap
    x = cap.right + p.pad
    for k in range(1, len(WHEEL)):
        nxt = wheel_item(text, cursor + k)
        w = text_width(nxt, p.min_px)
        if x + w > box.right:
            break
        p.text(nxt, p.min_px, theme.MUTED, midleft=(x, cap.centery))
        x += w + p.pad


def draw_settings(p: Painter, vm: ViewModel) -> None:
    body = _frame(p, vm, "Settings", [("B", "next"), ("A", "change")])
    s = vm.settings
    values = {"schedule": SCHEDULE_WORDS.get(s.schedule, s.schedule), "mute": "muted" if s.mute else "on",
              "volume": f"{round(s.volume * 100)}%", "sensitivity": s.sensitivity,
              "dip_note": "said" if s.dip_note else "silent", "back": ""}
    _rows(p, body, [(SETTING_LABELS[k], values[k]) for k in SETTINGS_ITEMS], vm.menu.cursor)


def draw_plan(p: Painter, vm: ViewModel) -> None:
    """The coach's plan screen: the stages (the athlete's marked "now"), the depth target, and
    what the stage means or, once mastered, the suggested next step."""
    body = _frame(p, vm, f"Plan {vm.athlete}".strip(), [("B", "next"), ("A", "set")])
    plan = vm.plan
    rows = [_plan_row(kind, value, plan.stage) for kind, value in plan_rows(vm)]
    note = plan.advice + (" Feedback is set by hand in Settings: the plan waits." if plan.by_hand else "")
    lines = 2 if len(rows) > 1 else 4
    note_h = lines * round(p.min_px * 1.05)
    rows_box = pygame.Rect(body.left, body.top, body.width, body.height - note_h - p.pad // 2)
    _rows(p, rows_box, rows, vm.menu.cursor)
    p.paragraph(note, pygame.Rect(body.left, rows_box.bottom + p.pad // 2, body.width, note_h), p.min_px,
                theme.SKY, max_lines=lines)


def _plan_row(kind: str, value: str, stage: str) -> tuple[str, str]:
    """A Plan screen row as (label, value shown on the right)."""
    if kind == "stage":
        return STAGE_WORDS.get(value, value), "now" if value == stage else ""
    if kind == "target":
        return "Depth target", f"{value}°"
    return "Back", ""


def draw_history(p: Painter, vm: ViewModel) -> None:
    body = _frame(p, vm, f"History {vm.athlete}".strip(), [("B", "next"), ("A", "open")])
    rows = [("Back", "")] + [history_row(h) for h in vm.history]
    if vm.history_more and vm.history:
        rows.append(("Older sets", ""))
    _rows(p, body, rows, vm.menu.cursor)
    if vm.history_loading or not vm.history:
        y = body.top + _row_height(p) * (1 if vm.history_loading else len(rows))
        empty = f"No sets yet for {vm.athlete}." if vm.athlete else "No sets yet."
        p.paragraph("Reading the sets..." if vm.history_loading else empty,
                    pygame.Rect(body.left, y, body.width, max(0, body.bottom - y)), p.min_px, theme.MUTED)


# What each menu shows of the model: a menu is redrawn when one of these changed (a press,
# the set behind it starting or ending, the export), not at every tilt of a set behind it.
BEHIND = ("appliance", "export")  # the title's right side: a set running, the USB export
MENU = whole(draw_menu, "menu", *BEHIND)
ATHLETES = whole(draw_athletes, "menu", "athletes", "athlete", *BEHIND)
NAME = whole(draw_name, "menu", *BEHIND)
SETTINGS = whole(draw_settings, "menu", "settings", *BEHIND)
HISTORY = whole(draw_history, "menu", "history", "history_more", "history_loading", "athlete", *BEHIND)
PLAN = whole(draw_plan, "menu", "plan", "athlete", *BEHIND)


def history_row(h: dict) -> tuple[str, str]:
    """("Set 12  Tue 14:05", "8 reps 6 clean") from a row of the store's athlete history.

    >>> history_row({"number": 3, "started_at": None, "reps": 1, "clean_reps": 0})
    ('Set 3', '1 rep 0 clean')
    """
    when = h.get("started_at")
    stamp = time.strftime("%a %H:%M", time.localtime(when)) if isinstance(when, (int, float)) else ""
    left = f"Set {h.get('number') or '?'}" + (f"  {stamp}" if stamp else "")
    return left, f"{plural(int(h.get('reps') or 0), 'rep')} {h.get('clean_reps') or 0} clean"


def status_note(vm: ViewModel) -> str:
    """What the title's right side says behind a menu: a set running, or the USB export."""
    if vm.set_running:
        return "set running"
    if vm.export.state == "writing":
        return "USB: writing"
    if vm.export.state == "done":
        return "USB: done"
    return ""


def _frame(p: Painter, vm: ViewModel, heading: str, keys: list[tuple[str, str]]) -> pygame.Rect:
    """Title (with what runs behind the menu), key hints; the body's rect between them."""
    note = status_note(vm)
    header = title(p, heading, note)
    if vm.set_running:  # the mark: a red dot before the words, shape and colour
        r = max(4, p.min_px // 4)
        words = [t for t in p.texts if t.text.startswith("set running")]
        if words:
            x = words[-1].rect.left - r - p.pad // 2
            aa_circle(p.surface, theme.VERMILLION, (x, words[-1].rect.centery), r)
            p.boxes["running"] = pygame.Rect(x - r, words[-1].rect.centery - r, 2 * r + 1, 2 * r + 1)
    strip = hints(p, keys)
    return pygame.Rect(p.pad, header.bottom + p.pad // 2, p.w - 2 * p.pad,
                       strip.top - header.bottom - p.pad)


def _row_height(p: Painter) -> int:
    return p.min_px + p.pad


def _rows(p: Painter, box: pygame.Rect, rows: list[tuple[str, str]], cursor: int) -> None:
    """A list with the cursor's row highlighted, scrolled so the cursor is on screen."""
    row_h = _row_height(p)
    fits = max(1, box.height // row_h)
    cursor = max(0, min(cursor % max(1, len(rows)), len(rows) - 1))
    first = min(max(0, cursor - fits + 1), max(0, len(rows) - fits))
    px = p.min_px
    for i, (left, right) in enumerate(rows[first:first + fits]):
        row = pygame.Rect(box.left, box.top + i * row_h, box.width - p.pad, row_h - max(2, p.pad // 4))
        chosen = first + i == cursor
        if chosen:
            pygame.draw.rect(p.surface, theme.PANEL_HI, row, border_radius=row.height // 4)
            pygame.draw.rect(p.surface, theme.SKY, (row.left, row.top, max(4, p.pad // 3), row.height),
                             border_radius=2)
        inner = row.inflate(-p.pad, 0)
        right_w = 0
        if right:
            shown = elide(right, px, inner.width // 2)
            right_w = p.line(shown, px, theme.TEXT if chosen else theme.MUTED, inner,
                             align="right").width + p.pad
        p.line(left, px, theme.TEXT, pygame.Rect(inner.left, inner.top, inner.width - right_w,
                                                 inner.height))
    if len(rows) > fits:
        _scrollbar(p, box, first, fits, len(rows))


def _scrollbar(p: Painter, box: pygame.Rect, first: int, fits: int, total: int) -> None:
    w = max(3, p.pad // 3)
    track = pygame.Rect(box.right - w, box.top, w, box.height)
    pygame.draw.rect(p.surface, theme.TRACK, track, border_radius=w // 2)
    thumb_h = max(w * 2, track.height * fits // total)
    top = track.top + (track.height - thumb_h) * first // max(1, total - fits)
    pygame.draw.rect(p.surface, theme.MUTED, (track.left, top, w, thumb_h), border_radius=w // 2)
