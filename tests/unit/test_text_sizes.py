"""Type read from two metres: every text on every screen measured at three sizes.

The limits are the issue's, for a 3.5-inch 480x320 panel (0.154 mm a pixel)
and scaled with the screen's height elsewhere: nothing a person must read
below 3 mm (20 px capitals), the cue words 6 mm (40 px), the rep count 15 mm.
Heights are measured on rendered glyphs: the capital "H" of the font and size
each text was drawn at, and the pixels of the cue and of the count themselves.
"""
from __future__ import annotations

import os
from dataclasses import replace

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from device.cli.examples import examples  # noqa: E402
from device.view.model import CUES, ExportView  # noqa: E402
from ui import theme  # noqa: E402
from ui.text import cap_height  # noqa: E402
from ui.render import SPECS, render  # noqa: E402

SIZES = [(320, 240), (480, 320), (800, 480)]
MM_PER_PX = 0.154  # 3.5-inch 480x320
MIN_CAP = 3.0 / MM_PER_PX / 320  # of the screen height: 19.5 px at 480x320
CUE_CAP = 6.0 / MM_PER_PX / 320  # 39 px
COUNT_CAP = 15.0 / MM_PER_PX / 320  # 97 px
MODELS = examples()
LONG_NAME = "Maximiliane Alexandra Featherstonehaugh"  # 39 characters: the store allows 40


def draw(vm, size):
    surface = pygame.Surface(size)
    return surface, render(vm, surface)


def ink_height(surface: pygame.Surface, rect: pygame.Rect, colour) -> int:
    sub = surface.subsurface(rect.clip(surface.get_rect()))
    mask = pygame.mask.from_threshold(sub, colour, (40, 40, 40, 255))
    boxes = mask.get_bounding_rects()
    return boxes[0].unionall(boxes[1:]).height if boxes else 0


def test_the_examples_cover_every_screen():
    assert {vm.screen for vm in MODELS.values()} == set(SPECS)


def _variants():
    """Every example, and each again with a long athlete name and a long export message."""
    for name, vm in MODELS.items():
        yield name, vm
        long = replace(vm, athlete=LONG_NAME, athletes=vm.athletes + (LONG_NAME,),
                       export=ExportView(vm.export.state, vm.export.progress,
                                         "12 sets on the stick in smartdowel-export-2026-11-30T16-05-12."),
                       notice="3 athletes added from the stick's athletes.csv")
        if vm.summary is not None:
            long = replace(long, summary=replace(vm.summary, athlete=LONG_NAME))
        yield name + "+long", long


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_text_below_three_millimetres_and_none_off_the_screen(size):
    floor = MIN_CAP * size[1]
    for name, vm in _variants():
        surface, p = draw(vm, size)
        assert p.texts, name
        for placed in p.texts:
            cap = cap_height(placed.px)
            assert cap >= floor, f"{name} at {size}: {placed.text!r} capitals {cap} px < {floor:.1f}"
            assert surface.get_rect().contains(placed.rect), f"{name}: {placed.text!r} leaves the screen"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("cues", [("head",), ("upper_back",), ("sacrum",), ("head", "sacrum"),
                                  ("upper_back", "sacrum")])
def test_cue_words_six_millimetres_and_every_contact_named(size, cues):
    vm = replace(MODELS["live_cue"], cues=cues)
    surface, p = draw(vm, size)
    box = p.boxes["message"]
    said = [t for t in p.texts if box.contains(t.rect)]
    assert [t.text for t in said] == ([CUES[cues[0]][0], CUES[cues[0]][1]] if len(cues) == 1
                                      else [CUES[c][0] for c in cues])
    for t in said:
        assert cap_height(t.px) >= CUE_CAP * size[1], (t.text, size)
        ink = ink_height(surface, t.rect, theme.TEXT)
        assert ink >= CUE_CAP * size[1] * 0.95, f"{t.text!r}: {ink} px of ink at {size}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rep_count_fifteen_millimetres(size):
    vm = replace(MODELS["live"], reps=12)
    surface, p = draw(vm, size)
    counter = p.boxes["counter"]
    ink = ink_height(surface, counter, theme.TEXT)
    assert ink >= COUNT_CAP * size[1], f"rep count {ink} px high at {size}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("reason", ["salvaged", "journal_damaged", "traces_recovered"])
def test_what_the_store_found_at_start_is_drawn_whole_on_the_place_screen(size, reason):
    """Finding 14: a database moved aside at start was said in words the place screen elided after
    "everything readable was copie...": the coach never read that the old file was kept."""
    from device.view.storage import finding_words
    words = finding_words(reason)
    assert words
    for name in ("place", "idle"):
        _, p = draw(replace(MODELS[name], notice=words), size)
        said = " ".join(t.text for t in p.texts)
        assert words in said, f"{name} at {size}: {said!r}"


def _notices() -> list[str]:
    from device.app.checks import CLOCK_WORDS
    from device.app.poweroff import DEFERRED_WORDS
    from device.app.sticks import QUEUED_WORDS
    return [CLOCK_WORDS, DEFERRED_WORDS, QUEUED_WORDS, "12 athletes added from the stick",
            "The stick's athletes are all here already"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_apps_notices_are_drawn_whole_where_they_are_shown(size):
    """A notice is news a coach reads once: cut with "..." it says half of what to do."""
    for words in _notices():
        for name in ("place", "idle"):
            _, p = draw(replace(MODELS[name], notice=words), size)
            said = " ".join(t.text for t in p.texts)
            assert words in said, f"{name} at {size}: {said!r}"
