"""The selftest's test pattern: colour bars, a grey ramp, a border and a cross, on any screen.

A missing colour is a loose DSI/HDMI lane, a missing border a wrong
resolution or overscan, a blurred cross a scaled mode. The selftest gets
`show_test_pattern` from the CLI and calls it: the only part of the
selftest that draws.
"""
from __future__ import annotations

import os
import time

import pygame

TEST_COLOURS = ((255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
                (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0))


def draw_test_pattern(surface: pygame.Surface) -> None:
    """Colour bars, a grey ramp, a white border and a centre cross: any size of screen.

    A missing colour is a loose DSI/HDMI lane, a missing border a wrong
    resolution or overscan, a blurred cross a scaled mode.
    """
    w, h = surface.get_size()
    bars_h = h * 2 // 3
    for i, colour in enumerate(TEST_COLOURS):
        x0, x1 = i * w // len(TEST_COLOURS), (i + 1) * w // len(TEST_COLOURS)
        surface.fill(colour, pygame.Rect(x0, 0, x1 - x0, bars_h))
    for x in range(w):
        grey = 255 * x // max(w - 1, 1)
        surface.fill((grey, grey, grey), pygame.Rect(x, bars_h, 1, h - bars_h))
    pygame.draw.rect(surface, (255, 255, 255), surface.get_rect(), 1)
    pygame.draw.line(surface, (255, 0, 0), (w // 2, h // 3), (w // 2, h * 5 // 6))
    pygame.draw.line(surface, (255, 0, 0), (w // 4, bars_h), (w * 3 // 4, bars_h))
    _label(surface, f"smartdowel selftest {w}x{h}")


def _label(surface: pygame.Surface, text: str) -> None:
    """The mode in words; a pattern without it is still a pattern (fonts may be missing)."""
    try:
        pygame.font.init()
        img = pygame.font.Font(None, max(16, surface.get_height() // 12)).render(text, True, (0, 0, 0),
                                                                                (255, 255, 255))
        surface.blit(img, img.get_rect(center=(surface.get_width() // 2, surface.get_height() // 3)))
    except (pygame.error, OSError):
        pass


def show_test_pattern(seconds: float) -> tuple[str, tuple[int, int]]:
    """Open the display SDL offers (kmsdrm on the Pi console), show the pattern `seconds`.

    Returns SDL's driver name and the size; pygame.error when no display opens."""
    try:
        pygame.display.init()
        fullscreen = os.environ.get("SDL_VIDEODRIVER") == "kmsdrm"
        surface = pygame.display.set_mode((0, 0) if fullscreen else (480, 320),
                                          pygame.FULLSCREEN if fullscreen else 0)
        driver = pygame.display.get_driver()
        draw_test_pattern(surface)
        pygame.display.flip()
        _pump(seconds)
        return driver, surface.get_size()
    finally:
        pygame.display.quit()


def _pump(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pygame.event.pump()
        time.sleep(0.02)

