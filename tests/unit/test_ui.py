"""Every screen at every size, checked on real pixels: markers, type sizes, nothing off-frame."""
from __future__ import annotations

import math
import os
from dataclasses import replace

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from device.view.model import FAULT, IN_CONTACT, LOST, WAITING, ViewModel  # noqa: E402
from ui import theme  # noqa: E402
from ui.draw import HALO  # noqa: E402
from device.cli.examples import examples  # noqa: E402
from ui.render import SPECS, render  # noqa: E402

SIZES = [(320, 240), (480, 272), (480, 320), (800, 480), (640, 480), (1024, 600)]
MODELS = examples()


def near(colour, want, tol=14) -> bool:
    return all(abs(int(a) - int(b)) <= tol for a, b in zip(colour[:3], want))


def draw(vm: ViewModel, size):
    surface = pygame.Surface(size)
    return surface, render(vm, surface)


def glyph_box(surface: pygame.Surface, rect: pygame.Rect, colour) -> pygame.Rect:
    """The bounding box of the pixels of `colour` inside `rect` (the glyphs actually drawn)."""
    sub = surface.subsurface(rect.clip(surface.get_rect()))
    mask = pygame.mask.from_threshold(sub, colour, (24, 24, 24, 255))
    boxes = mask.get_bounding_rects()
    assert boxes, "nothing drawn in that colour"
    return boxes[0].unionall(boxes[1:])


def test_every_screen_has_a_renderer_and_an_example():
    screens = {vm.screen for vm in MODELS.values()}
    assert screens == set(SPECS)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_text_inside_the_frame_and_never_overlapping(size):
    for name, vm in MODELS.items():
        surface, p = draw(vm, size)
        frame = surface.get_rect()
        assert p.texts, name
        for text, rect, _ in p.texts:
            assert frame.contains(rect), f"{name}: {text!r} at {rect} leaves {size}"
        for i, (a, ra, _) in enumerate(p.texts):
            for b, rb, _ in p.texts[i + 1:]:
                assert not ra.colliderect(rb), f"{name}: {a!r} {ra} overlaps {b!r} {rb} at {size}"
        for contact, m in p.markers.items():
            mrect = m.rect
            assert frame.contains(mrect), f"{name}: marker {contact} leaves the frame"
            for text, rect, _ in p.texts:
                assert not mrect.colliderect(rect), f"{name}: marker {contact} under {text!r}"


def probe(surface, marker, dx: float, dy: float):
    """The pixel at (dx, dy) marker radii from the marker's centre."""
    x, y = marker.centre
    return surface.get_at((round(x + dx * marker.r), round(y + dy * marker.r)))


SHAPES = {
    # (point in radii, drawn in the state's colour?): points that tell the shapes apart
    IN_CONTACT: [((0, 0), True), ((0.75, 0), True), ((-0.75, 0), True), ((0, -0.75), True),
                 ((0.9, 0.7), False), ((-0.9, 0.7), False)],
    LOST: [((0, 0), True), ((0.5, 0.5), True), ((-0.5, 0.5), True), ((0.5, -0.5), True),
           ((0.75, 0), False), ((0, 0.75), False), ((0.2, 0.6), False)],
    FAULT: [((0.9, 0.7), True), ((-0.9, 0.7), True), ((0.2, 0.6), True), ((0.75, -0.3), False),
            ((-0.8, -0.6), False)],
    WAITING: [((0.88, 0), True), ((0, 0.88), True), ((0, 0), False), ((0.35, 0.35), False),
              ((0.9, 0.7), False)],
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("states", [(IN_CONTACT, LOST, FAULT), (LOST, FAULT, IN_CONTACT),
                                    (FAULT, IN_CONTACT, LOST), (WAITING, WAITING, IN_CONTACT)])
def test_markers_tell_the_state_by_shape_and_colour(size, states):
    vm = MODELS["live"]
    vm = replace(vm, contacts=tuple(replace(c, state=s) for c, s in zip(vm.contacts, states)))
    surface, p = draw(vm, size)
    assert set(p.markers) == {"head", "upper_back", "sacrum"}
    marks = [p.markers[c] for c in ("head", "upper_back", "sacrum")]
    for i, a in enumerate(marks):
        for b in marks[i + 1:]:
            apart = math.dist(a.centre, b.centre)
            assert apart >= HALO * (a.r + b.r) - 1, "markers overlap: their shapes would not read"
    for contact, state in zip(("head", "upper_back", "sacrum"), states):
        m = p.markers[contact]
        assert m.state == state and m.r >= 6
        colour = theme.STATE_COLOURS[state]
        for (dx, dy), inside in SHAPES[state]:
            got = probe(surface, m, dx, dy)
            assert near(got, colour) == inside, (contact, state, (dx, dy), tuple(got), size)


def test_fault_marker_carries_an_exclamation_mark():
    surface, p = draw(MODELS["live_fault"], (480, 320))
    m = p.markers["upper_back"]
    assert m.state == FAULT
    assert near(probe(surface, m, 0, -0.3), theme.BACKGROUND)  # the "!" stroke
    assert near(probe(surface, m, 0, 0.45), theme.BACKGROUND)  # its dot
    assert near(probe(surface, m, 0, 0.22), theme.YELLOW)  # between stroke and dot
    assert near(probe(surface, m, 0.45, -0.1), theme.YELLOW)  # beside the stroke


@pytest.mark.parametrize("size", SIZES[:3], ids=lambda s: f"{s[0]}x{s[1]}")
def test_place_screen_bars_fill_with_pressure(size):
    vm = MODELS["place"]
    surface, p = draw(vm, size)
    for c in vm.contacts:
        track = p.boxes["bar_" + c.name]
        y = track.centery
        filled = surface.get_at((track.left + round(track.width * c.bar * 0.6), y))
        empty = surface.get_at((track.left + round(track.width * (c.bar + (1 - c.bar) * 0.7)), y))
        assert near(filled, theme.STATE_COLOURS[c.state]), (c.name, tuple(filled))
        assert near(empty, theme.TRACK), (c.name, tuple(empty))
    assert {m.state for m in p.markers.values()} == {IN_CONTACT, WAITING}


@pytest.mark.parametrize("done", [0.0, 0.25, 0.6, 1.0])
def test_calibration_ring_fills_clockwise(done):
    vm = replace(MODELS["calibrating"], calibration=done)
    surface, p = draw(vm, (480, 320))
    ring = p.boxes["ring"]
    r = ring.width / 2 * 0.92
    for frac in (0.1, 0.5, 0.9):
        a = 2 * math.pi * frac
        at = (round(ring.centerx + r * math.sin(a)), round(ring.centery - r * math.cos(a)))
        want = theme.SKY if frac < done else theme.TRACK
        assert near(surface.get_at(at), want), (done, frac)
    assert any(t == f"{round(done * 100)}%" for t, _, _ in p.texts)


@pytest.mark.parametrize("pitch, on_target", [(20.0, False), (60.0, True)])
def test_gauge_needle_turns_green_on_target(pitch, on_target):
    vm = replace(MODELS["live"], pitch_deg=pitch)
    surface, p = draw(vm, (800, 480))
    dial = p.boxes["gauge"]
    side = dial.width
    pivot = (dial.left + side * 0.12, dial.bottom - side * 0.04)
    a = math.radians(pitch)
    at = (round(pivot[0] + side * 0.4 * math.sin(a)), round(pivot[1] - side * 0.4 * math.cos(a)))
    want = theme.GREEN if on_target else theme.TEXT
    assert near(surface.get_at(at), want)
    assert any(t == f"{pitch:.0f}°" for t, _, _ in p.texts)


def test_figure_hinges_with_the_tilt():
    """The head marker moves forward and down as the dowel tilts."""
    positions = []
    for pitch in (0.0, 45.0, 85.0):
        _, p = draw(replace(MODELS["live"], pitch_deg=pitch), (480, 320))
        positions.append(p.markers["head"].centre)
    xs, ys = zip(*positions)
    assert xs[0] < xs[1] < xs[2] and ys[0] < ys[1] < ys[2]


def test_png_encoder_round_trips_the_pixels():
    import io
    import numpy as np
    from ui.chart_png import png_of
    surface = pygame.Surface((37, 11))
    rng = np.random.default_rng(1)
    pygame.surfarray.blit_array(surface, rng.integers(0, 2**24, (37, 11), dtype=np.uint32))
    back = pygame.image.load(io.BytesIO(png_of(surface)), "x.png")
    assert np.array_equal(pygame.surfarray.array3d(back), pygame.surfarray.array3d(surface))


def test_summary_shows_the_chart_with_losses_shaded():
    from ui.chart import BACKGROUND, CONTACT_COLOURS
    surface, p = draw(MODELS["summary"], (800, 480))
    chart = p.boxes["chart"]
    sub = surface.subsurface(chart)
    white = pygame.mask.from_threshold(sub, BACKGROUND, (3, 3, 3, 255)).count()
    assert white > 0.3 * chart.width * chart.height
    for contact in ("sacrum", "head"):  # the two contacts lost in the example set
        shade = pygame.mask.from_threshold(sub, CONTACT_COLOURS[contact], (40, 40, 40, 255)).count()
        assert shade > 50, contact
    said = " ".join(t for t, _, _ in p.texts)
    assert "6 reps" in said and "4 clean" in said and "Sacrum 1" in said and "Head 1" in said


def test_menus_highlight_the_cursor_row():
    for name, row in (("menu", "Settings"), ("settings", "Volume"), ("athletes", "Sam")):
        surface, p = draw(MODELS[name], (480, 320))
        rect = next(r for t, r, _ in p.texts if t == row)
        assert near(surface.get_at((rect.right + 3, rect.centery)), theme.PANEL_HI), name
        other = next(r for t, r, _ in p.texts if t != row and r.left == rect.left and r.top > rect.bottom)
        assert near(surface.get_at((other.right + 3, other.centery)), theme.BACKGROUND), name


def test_export_done_says_safe_to_remove_and_fault_names_the_sensor():
    _, p = draw(MODELS["export_done"], (320, 240))
    assert "Safe to remove" in [t for t, _, _ in p.texts]
    _, p = draw(MODELS["fault"], (320, 240))
    said = " ".join(t for t, _, _ in p.texts)
    assert "Upper back sensor" in said and "plug" in said
    assert p.markers["upper_back"].state == FAULT


def test_empty_lists_and_missing_summary_still_draw():
    bare = ViewModel()
    for screen in SPECS:
        surface, p = draw(replace(bare, screen=screen), (320, 240))
        for _, rect, _ in p.texts:
            assert surface.get_rect().contains(rect), screen


@pytest.mark.parametrize("progress", [0.1, 0.5, 0.8])
def test_export_progress_bar_fills_to_the_progress(progress):
    from device.view.model import ExportView
    vm = replace(MODELS["export_writing"], export=ExportView("writing", progress, "Writing"))
    surface, p = draw(vm, (480, 320))
    track = p.boxes["progress"]
    x_in = track.left + round(track.width * progress) - track.height
    x_out = track.left + round(track.width * progress) + track.height
    assert near(surface.get_at((x_in, track.centery)), theme.SKY)
    assert near(surface.get_at((x_out, track.centery)), theme.TRACK)


def test_export_error_shows_the_message():
    from device.view.model import ExportView
    vm = replace(MODELS["export_writing"], export=ExportView("error", 0.3, "The stick is full."))
    _, p = draw(vm, (320, 240))
    said = [t for t, _, _ in p.texts]
    assert "Export stopped" in said and "The stick is full." in " ".join(said)


def _luminance(c) -> float:
    def lin(v):
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_is_okabe_ito_with_contrast_on_the_dark_ground():
    okabe_ito = {(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178),
                 (213, 94, 0), (204, 121, 167)}
    states = [theme.STATE_COLOURS[s] for s in (IN_CONTACT, LOST, FAULT)]
    assert set(states) <= okabe_ito and len(set(states)) == 3
    bg = _luminance(theme.BACKGROUND)
    for colour in states + [theme.TEXT, theme.MUTED, theme.SKY]:
        ratio = (_luminance(colour) + 0.05) / (bg + 0.05)
        assert ratio >= 4.5, (colour, ratio)  # WCAG AA for text, so shapes read from afar


def colour_count(surface: pygame.Surface, rect: pygame.Rect, colour, tol: int = 30) -> int:
    """How many pixels inside `rect` are drawn in `colour` (antialiased edges within `tol`)."""
    sub = surface.subsurface(rect.clip(surface.get_rect()))
    return pygame.mask.from_threshold(sub, colour, (tol, tol, tol, 255)).count()


def drawn(p, text: str):
    """The one piece of text drawn as `text` exactly."""
    (placed,) = [t for t in p.texts if t.text == text]
    return placed


@pytest.mark.parametrize("size", [(320, 240), (480, 320), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_one_rep_is_said_as_one_rep_where_the_screen_counts(size):
    """Finding 14: "1 reps" on the summary and in History."""
    vm = MODELS["summary"]
    one = replace(vm, summary=replace(vm.summary, reps=1, clean_reps=1))
    said = [t for t, _, _ in draw(one, size)[1].texts]
    assert "1 rep" in said and not any("1 reps" in t for t in said)
    many = [t for t, _, _ in draw(vm, size)[1].texts]
    assert "6 reps" in many  # the plural stays where it belongs
    rows = (dict(MODELS["history"].history[0], reps=1, clean_reps=0),) + MODELS["history"].history[1:]
    said = " | ".join(t for t, _, _ in draw(replace(MODELS["history"], history=rows), size)[1].texts)
    assert "1 rep 0 clean" in said and "1 reps" not in said and "7 reps 5 clean" in said


def test_the_export_screen_without_a_stick_says_plug_in_once(tmp_path):
    """Finding 14: with no stick, the headline and the line below both said "Plug in a USB stick"."""
    from device.app.sticks import StickFlow
    from device.view.builder import ViewModelBuilder
    mounts = tmp_path / "mounts"
    mounts.write_text("")
    view = ViewModelBuilder()
    flow = StickFlow(None, [str(tmp_path)], view, lambda e: None, lambda: 0.0,
                     lambda: None, str(mounts))
    flow.export_to_first()  # the menu's Export, with no stick in
    waiting = replace(view.build(), screen="export")
    assert waiting.export.state == "waiting"
    for vm in (waiting, replace(waiting, export=replace(waiting.export, state="idle", message=""))):
        for size in ((320, 240), (480, 320)):
            said = [t for t, _, _ in draw(vm, size)[1].texts]
            assert sum("plug in" in t.lower() for t in said) == 1, (vm.export.state, said)


@pytest.mark.parametrize("simulator", [False, True])
def test_the_place_screen_hints_no_a_which_does_nothing_there(simulator):
    """Finding 14: the place screen's strip said "A start", but A does nothing until a set has ended."""
    place = replace(MODELS["place"], simulator=simulator, paused=False)
    said = [t for t, _, _ in draw(place, (480, 320))[1].texts]
    assert "A" not in said and "B" in said and "menu" in said
    paused = replace(place, paused=True)  # "Set ended": A starts the next set, and says so
    said = [t for t, _, _ in draw(paused, (480, 320))[1].texts]
    assert "Set ended" in said and "A" in said and "next set" in said


@pytest.mark.parametrize("size", [(320, 240), (480, 320), (800, 480)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_clean_rep_is_not_green_and_a_faulted_rep_has_no_green_accent(size):
    """Finding 14: "0 clean" drawn in green, and a green stripe beside a rep with a contact off."""
    from device.view.model import RepView
    faulted = RepView(rep=2, depth_deg=55.0, descent_s=1.0, bottom_s=0.4, ascent_s=0.9, faults=("sacrum",))
    live = replace(MODELS["live"], reps=2, clean_reps=0, last_rep=faulted, cues=(), note="")
    surface, p = draw(live, size)
    zero = drawn(p, "0 clean").rect
    assert colour_count(surface, zero, theme.MUTED) > 10
    assert colour_count(surface, zero, theme.GREEN) == 0
    message = p.boxes["message"]
    stripe = pygame.Rect(0, message.top, message.left, message.height)  # left of the words: the accent
    assert colour_count(surface, stripe, theme.VERMILLION) > 10
    assert colour_count(surface, stripe, theme.GREEN) == 0
    clean = replace(live, clean_reps=1, last_rep=replace(faulted, faults=()))  # the other way: green
    surface, p = draw(clean, size)
    assert colour_count(surface, drawn(p, "1 clean").rect, theme.GREEN) > 10
    assert colour_count(surface, stripe, theme.GREEN) > 10
    vm = MODELS["summary"]
    none_clean = replace(vm, summary=replace(vm.summary, clean_reps=0))
    surface, p = draw(none_clean, size)
    zero = drawn(p, "0 clean").rect
    assert colour_count(surface, zero, theme.MUTED) > 10 and colour_count(surface, zero, theme.GREEN) == 0
    surface, p = draw(vm, size)
    assert colour_count(surface, drawn(p, "4 clean").rect, theme.GREEN) > 10


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_athlete_screen_says_whole_that_a_sticks_athletes_csv_adds_names(size):
    """Finding 14: nothing told a coach how to bring a squad's names; the note must be read whole."""
    from ui.draw import ELLIPSIS
    _, p = draw(MODELS["athletes"], size)
    (note,) = [t for t, _, _ in p.texts if "athletes.csv" in t]
    assert ELLIPSIS not in note and note.startswith("Names") and note.endswith("on a stick"), note
