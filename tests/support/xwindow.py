"""The appliance in a real X window (Xvfb), pressed with real X key events, looked at in screenshots.

No test here: the journey (tests/system/test_journey.py) drives it. Keys go
through xdotool's XTEST (the same path as a keyboard), screenshots through
ImageMagick's `import`, and what the app did is read back from its event
lines (stdout), including the `screen` line it prints when the screen changes.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pygame
from support.shots import keep

from support.repo import REPO as ROOT
TOOLS = ("Xvfb", "xdotool", "import", "xwininfo")
SIZE = (480, 320)


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


class Xvfb:
    """A virtual X server on the first free display number from 90."""

    def __init__(self) -> None:
        for n in range(90, 140):
            if not os.path.exists(f"/tmp/.X{n}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{n}"):
                self.display = f":{n}"
                break
        else:
            raise RuntimeError("no free X display number")
        self.proc = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{self.display[1:]}"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"Xvfb {self.display} did not start")
            time.sleep(0.05)

    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class App:
    """`smartdowel run --window 480x320 --scenario manual` on the Xvfb, its event lines collected."""

    def __init__(self, x: Xvfb, config: str, shots: Path) -> None:
        self.x, self.shots = x, shots
        env = {**x.env(), "PYTHONPATH": str(ROOT), "SDL_VIDEO_WINDOW_POS": "0,0"}
        for key in ("SDL_VIDEODRIVER", "SMARTDOWEL_DATA", "NOTIFY_SOCKET"):
            env.pop(key, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "device.cli", "run", "--hardware", "sim", "--window", "480x320",
             "--scenario", "manual", "--seed", "5", "--config", config],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
        self.events: list[dict[str, Any]] = []
        self.cue_shot: pygame.Surface | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait(lambda e: e["type"] == "screen", 30, "the first screen")
        self.window = self._window_id()
        subprocess.run(["xdotool", "windowfocus", self.window], env=x.env(), check=False)
        subprocess.run(["xdotool", "mousemove", "100", "100"], env=x.env(), check=True)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                pass

    def _window_id(self) -> str:
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=self.x.env(), capture_output=True,
                              text=True, check=True).stdout
        for line in tree.splitlines():
            if '"smartdowel"' in line:
                return line.split()[0]
        raise AssertionError("no smartdowel window on the X display")

    # -- what a person does ------------------------------------------------------------------
    def keys(self, *names: str, gap: float = 0.08) -> None:
        """Press and release each key, as a person would (one frame apart at least)."""
        for name in names:
            subprocess.run(["xdotool", "key", "--clearmodifiers", name], env=self.x.env(), check=True)
            time.sleep(gap)

    def shot(self, name: str) -> pygame.Surface:
        """The window as it is on the X server, saved as <name>.png and loaded for pixel checks."""
        path = self.shots / f"{name}.png"
        subprocess.run(["import", "-window", self.window, str(path)], env=self.x.env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        keep(str(path), f"{name}-480x320.png")
        return pygame.image.load(str(path))

    # -- what it did ---------------------------------------------------------------------------
    def mark(self) -> int:
        """The number of event lines so far: `wait(..., after=mark)` looks only at newer ones."""
        return len(self.events)

    def wait(self, want: Callable[[dict], bool], timeout: float, what: str, after: int = 0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events[after:]:
                if want(e):
                    return e
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.03)
        tail = "\n".join(json.dumps(e) for e in self.events[-12:])
        err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        raise AssertionError(f"waited {timeout} s for {what}; last events:\n{tail}\n{err}")

    def wait_type(self, kind: str, timeout: float = 10.0, after: int = 0, **fields: Any) -> dict:
        return self.wait(lambda e: e["type"] == kind and all(e.get(k) == v for k, v in fields.items()),
                         timeout, f"{kind} {fields or ''}", after)

    def screen(self) -> str:
        names = [e["name"] for e in self.events if e["type"] == "screen"]
        return names[-1] if names else ""

    def wait_screen(self, name: str, timeout: float = 5.0, after: int = 0) -> None:
        if self.screen() == name:
            return
        self.wait_type("screen", timeout, after, name=name)

    def since(self, after: int, kind: str) -> list[dict]:
        return [e for e in self.events[after:] if e["type"] == kind]

    def quit(self) -> int:
        self.keys("q")
        code = self.proc.wait(30)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def count_colour(surface: pygame.Surface, box: tuple[int, int, int, int], colour, tol: int = 30) -> int:
    """Pixels within `tol` of `colour` in the box (x, y, w, h) of a screenshot."""
    sub = surface.subsurface(pygame.Rect(box).clip(surface.get_rect()))
    return pygame.mask.from_threshold(sub, colour, (tol, tol, tol, 255)).count()
