"""Status screens: the USB export (progress, "safe to remove") and a sensor fault.

Why separate screens: pulling a stick out mid-write loses the logs, so the
export says plainly when it is safe; and a sensor that lies would make every
cue wrong, so the fault screen names the sensor and the one thing to check,
in words an athlete can act on without a manual.
"""
from __future__ import annotations

import pygame

from device.view.model import ViewModel
from ui import theme
from ui.draw import Painter, bar, check_mark, draw_marker, hints, title

EXPORT_WORDS = {
    "idle": ("Plug in a USB stick", "The new sets go to it: CSV, JSON and a chart each."),
    "waiting": ("Plug in a USB stick", "The new sets are written as soon as one is in."),
    "writing": ("Writing...", "Do not remove the stick."),
    "done": ("Safe to remove", "All sets are on the stick."),
    "error": ("Export stopped", "Check the stick and try again."),
}


def render_export(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Export progress, then a large "safe to remove" with a tick."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    header = title(p, "Export to USB")
    strip = hints(p, [("A", "back")])
    body = pygame.Rect(p.pad, header.bottom + p.pad, p.w - 2 * p.pad, strip.top - header.bottom - 2 * p.pad)
    e = vm.export
    headline, detail = EXPORT_WORDS.get(e.state, EXPORT_WORDS["idle"])
    detail = e.message or detail
    big = p.cap(theme.BIG_CAP)
    lines = 2 + bool(vm.notice)
    icon = max(0, min(round(body.width * 0.3), body.height - big - lines * p.min_px - 2 * p.pad))
    _export_icon(p, vm, pygame.Rect(body.left, body.top, body.width, icon))
    y = body.top + icon + p.pad // 2
    head = p.line(headline, big, theme.GREEN if e.state == "done" else theme.TEXT,
                  pygame.Rect(body.left, y, body.width, big), align="center")
    rest = pygame.Rect(body.left, head.bottom + p.pad // 2, body.width, body.bottom - head.bottom - p.pad // 2)
    said = p.paragraph(detail, rest, p.min_px, theme.MUTED, max_lines=2, align="center")
    if vm.notice and said:
        below = pygame.Rect(body.left, said[-1].bottom + p.pad // 2, body.width, p.min_px)
        if below.bottom <= body.bottom:
            p.line(vm.notice, p.min_px, theme.ORANGE, below, align="center")
    return p


def _export_icon(p: Painter, vm: ViewModel, box: pygame.Rect) -> None:
    """A tick when done, a fault triangle on error, the progress bar while writing, else a stick."""
    e = vm.export
    icon = box.height
    centre = box.center
    if icon < 8:
        return
    if e.state == "done":
        check_mark(p.surface, centre, icon // 2, theme.GREEN)
    elif e.state == "error":
        draw_marker(p.surface, centre, round(icon * 0.42), "sensor_fault")
    elif e.state == "writing":
        track = pygame.Rect(box.left + box.width // 10, centre[1] - icon // 8, box.width * 8 // 10,
                            max(8, icon // 4))
        bar(p.surface, track, e.progress, theme.SKY)
        p.boxes["progress"] = track
    else:
        _usb_icon(p, centre, icon)


def _usb_icon(p: Painter, centre: tuple[int, int], size: int) -> None:
    """A USB stick outline: body and plug."""
    x, y = centre
    w, h = round(size * 0.42), round(size * 0.62)
    body = pygame.Rect(x - w // 2, y - h // 2 + size // 8, w, h)
    plug = pygame.Rect(x - w // 3, body.top - size // 4, 2 * w // 3, size // 4)
    pygame.draw.rect(p.surface, theme.MUTED, body, border_radius=max(2, w // 6))
    pygame.draw.rect(p.surface, theme.MUTED, plug, max(2, size // 30))


def render_fault(vm: ViewModel, surface: pygame.Surface) -> Painter:
    """Which sensor, what it does, what to check; A goes on without it."""
    p = Painter(surface)
    surface.fill(theme.BACKGROUND)
    faults = vm.open_faults or vm.faults
    header = title(p, "Check a sensor", f"{len(faults)} sensors" if len(faults) > 1 else "")
    strip = hints(p, [("A", "continue"), ("B", "menu")])
    body = pygame.Rect(p.pad, header.bottom + p.pad, p.w - 2 * p.pad, strip.top - header.bottom - 2 * p.pad)
    if not faults:
        p.paragraph("All sensors read normally.", body, p.min_px, theme.MUTED)
        return p
    f = faults[0]
    big = p.cap(theme.TITLE_CAP)
    icon = round(big * 1.1)
    mark = p.marker(f.sensor, (body.left + icon // 2, body.top + big // 2), round(icon * 0.4),
                    "sensor_fault")
    named = p.paragraph(f.label, pygame.Rect(body.left + icon + p.pad, body.top, body.width - icon - p.pad,
                                             round(big * 2.1)), big, theme.YELLOW, max_lines=2)
    head = named[-1] if named else pygame.Rect(body.left, body.top, 0, big)
    below = max(head.bottom, mark.bottom)
    what = p.paragraph(f.what[:1].upper() + f.what[1:] + ".", pygame.Rect(
        body.left, below + p.pad // 2, body.width, round(p.min_px * 2.2)),
        p.min_px, theme.TEXT, max_lines=2)
    top = what[-1].bottom + p.pad // 2 if what else head.bottom + p.pad
    p.paragraph(f.check, pygame.Rect(body.left, top, body.width, body.bottom - top),
                p.min_px, theme.MUTED, max_lines=4)
    return p
