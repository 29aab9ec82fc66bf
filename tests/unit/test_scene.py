"""Drawing part by part gives the pixels of drawing whole: frame by frame, over a set and the menus.

The scene (ui/scene.py) redraws only the parts whose key changed, and blits
kept drawings when a key comes back; each check here compares its surface
after every model with a fresh whole render of that model.
"""
from __future__ import annotations

import dataclasses
import os
import random
from dataclasses import replace

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from device.cli.examples import examples, run_set  # noqa: E402
from device.view.model import ViewModel  # noqa: E402
from ui.render import SPECS, render, scene  # noqa: E402
from ui.scene import Fields  # noqa: E402

SIZES = [(320, 240), (480, 320), (800, 480)]
MODELS = examples()


def set_models() -> list[ViewModel]:
    """Every model of a simulated set that differs from the one before (place, calibrating, live, summary)."""
    frames: list[ViewModel] = []
    run_set(wants={"all": lambda vm: bool(frames.append(vm)) if not frames or vm is not frames[-1] else False})
    return frames


SET = set_models()


def pixels(surface: pygame.Surface) -> bytes:
    return pygame.image.tobytes(surface, "RGB")


_SURFACES: dict[tuple[int, int], pygame.Surface] = {}


def whole(vm: ViewModel, size) -> bytes:
    surface = _SURFACES.setdefault(size, pygame.Surface(size))
    render(vm, surface)
    return pixels(surface)


def assert_scene_matches(models, size) -> tuple[int, int]:
    """Feed `models` to one scene; after each, its surface must equal a whole render.

    Returns the parts drawn, and the parts there were in the frames."""
    s = scene(pygame.Surface(size))
    parts = 0
    for i, vm in enumerate(models):
        s.update(vm)
        parts += len(s._current.parts)
        assert pixels(s.surface) == whole(vm, size), f"model {i} ({vm.screen}) at {size}"
    return s.parts_drawn, parts


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_set_drawn_part_by_part_is_the_set_drawn_whole(size):
    step = 2 if size == (480, 320) else 5
    models = SET[::step] + [MODELS[k] for k in ("menu", "settings", "live_cue", "history", "live")]
    drawn, parts = assert_scene_matches(models, size)
    assert drawn < parts / 2, "most parts of most frames should not have been drawn again"


def test_kept_drawings_come_back_with_the_same_pixels():
    """Two passes over the same reps: the second draws the figure from kept drawings."""
    live = [vm for vm in SET if vm.screen == "live"][:600]
    s = scene(pygame.Surface((480, 320)))
    for vm in live + live[::-1] + live:
        s.update(vm)
    assert s.reused > 300
    assert pixels(s.surface) == whole(live[-1], (480, 320))


@pytest.mark.parametrize("screen", ["live", "place", "calibrating", "export", "menu"])
def test_any_mix_of_fields_drawn_part_by_part_is_the_mix_drawn_whole(screen):
    """Fields swapped at random between models of every screen, on one screen: the keys miss nothing."""
    rng = random.Random(7)
    pool = list(MODELS.values()) + SET[::40]
    names = [f.name for f in dataclasses.fields(ViewModel) if f.name != "screen"]
    vm = replace(next(m for m in pool if m.screen == screen), screen=screen)
    models = []
    for _ in range(120):
        donor = rng.choice(pool)
        changed = {n: getattr(donor, n) for n in rng.sample(names, rng.randint(1, 3))}
        vm = replace(vm, **changed)
        models.append(vm)
    assert_scene_matches(models, (480, 320))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_parts_own_separate_regions_inside_the_screen(size):
    frame = pygame.Rect((0, 0), size)
    for name, vm in MODELS.items():
        parts = SPECS[vm.screen].layout(_painter(size), vm)
        assert len({p.name for p in parts}) == len(parts), name
        for i, a in enumerate(parts):
            assert frame.contains(a.rect), (name, a.name, a.rect)
            for b in parts[i + 1:]:
                assert not a.rect.colliderect(b.rect), (name, a.name, a.rect, b.name, b.rect)


def test_screens_drawn_whole_name_every_field_they_show():
    """A screen keyed by named fields draws the same pixels whatever any other field holds
    (but the storage banner's, which is the layout's: ui/render.py)."""
    pool = list(MODELS.values())
    for screen, spec in SPECS.items():
        if spec.static is not None and spec.static(ViewModel(screen=screen)) is not None:
            continue
        (part,) = spec.layout(_painter((480, 320)), ViewModel(screen=screen))
        assert isinstance(part.key, Fields)
        for vm in (m for m in pool if m.screen == screen):
            want = whole(vm, (480, 320))
            for f in dataclasses.fields(ViewModel):
                if f.name in part.key.names or f.name in ("screen", "storage"):
                    continue
                other = next((getattr(m, f.name) for m in pool if getattr(m, f.name) != getattr(vm, f.name)), None)
                if other is not None:
                    assert whole(replace(vm, **{f.name: other}), (480, 320)) == want, (screen, f.name)


def _painter(size):
    from ui.draw import Painter
    return Painter(pygame.Surface(size))


def test_pace_is_asked_before_every_piece_with_what_that_piece_took_last_time():
    """A part drawn afresh, blitted from a kept drawing and keeping its drawing are paced apart."""
    asked = []
    s = scene(pygame.Surface((480, 320)))
    s.pace = asked.append
    live = [vm for vm in SET if vm.screen == "live"]
    s.update(live[0])  # a new layout, all five parts and the figure's drawing kept: nothing known yet
    assert asked == [0.0] * 7
    moved = next(vm for vm in live if vm.pitch_deg != live[0].pitch_deg)
    s.update(moved)  # the figure drawn and kept, the gauge
    assert len(asked) == 10 and all(t > 0 for t in asked[7:])
    del asked[:]
    s.update(live[0])  # the figure from its kept drawing (a piece not done before), the gauge
    assert asked[0] == 0.0 and asked[1] > 0 and len(asked) == 2
    took = s._spent["figure kept"]
    s.update(moved)
    assert asked[2] == took > 0 and len(asked) == 4
    assert {"layout", "figure", "figure keep", "figure kept", "gauge"} <= set(s._spent)


@pytest.mark.parametrize("depth", [32, 24], ids=["numpy", "masks"])
def test_ink_is_the_box_of_what_differs_from_the_ground(depth):
    from ui import theme
    from ui.scene import ink
    drawn, under = pygame.Surface((40, 30), 0, depth), pygame.Surface((40, 30), 0, depth)
    for s in (drawn, under):
        s.fill(theme.BACKGROUND)
    assert ink(drawn, under).size == (0, 0) and ink(drawn, None).size == (0, 0)
    drawn.fill((200, 10, 10), (5, 7, 3, 2))
    drawn.set_at((20, 25), (15, 16, 20))  # one step off the ground colour still counts
    assert ink(drawn, under) == pygame.Rect(5, 7, 16, 19) == ink(drawn, None)


def test_a_new_target_lays_the_live_screen_out_again_and_the_figures_stay_kept(monkeypatch):
    """The target zone is background: a new target is a new layout; nothing under the figure
    changed, so its kept drawings serve the new layout too."""
    import ui.live
    bodies = []
    draw_body = ui.live.draw_body
    monkeypatch.setattr(ui.live, "draw_body", lambda *a: bodies.append(a) or draw_body(*a))
    live = [vm for vm in SET if vm.screen == "live"][:400]
    s = scene(pygame.Surface((480, 320)))
    for vm in live:
        s.update(vm)
    drawn = len(bodies)
    moved = [replace(vm, target_deg=vm.target_deg + 5) for vm in live]
    for vm in moved:
        s.update(vm)
    assert drawn > 20 and len(bodies) == drawn  # the same tilts again: every figure from a kept drawing
    assert pixels(s.surface) == whole(moved[-1], (480, 320))


def test_kept_drawings_stay_within_their_budget():
    from ui.scene import Kept
    kept = Kept(budget=3 * 10 * 10 * 4)
    for i in range(20):
        kept.add(i, pygame.Surface((10, 10), 0, 32), (0, 0))
        assert kept.used <= kept.budget and len(kept.images) <= 3
    assert len(kept.images) == 3 and 19 in kept.images  # the newest stays; older ones made room
    kept.add("big", pygame.Surface((40, 40), 0, 32), (0, 0))  # larger than the budget: not kept
    assert "big" not in kept.images and len(kept.images) == 3
