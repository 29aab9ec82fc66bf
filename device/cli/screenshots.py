"""`smartdowel screenshots DIR`: every screen, in its main states, at three sizes, as PNG files.

Why: the screen must work at any resolution, and a person judges that by
looking. `python -m device.cli.screenshots --docs` refreshes the README's
images in docs/screenshots/. Off-screen: no display needed.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Iterable, Sequence


SIZES: tuple[tuple[int, int], ...] = ((320, 240), (480, 320), (800, 480))
DOC_SIZES: tuple[tuple[int, int], ...] = ((480, 320), (800, 480))
DOC_STATES: tuple[str, ...] = ("place", "calibrating", "live", "live_cue", "live_fault",
                               "summary", "settings", "export_done", "fault")
DOC_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "docs", "screenshots")


def render_all(out_dir: str, sizes: Sequence[tuple[int, int]] = SIZES,
               states: Iterable[str] | None = None) -> list[str]:
    """Write `<state>-<w>x<h>.png` for each state and size into `out_dir`; return the paths."""
    import pygame

    from device.cli.examples import examples
    from ui.render import render
    os.makedirs(out_dir, exist_ok=True)
    models = examples()
    names = list(models) if states is None else list(states)
    paths = []
    for w, h in sizes:
        surface = pygame.Surface((w, h))
        for name in names:
            render(models[name], surface)
            path = os.path.join(out_dir, f"{name}-{w}x{h}.png")
            _save_atomic(surface, path)
            paths.append(path)
    return paths


def _save_atomic(surface: Any, path: str) -> None:
    """Write beside, then rename: a half-written PNG never replaces a good one."""
    import pygame
    tmp = f"{path}.tmp.png"
    pygame.image.save(surface, tmp)
    os.replace(tmp, path)


def add_parser(sub: Any) -> None:
    shots = sub.add_parser("screenshots", help="render every screen to PNG files")
    shots.add_argument("dir", help="folder for the PNGs (made if missing)")
    shots.set_defaults(func=cmd_screenshots)


def cmd_screenshots(args: argparse.Namespace) -> int:
    """Render every screen in a few states and sizes to PNG files."""
    from device.cli.errors import UsageError
    if os.path.exists(args.dir) and not os.path.isdir(args.dir):
        raise UsageError(f"{args.dir}: is a file, not a folder for the screenshots")
    print(f"wrote {len(render_all(args.dir))} screenshots to {args.dir}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", help="where the PNG files go")
    parser.add_argument("--docs", action="store_true", help="refresh docs/screenshots/")
    args = parser.parse_args(argv)
    if args.docs:
        paths = render_all(args.out_dir or DOC_DIR, DOC_SIZES, DOC_STATES)
    elif args.out_dir:
        paths = render_all(args.out_dir)
    else:
        parser.error("give a directory, or --docs")
    print(f"{len(paths)} screenshots in {os.path.dirname(paths[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
