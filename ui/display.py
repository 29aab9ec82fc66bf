"""The screen: a window on a desktop, full screen through KMS/DRM on the Pi, or off-screen.

Why it only draws when the view model changed: the Pi Zero 2 W shares its
CPU with the sampler, and a frame nobody can tell from the last is wasted
work. `show(vm)` compares the model with the one on screen (equal models draw
equal frames; the builder quantises live values so a steady scene is equal),
draws at most 30 frames a second, and otherwise returns at once. Drawing
happens only on the thread that made the Display (the main loop), as SDL
requires; buttons and the sampler post events instead.

    >>> d = Display(size=(320, 240), headless=True)
    >>> from device.view.model import ViewModel
    >>> d.show(ViewModel()), d.show(ViewModel())
    (True, False)
    >>> d.close()
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable, MutableMapping

import pygame

from device.view.model import CUES, RepView, ViewModel
from ui.keys import word_for
from ui.render import RENDERERS, render

WINDOW_SIZE = (800, 480)
HEADLESS_SIZE = (480, 320)
FPS = 30.0
KEY_REPEAT_MS = (300, 60)


def choose_driver(environ: MutableMapping[str, str] | None = None,
                  dri_exists: Callable[[], bool] = lambda: os.path.isdir("/dev/dri")) -> bool:
    """Pick kmsdrm on a console with no desktop; True when that means full screen.

    Sets SDL_VIDEODRIVER=kmsdrm only when nobody chose a driver, there is no
    X or Wayland display, and the kernel offers DRM (/dev/dri): a Pi running
    Raspberry Pi OS Lite as a service.

    >>> env = {}
    >>> choose_driver(env, lambda: True), env
    (True, {'SDL_VIDEODRIVER': 'kmsdrm'})
    >>> choose_driver({"DISPLAY": ":0"}, lambda: True)
    False
    """
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    if env.get("SDL_VIDEODRIVER"):
        return env["SDL_VIDEODRIVER"] == "kmsdrm"
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or not dri_exists():
        return False
    env["SDL_VIDEODRIVER"] = "kmsdrm"
    return True


def warm_up(size: tuple[int, int]) -> None:
    """Draw every screen once off-screen, so fonts load now and not in the middle of a set.

    Loading a font is a C call that holds the GIL for a millisecond or more;
    done before the sampler starts, it cannot delay a sample.
    """
    scratch = pygame.Surface(size)
    rep = RepView(1, 60.0, 1.0, 0.4, 0.9, ("sacrum",))
    for screen in RENDERERS:
        render(ViewModel(screen=screen), scratch)
    for contact in CUES:
        render(ViewModel(screen="live", reps=12, clean_reps=10, cues=(contact,),
                         pitch_deg=48.0, has_imu=True), scratch)
    render(ViewModel(screen="live", reps=8, last_rep=rep, pitch_deg=5.0, has_imu=True), scratch)


class Display:
    """Owns the pygame window (or off-screen surface); `pump()` for input, `show(vm)` to draw."""

    def __init__(self, size: tuple[int, int] | None = None, fullscreen: bool = False,
                 headless: bool = False, fps: float = FPS, title: str = "smartdowel",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.headless = headless
        self.period = 1.0 / fps if fps > 0 else 0.0
        self.clock = clock
        self._thread = threading.get_ident()
        self._shown: ViewModel | None = None
        self._last_frame = -1e9
        self.frames = 0
        self.last_render_s = 0.0
        if headless:
            pygame.font.init()
            self.surface = pygame.Surface(size or HEADLESS_SIZE)
            warm_up(self.size)
            return
        fullscreen = choose_driver() or fullscreen
        pygame.display.init()
        pygame.font.init()
        if fullscreen:
            self.surface = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
        else:
            self.surface = pygame.display.set_mode(size or WINDOW_SIZE, pygame.RESIZABLE)
        pygame.display.set_caption(title)
        pygame.key.set_repeat(*KEY_REPEAT_MS)
        warm_up(self.size)

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

    def pump(self) -> list[str]:
        """Words for the key presses and window events since the last call ("a", "quit", ...)."""
        if self.headless:
            return []
        words = []
        for event in pygame.event.get():
            if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED, pygame.WINDOWEXPOSED):
                self.surface = pygame.display.get_surface()
                self._shown = None  # redraw at the new size
            word = word_for(event)
            if word is not None:
                words.append(word)
        return words

    def show(self, vm: ViewModel) -> bool:
        """Draw `vm` if it differs from the frame on screen and a frame is due; True if drawn."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("Display.show() must run on the thread that created the Display")
        if vm is self._shown or vm == self._shown:
            return False
        now = self.clock()
        if now - self._last_frame < self.period:
            return False  # the next call draws it (the model still differs)
        start = time.perf_counter()
        render(vm, self.surface)
        if not self.headless:
            pygame.display.flip()
        self.last_render_s = time.perf_counter() - start
        self._shown, self._last_frame = vm, now
        self.frames += 1
        return True

    def save(self, path: str) -> None:
        """The frame on screen as a PNG (screenshots, bug reports)."""
        pygame.image.save(self.surface, path)

    def close(self) -> None:
        """Close the window (safe to call twice); fonts stay for off-screen rendering."""
        if not self.headless and pygame.display.get_init():
            pygame.display.quit()


def open_display(size: tuple[int, int] | None = None,
                 fullscreen: bool = False) -> tuple[Display | None, str]:
    """A window if one can be opened, else (None, why): the appliance then runs headless.

    A box with no desktop and no DRM device, or an SSH session, has no screen;
    that is not a reason to stop counting reps and cueing.
    """
    env = os.environ
    if not (choose_driver() or env.get("SDL_VIDEODRIVER") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        # SDL would draw off-screen for nobody (at several times the CPU of --headless)
        return None, "no screen (no DISPLAY, no WAYLAND_DISPLAY, no console display): running headless"
    try:
        display = Display(size=size, fullscreen=fullscreen)
    except pygame.error as exc:
        return None, f"no screen ({os.environ.get('SDL_VIDEODRIVER') or 'default'} driver): {exc}"
    w, h = display.size
    return display, f"screen {w}x{h} ({pygame.display.get_driver()})"
