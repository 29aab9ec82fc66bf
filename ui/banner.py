"""The storage banner: across the top of every screen while sets are not being saved.

Why on every screen: the box goes on cueing when the card is full or turns
read-only, so nothing else would tell a coach that the sets are not kept.
The banner names what is wrong and the one thing to do, in the title's size
(readable from two metres) on an orange band with a crossed-out record mark
(told by shape as well as colour); the screen itself is drawn below it, its
type the same size as ever (ui/draw.py sizes type on the whole screen). The
whole advice is the notice the screens show (device/view/storage.py).
"""
from __future__ import annotations

import pygame

from device.view.model import StorageView
from ui import theme
from ui.draw import Painter

INK = theme.BACKGROUND


def banner_height(surface: pygame.Surface, lines: int = 2) -> int:
    """The band's height on this screen: the headline, and (lines=2) the thing to do below it.

    One line on the live screen: the rep count and the cue keep their sizes there."""
    p = Painter(surface)
    return round(p.cap(theme.TITLE_CAP) * 1.05) + (round(p.min_px * 1.05) if lines > 1 else 0) + p.pad


def draw_banner(storage: StorageView, surface: pygame.Surface, height: int) -> Painter:
    """The band on the top `height` pixels of `surface` (the thing to do if there is room for it)."""
    p = Painter(surface)
    band = pygame.Rect(0, 0, p.w, height)
    pygame.draw.rect(surface, theme.ORANGE, band)
    title_px = p.cap(theme.TITLE_CAP)
    mark = round(title_px * 0.42)
    centre = (p.pad + mark, band.centery)
    _no_record(surface, centre, mark)
    left = centre[0] + mark + p.pad
    text = pygame.Rect(left, p.pad // 2, p.w - left - p.pad, height - p.pad)
    one_line = height < round(title_px * 1.05) + p.min_px + p.pad
    top = band.centery - round(title_px * 0.525) if one_line else text.top
    head = p.line(storage.headline, title_px, INK, pygame.Rect(text.left, top, text.width,
                                                                round(title_px * 1.05)))
    if head.bottom + p.min_px <= height:
        p.line(storage.action, p.min_px, INK, pygame.Rect(text.left, head.bottom, text.width,
                                                           round(p.min_px * 1.05)))
    p.boxes["storage_banner"] = band
    return p


def _no_record(surface: pygame.Surface, centre: tuple[int, int], r: int) -> None:
    """A record dot, crossed out: 'not recording' by shape, not only by colour."""
    pygame.draw.circle(surface, INK, centre, r, max(2, r // 4))
    pygame.draw.circle(surface, INK, centre, max(2, r // 2))
    d = round(r * 0.8)
    pygame.draw.line(surface, INK, (centre[0] - d, centre[1] + d), (centre[0] + d, centre[1] - d), max(2, r // 4))



