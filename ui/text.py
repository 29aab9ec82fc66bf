"""Type: fonts, words rendered, and text measured and laid out, each worked out once.

Fonts are pygame's own bundled sans (bold), so nothing depends on what the
system has installed. Sizes are line heights in pixels; a screen asks for a
capital height (`px_for_cap`) and gets the line height that gives it.

Why everything here is cached: on a Pi Zero 2 W measuring text was a seventh
of a frame, and the same words are measured, elided, wrapped and laid out
again and again (a title, a key hint, the degrees under the gauge). Fonts,
rendered words and every measurement (widths, elided and wrapped lines,
paragraph layouts, sizes for a capital height) are kept, so text is laid out
once per content and a frame is mostly blits of surfaces made before.

    >>> elide("Maximiliane Alexandra", 30, 120).endswith("...")
    True
    >>> wrap("Hinge at the hips", 30, 160)
    ['Hinge at', 'the hips']
"""
from __future__ import annotations

from functools import lru_cache

import pygame

from ui.theme import Colour

_FONTS: dict[int, pygame.font.Font] = {}
_CAPS: dict[int, int] = {}
_TEXT_CACHE: dict[tuple[str, int, Colour], pygame.Surface] = {}
_TEXT_CACHE_MAX = 600
MIN_PX = 9  # below this no type is drawn on any screen
ELLIPSIS = "..."


def font(px: int) -> pygame.font.Font:
    """The bundled font whose line height is at most `px` pixels (and as close as it gets)."""
    px = max(MIN_PX, int(px))
    f = _FONTS.get(px)
    if f is None:
        if not pygame.font.get_init():
            pygame.font.init()
        size = int(px / 0.68) + 2
        f = pygame.font.Font(None, size)
        while f.size("Hg")[1] > px and size > 4:  # a rendered line is one taller than get_height()
            size -= 1
            f = pygame.font.Font(None, size)
        _FONTS[px] = f
    return f


def cap_height(px: int) -> int:
    """How tall a capital letter is, in pixels, at line height `px` (measured on the glyph)."""
    cap = _CAPS.get(px)
    if cap is None:
        cap = font(px).render("H", True, (255, 255, 255)).get_bounding_rect().height
        _CAPS[px] = cap
    return cap


@lru_cache(maxsize=256)
def px_for_cap(cap: float) -> int:
    """The smallest line height whose capitals are at least `cap` pixels tall."""
    px = max(MIN_PX, int(cap))
    while cap_height(px) < cap:
        px += 1
    return px


@lru_cache(maxsize=4096)
def text_width(text: str, px: int) -> int:
    """How wide `text` is at line height `px`, in pixels."""
    return font(px).size(text)[0]


@lru_cache(maxsize=2048)
def elide(text: str, px: int, width: int, middle: bool = False) -> str:
    """`text`, cut with "..." until it fits `width` at `px` (never made smaller).

    `middle` keeps both ends (a folder name whose end tells it from the others)."""
    f = font(px)
    if f.size(text)[0] <= width:
        return text
    if middle:
        half = len(text) // 2
        while half > 1:
            cut = text[:half // 2 + half % 2].rstrip() + ELLIPSIS + text[len(text) - half // 2:].lstrip()
            if f.size(cut)[0] <= width:
                return cut
            half -= 1
    words = text
    while words and f.size(words.rstrip() + ELLIPSIS)[0] > width:
        words = words[:-1]
    return words.rstrip() + ELLIPSIS if words else ELLIPSIS


def rendered(text: str, px: int, colour: Colour) -> pygame.Surface:
    """The text as an antialiased surface, cached (a frame redraws mostly the same words)."""
    key = (text, px, colour)
    surf = _TEXT_CACHE.get(key)
    if surf is None:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_MAX:
            _TEXT_CACHE.clear()
        surf = font(px).render(text, True, colour)
        _TEXT_CACHE[key] = surf
    return surf


def wrap(text: str, px: int, width: int) -> list[str]:
    """Greedy word wrap at `px`; a single word wider than `width` is elided in its middle."""
    return list(_wrap(text, px, width))


@lru_cache(maxsize=1024)
def _wrap(text: str, px: int, width: int) -> tuple[str, ...]:
    f = font(px)
    lines: list[str] = []
    line = ""
    for word in text.split():
        if f.size(word)[0] > width:
            word = elide(word, px, width, middle=True)
        trial = f"{line} {word}" if line else word
        if line and f.size(trial)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return tuple(lines)


def balanced_wrap(text: str, px: int, width: int) -> list[str]:
    """Wrap into as few lines as `wrap` would, but with lines of even length (no lone last word)."""
    lines = wrap(text, px, width)
    if len(lines) < 2:
        return lines
    lo, hi = 1, width
    while lo < hi:
        mid = (lo + hi) // 2
        if len(wrap(text, px, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return wrap(text, px, lo)


@lru_cache(maxsize=512)
def paragraph_layout(text: str, width: int, height: int, px: int, min_px: int, max_lines: int,
                     spacing: float) -> tuple[int, tuple[str, ...]]:
    """`Painter.layout_paragraph` for a box of `width` x `height`, worked out once per content."""
    floor = min(px, min_px) if px < min_px else min_px
    for size in range(max(px, floor), floor - 1, -1):
        lines = _wrap(text, size, width)
        widest = max((text_width(s, size) for s in lines), default=0)
        tall = round(size * spacing) * (len(lines) - 1) + size
        if len(lines) <= max_lines and tall <= height and widest <= width:
            return size, lines
    step = round(floor * spacing)
    room = max(1, min(max_lines, (height - floor) // max(1, step) + 1))
    cut = [elide(s, floor, width) for s in _wrap(text, floor, width)]
    if len(cut) > room:
        cut = cut[:room]
        cut[-1] = elide(cut[-1] + ELLIPSIS, floor, width)
    return floor, tuple(cut)
