"""Drawing helpers shared by the screens: text that fits, markers, bars, rings, hints.

Why a `Painter`: every screen must fit any resolution without text running
off the edge or into other text, and stay readable from two metres. The
painter sizes type by the height of its capital letters as a fraction of
the screen height (ui/theme.py), never draws type below the screen's
minimum, elides what does not fit ("...") instead of shrinking it, and
records where each piece of text (with its size) and each contact marker
went, so the tests check real positions, sizes and pixels instead of
trusting the layout arithmetic.

Type itself (fonts, rendered words, measuring and laying out text, all
cached) is ui/text.py.

    >>> import pygame
    >>> p = Painter(pygame.Surface((480, 320)))
    >>> r = p.text("Ready", 30, (255, 255, 255), topleft=(10, 10))
    >>> r.height <= 30 and p.texts[0][0] == "Ready"
    True
"""
from __future__ import annotations

import math
from typing import Iterable, NamedTuple, Sequence

import pygame
import pygame.gfxdraw

from ui import theme
from ui.text import MIN_PX, elide, paragraph_layout, px_for_cap, rendered, text_width
# Type's helpers were here before ui/text.py; code written against that still imports them from here.
from ui.text import ELLIPSIS as ELLIPSIS, balanced_wrap as balanced_wrap, cap_height as cap_height  # noqa: E402
from ui.text import font as font, wrap as wrap  # noqa: E402
from ui.theme import Colour


class Marker(NamedTuple):
    """Where a contact marker went: its centre, radius, state and the box it covers."""

    centre: tuple[int, int]
    r: int
    state: str
    rect: pygame.Rect


class Placed(NamedTuple):
    """A piece of text as drawn: its words, where, and its line height (for its cap height)."""

    text: str
    rect: pygame.Rect
    px: int


class Painter:
    """Draws on one surface and remembers where every text and marker went."""

    def __init__(self, surface: pygame.Surface) -> None:
        self.surface = surface
        self.rect = surface.get_rect()
        self.w, self.h = surface.get_size()
        # Type is sized on the whole screen's height, also when this draws on part of it (a
        # screen below the storage banner): a banner never makes anything smaller to read.
        self.type_h = surface.get_abs_parent().get_height()
        self.pad = max(4, round(self.type_h * theme.PAD))
        self.min_px = self.cap(theme.TEXT_CAP)  # no text a person must read is smaller
        self.texts: list[Placed] = []
        self.markers: dict[str, Marker] = {}
        self.boxes: dict[str, pygame.Rect] = {}

    def cap(self, frac: float) -> int:
        """The line height for capitals `frac` of the screen height tall (at least the minimum)."""
        px = px_for_cap(self.type_h * frac)
        return max(px, getattr(self, "min_px", MIN_PX))

    # -- text ------------------------------------------------------------------------------
    def text(self, text: str, px: int, colour: Colour, **anchor: Sequence[int] | int) -> pygame.Rect:
        """Blit one line; `anchor` is one pygame.Rect position, e.g. midleft=(x, y)."""
        surf = rendered(text, px, colour)
        rect = surf.get_rect(**anchor)
        self.surface.blit(surf, rect)
        self.texts.append(Placed(text, rect, px))
        return rect

    def fits(self, text: str, px: int, width: int) -> bool:
        return text_width(text, px) <= width

    def line(self, text: str, px: int, colour: Colour, box: pygame.Rect,
             align: str = "left") -> pygame.Rect:
        """One line at `px` (never below the minimum), elided to `box`'s width, placed by `align`."""
        px = max(px, self.min_px)
        text = elide(text, px, box.width)
        if align == "center":
            return self.text(text, px, colour, center=box.center)
        if align == "right":
            return self.text(text, px, colour, midright=box.midright)
        return self.text(text, px, colour, midleft=box.midleft)

    def layout_paragraph(self, text: str, box: pygame.Rect, px: int, max_lines: int = 3,
                         spacing: float = 1.05) -> tuple[int, list[str]]:
        """The largest size from `px` down to the minimum whose wrap fits `box`; else the
        minimum, with the lines that fit and the last one elided."""
        size, lines = paragraph_layout(text, box.width, box.height, px, self.min_px, max_lines, spacing)
        return size, list(lines)

    def paragraph(self, text: str, box: pygame.Rect, px: int, colour: Colour,
                  max_lines: int = 3, align: str = "left", valign: str = "top",
                  spacing: float = 1.05) -> list[pygame.Rect]:
        """Wrapped text, as large as fits `box` up to `px`, never below the minimum."""
        size, lines = self.layout_paragraph(text, box, max(px, self.min_px), max_lines, spacing)
        step = round(size * spacing)
        tall = step * (len(lines) - 1) + size
        y = box.top if valign == "top" else box.centery - tall // 2
        rects = []
        for s in lines:
            anchor = {"left": {"topleft": (box.left, y)}, "center": {"midtop": (box.centerx, y)},
                      "right": {"topright": (box.right, y)}}[align]
            rects.append(self.text(s, size, colour, **anchor))
            y += step
        return rects

    # -- shapes ----------------------------------------------------------------------------
    def moved(self, dy: int) -> "Painter":
        """What was drawn on a part of the screen `dy` pixels down, in the screen's coordinates."""
        self.texts = [Placed(t.text, t.rect.move(0, dy), t.px) for t in self.texts]
        self.markers = {k: Marker((m.centre[0], m.centre[1] + dy), m.r, m.state, m.rect.move(0, dy))
                        for k, m in self.markers.items()}
        self.boxes = {k: r.move(0, dy) for k, r in self.boxes.items()}
        return self

    def marker(self, name: str, centre: tuple[int, int], r: int, state: str) -> pygame.Rect:
        """A contact marker: its state is told by shape and colour (colour-blind safe)."""
        rect = draw_marker(self.surface, centre, r, state)
        self.markers[name] = Marker(centre, r, state, rect)
        return rect


def _aa_polygon(surface: pygame.Surface, colour: Colour, points: Sequence[tuple[float, float]]) -> None:
    pts = [(round(x), round(y)) for x, y in points]
    pygame.gfxdraw.filled_polygon(surface, pts, colour)
    pygame.gfxdraw.aapolygon(surface, pts, colour)


def aa_circle(surface: pygame.Surface, colour: Colour, centre: tuple[int, int], r: int) -> None:
    """A filled circle with a smooth edge."""
    x, y = centre
    pygame.gfxdraw.filled_circle(surface, x, y, r, colour)
    pygame.gfxdraw.aacircle(surface, x, y, r, colour)


def thick_line(surface: pygame.Surface, colour: Colour, a: tuple[float, float],
               b: tuple[float, float], width: float) -> None:
    """A line `width` thick with square ends, as a smooth polygon (pygame's lines are jagged)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy) or 1.0
    ox, oy = -dy / n * width / 2, dx / n * width / 2
    _aa_polygon(surface, colour, [(a[0] + ox, a[1] + oy), (b[0] + ox, b[1] + oy),
                                  (b[0] - ox, b[1] - oy), (a[0] - ox, a[1] - oy)])


def round_line(surface: pygame.Surface, colour: Colour, a: tuple[float, float],
               b: tuple[float, float], width: float) -> None:
    """A thick line with round ends (limbs, the dowel)."""
    thick_line(surface, colour, a, b, width)
    r = max(1, round(width / 2))
    aa_circle(surface, colour, (round(a[0]), round(a[1])), r)
    aa_circle(surface, colour, (round(b[0]), round(b[1])), r)


HALO = 1.35  # the dark ring around a marker, as a multiple of its radius


def draw_marker(surface: pygame.Surface, centre: tuple[int, int], r: int, state: str) -> pygame.Rect:
    """Filled circle = in contact; X = lost; triangle with "!" = sensor fault; ring = waiting.

    A dark halo first, so the shape stands clear of the figure and the dowel.
    Returns the halo's bounding box (all the marker covers).
    """
    x, y = centre
    aa_circle(surface, theme.BACKGROUND, centre, round(r * HALO))
    colour = theme.STATE_COLOURS.get(state, theme.MUTED)
    if state == "in_contact":
        aa_circle(surface, colour, centre, r)
    elif state == "lost":
        arm, width = r * 0.8, max(3.0, r * 0.32)
        thick_line(surface, colour, (x - arm, y - arm), (x + arm, y + arm), width)
        thick_line(surface, colour, (x - arm, y + arm), (x + arm, y - arm), width)
    elif state == "sensor_fault":
        _aa_polygon(surface, colour, [(x, y - 1.15 * r), (x + 1.1 * r, y + 0.78 * r),
                                      (x - 1.1 * r, y + 0.78 * r)])
        _exclamation(surface, x, y, r)
    else:
        ring = max(2, round(r * 0.28))
        aa_circle(surface, colour, centre, r)
        aa_circle(surface, theme.BACKGROUND, centre, r - ring)
    h = round(r * HALO)
    return pygame.Rect(x - h, y - h, 2 * h + 1, 2 * h + 1)


def _exclamation(surface: pygame.Surface, x: int, y: int, r: int) -> None:
    """The "!" of the fault triangle, in the background colour: a stroke and a dot."""
    w = max(2, round(r * 0.26))
    left = x - w // 2
    top, stroke_end = y - round(r * 0.6), y + round(r * 0.12)
    dot_top, dot_end = y + max(round(r * 0.32), round(r * 0.12) + 1), y + round(r * 0.58)
    pygame.draw.rect(surface, theme.BACKGROUND, (left, top, w, stroke_end - top + 1))
    pygame.draw.rect(surface, theme.BACKGROUND, (left, dot_top, w, max(2, dot_end - dot_top + 1)))


def bar(surface: pygame.Surface, rect: pygame.Rect, fill: float, colour: Colour,
        tick: float | None = None) -> None:
    """A rounded pressure bar; `tick` marks a reference (standing, or the touching threshold)."""
    radius = rect.height // 2
    pygame.draw.rect(surface, theme.TRACK, rect, border_radius=radius)
    w = round(rect.width * max(0.0, min(1.0, fill)))
    if w > 0:
        pygame.draw.rect(surface, colour, (rect.left, rect.top, max(w, rect.height), rect.height),
                         border_radius=radius)
    if tick is not None:
        x = rect.left + round(rect.width * tick)
        pygame.draw.line(surface, theme.TEXT, (x, rect.top - 2), (x, rect.bottom + 1), 2)


def arc_band(surface: pygame.Surface, colour: Colour, centre: tuple[float, float], r_out: float,
             r_in: float, a0: float, a1: float) -> None:
    """A thick arc between angles a0..a1 (radians, clockwise from 12 o'clock), smooth."""
    if a1 <= a0:
        return
    n = max(2, int((a1 - a0) * r_out / 6) + 2)
    angles = [a0 + (a1 - a0) * i / (n - 1) for i in range(n)]
    cx, cy = centre
    outer = [(cx + r_out * math.sin(a), cy - r_out * math.cos(a)) for a in angles]
    inner = [(cx + r_in * math.sin(a), cy - r_in * math.cos(a)) for a in reversed(angles)]
    _aa_polygon(surface, colour, outer + inner)


def check_mark(surface: pygame.Surface, centre: tuple[int, int], r: int, colour: Colour) -> None:
    """A tick in a filled circle: done, safe."""
    x, y = centre
    aa_circle(surface, colour, centre, r)
    w = max(3.0, r * 0.2)
    round_line(surface, theme.BACKGROUND, (x - 0.45 * r, y + 0.02 * r), (x - 0.12 * r, y + 0.35 * r), w)
    round_line(surface, theme.BACKGROUND, (x - 0.12 * r, y + 0.35 * r), (x + 0.5 * r, y - 0.35 * r), w)


def hints(p: Painter, items: Iterable[tuple[str, str]], y_bottom: int | None = None) -> pygame.Rect:
    """Key caps along the bottom: ("A", "start set"), ...; items that do not fit are left out.

    Returns the strip's rect (its top is where the screen's content must end).
    """
    px = p.min_px
    cap_h = round(px * 1.2)
    bottom = p.h - p.pad // 2 if y_bottom is None else y_bottom
    strip = pygame.Rect(0, bottom - cap_h, p.w, cap_h)
    x = p.pad
    for key, label in items:
        key_w = max(cap_h, text_width(key, px) + px // 2)
        need = key_w + px // 3 + text_width(label, px)
        if x + need > p.w - p.pad:
            break
        cap = pygame.Rect(x, strip.top, key_w, cap_h)
        pygame.draw.rect(p.surface, theme.TEXT, cap, border_radius=cap_h // 4)
        p.text(key, px, theme.BACKGROUND, center=cap.center)
        p.text(label, px, theme.MUTED, midleft=(cap.right + px // 3, cap.centery))
        x += need + px
    return strip


def title(p: Painter, text: str, right: str = "") -> pygame.Rect:
    """The screen's title line (and a muted note on the right, elided); returns the header's rect."""
    px = p.cap(theme.TITLE_CAP)
    header = pygame.Rect(p.pad, p.pad // 2, p.w - 2 * p.pad, round(px * 1.1))
    right_w = 0
    if right:
        rpx = p.min_px
        shown = elide(right, rpx, header.width * 2 // 5)
        right_w = text_width(shown, rpx) + p.pad
        p.text(shown, rpx, theme.MUTED, midright=header.midright)
    p.line(text, px, theme.TEXT, pygame.Rect(header.left, header.top, header.width - right_w,
                                             header.height))
    return header
