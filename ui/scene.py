"""Retained drawing: a screen is a background drawn once per layout and parts redrawn when their model changed.

Why: on a Pi Zero 2 W every frame drawn from scratch cost about a fifth of a
core at 25 frames a second, and the GIL that drawing holds delays the sampler.
Yet from one frame to the next mostly one thing moves (the needle and the
figure during a rep, a pressure bar while the dowel is placed) and the rest
is the same pixels. So each screen says, once per size:

- its `layout`: it draws what never changes on this screen at this size
  (titles, key hints, the band's panel, the gauge's arc, the figure's
  floor) and returns its `Part`s;
- each `Part`: the region it owns (no two overlap), a `key` (what of the
  view model it shows: equal keys draw equal pixels) and how to draw it.

`Scene.update(vm)` redraws a part only when its key changed and returns the
regions for `pygame.display.update`; a new screen, layout or size draws all
of it. Before each piece of work (a part drawn, a kept drawing blitted, a
drawing kept, a layout) it calls `pace(seconds)` with what that piece took
last time, so the app can have it wait while the sampler reads (the GIL is
shared): a frame is drawn in pieces that fit between samples. A part is
drawn on a scratch copy of the screen (background restored under its
region) and only its region is copied over: what it draws beyond its region
never shows, as when a later drawing covered it, and nothing is clipped
(SDL_gfx moves the ends of an antialiased edge that crosses a clip, which
changes the edge's pixels). `render_full` draws a screen through the same
scene in one go (tests, screenshots), so a frame drawn part by part has the
same pixels as one drawn whole; the tests check that frame by frame over a
simulated set.

    >>> import pygame
    >>> from device.view.model import ViewModel
    >>> spec = whole(lambda p, vm: p.text(vm.athlete or "-", 30, (255, 255, 255), topleft=(4, 4)),
    ...              "athlete")
    >>> scene = Scene(pygame.Surface((320, 240)), {"place": spec})
    >>> len(scene.update(ViewModel())), scene.update(ViewModel(reps=3)), len(scene.update(ViewModel(athlete="Sam")))
    (1, [], 1)
"""
from __future__ import annotations

import random
import time
import zlib
from collections import OrderedDict
from typing import Callable, Hashable, Mapping, NamedTuple, Sequence, cast

import pygame

from device.view.model import ViewModel
from ui import theme
from ui.draw import Painter

Key = Callable[[ViewModel], Hashable]
Draw = Callable[[Painter, ViewModel], object]
LAYOUTS_KEPT = 4  # backgrounds kept per display (a 480x320 one is 600 kB)
STORES_PER_PART = 2  # a part's drawings are kept over this many backgrounds at most (the last used)


class Part(NamedTuple):
    """One region of a screen: what of the model it shows (`key`) and how it draws it.

    `keep`: bytes of this part's past drawings to keep (cropped to what differs
    from the background), so that a key that comes back (the figure at a tilt
    it had on the way down) is one blit; 0 keeps none."""

    name: str
    rect: pygame.Rect
    key: Key
    draw: Draw
    keep: int = 0


class ScreenSpec(NamedTuple):
    """A screen: `layout(p, vm)` draws its background and returns its parts.

    `static(vm)` is what of the model the layout and background depend on (a
    new value lays the screen out again); None, or a `static` that gives None
    for a model: the background is the plain ground colour, not worth keeping
    as a surface, and the layout the same for every model of that screen."""

    layout: Callable[[Painter, ViewModel], Sequence[Part]]
    static: Key | None


class Fields:
    """A key made of named fields of the view model (the tests check no other field shows)."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def __call__(self, vm: ViewModel) -> tuple[object, ...]:
        return tuple(getattr(vm, n) for n in self.names)


def whole(draw: Draw, *fields: str) -> ScreenSpec:
    """A screen drawn as one part, again whenever one of `fields` changed (menus, summaries)."""
    key = Fields(*fields)

    def layout(p: Painter, vm: ViewModel) -> list[Part]:
        return [Part("screen", p.rect.copy(), key, draw)]
    return ScreenSpec(layout, None)


def render_full(spec: ScreenSpec, vm: ViewModel, surface: pygame.Surface) -> Painter:
    """The whole screen at once: background, then every part; the painter says what went where.

    The background is drawn straight onto `surface` (nothing is kept)."""
    scene = Scene(surface, {vm.screen: spec}, fallback=vm.screen, scratch=_scratch_for(surface))
    return scene.paint(vm, in_place=True)


_SCRATCH: dict[tuple[object, ...], pygame.Surface] = {}


def _scratch_for(surface: pygame.Surface) -> pygame.Surface:
    """A scratch surface like `surface`, made once per size and format (whole renders are many)."""
    key = (surface.get_size(), surface.get_bitsize(), surface.get_masks())
    scratch = _SCRATCH.get(key)
    if scratch is None:
        if len(_SCRATCH) >= 4:
            _SCRATCH.clear()
        scratch = _SCRATCH[key] = pygame.Surface(surface.get_size(), 0, surface)
    return scratch


class Layout(NamedTuple):
    """A screen laid out at one size: its background (None: plain ground), its parts, what the
    layout drew (text and markers, for the tests), and, per part that keeps its drawings, what
    its background under it is (a checksum of the pixels: `Scene` keeps drawings by it)."""

    background: pygame.Surface | None
    parts: Sequence[Part]
    drawn: Painter
    under: dict[str, int] | None  # None: a layout for one frame, nothing kept


class Kept:
    """One part's past drawings by key, within its byte budget; when full, a random one makes room.

    Random and not the oldest: a rep sweeps the same tilts again and again, and
    dropping the oldest would drop each drawing just before its tilt comes back;
    at random, a store holding k of n drawings still hits about k times in n,
    and drawings nobody asks for any more (an old target's) go in time."""

    def __init__(self, budget: int) -> None:
        self.budget, self.used = budget, 0
        self.images: dict[Hashable, tuple[pygame.Surface, tuple[int, int]]] = {}
        self._rng = random.Random(0)  # the same choices every run

    def add(self, key: Hashable, image: pygame.Surface, at: tuple[int, int]) -> None:
        size = _bytes(image)
        if size > self.budget:
            return
        while self.used + size > self.budget:
            gone = self._rng.choice(list(self.images))
            self.used -= _bytes(self.images.pop(gone)[0])
        self.images[key] = (image, at)
        self.used += size


def _under(background: pygame.Surface | None, parts: Sequence[Part]) -> dict[str, int]:
    """Per part that keeps its drawings, a checksum of the background's pixels under it."""
    return {p.name: zlib.crc32(pygame.image.tobytes(background.subsurface(p.rect), "RGB"))
            if background is not None else 0 for p in parts if p.keep}


def _bytes(image: pygame.Surface) -> int:
    return image.get_width() * image.get_height() * image.get_bytesize()


def ink(drawn: pygame.Surface, under: pygame.Surface | None) -> pygame.Rect:
    """The box of the pixels of `drawn` that differ from `under` (None: the plain ground colour).

    With numpy when the surface's format allows a view of its pixels (a fifth
    of the time of pygame's masks, whose bounding boxes label components)."""
    try:
        import numpy
        now = pygame.surfarray.pixels2d(drawn)
        was = pygame.surfarray.pixels2d(under) if under is not None else drawn.map_rgb(theme.BACKGROUND)
    except (ImportError, ValueError):  # no numpy, or 24-bit pixels
        if under is None:
            same = pygame.mask.from_threshold(drawn, theme.BACKGROUND, (1, 1, 1, 255))
        else:
            same = pygame.mask.from_threshold(drawn, (0, 0, 0, 255), (1, 1, 1, 255), under)
        same.invert()
        boxes = cast(list[pygame.Rect], same.get_bounding_rects())  # a list (pygame's stub says a Rect)
        return boxes[0].unionall(boxes[1:]) if boxes else pygame.Rect(0, 0, 0, 0)
    differs = numpy.not_equal(now, was)
    cols, rows = numpy.flatnonzero(differs.any(axis=1)), numpy.flatnonzero(differs.any(axis=0))
    del now, was  # the views lock the surfaces
    if not len(cols):
        return pygame.Rect(0, 0, 0, 0)
    return pygame.Rect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


class Scene:
    """What is on one surface, part by part; `update(vm)` draws what changed and says where."""

    def __init__(self, surface: pygame.Surface, specs: Mapping[str, ScreenSpec],
                 fallback: str = "place", scratch: pygame.Surface | None = None) -> None:
        self.specs, self.fallback = specs, fallback
        self.surface = surface
        self._scratch = scratch or pygame.Surface(surface.get_size(), 0, surface)
        self._layouts: OrderedDict[Hashable, Layout] = OrderedDict()
        self._plains: dict[str, Layout] = {}
        self._kept: OrderedDict[tuple[str, int], Kept] = OrderedDict()  # by part and the pixels under it
        self._current: Layout | None = None
        self._keys: dict[str, Hashable] = {}
        self._spent: dict[str, float] = {}  # seconds each piece (`_piece`) took when last done
        self.pace: Callable[[float], None] | None = None  # before each piece: its expected seconds
        self.parts_drawn = 0
        self.reused = 0  # parts drawn by blitting a kept drawing

    def reset(self, surface: pygame.Surface | None = None) -> None:
        """Forget what is on the surface (a new window size, an exposed window): all is drawn next."""
        if surface is not None and surface is not self.surface:
            self.surface = surface
            self._scratch = pygame.Surface(surface.get_size(), 0, surface)
            self._layouts.clear()
            self._plains.clear()
            self._kept.clear()
        self._current = None

    def update(self, vm: ViewModel) -> list[pygame.Rect]:
        """Bring the surface to `vm`; the regions that changed (the whole surface on a new layout)."""
        layout = self._layout(vm)
        if layout is not self._current:
            self.paint(vm)
            return [self.surface.get_rect()]
        changed = []
        for part in layout.parts:
            key = part.key(vm)
            if key != self._keys[part.name]:
                changed.append((part, key))
        if changed:
            p = Painter(self._scratch)
            for part, key in changed:
                self._draw(layout, p, part, key, vm)
        return [part.rect for part, _ in changed]

    def paint(self, vm: ViewModel, in_place: bool = False) -> Painter:
        """Draw all of `vm`'s screen; the painter holds where every text and marker went.

        `in_place`: lay the screen out straight onto the surface, keeping nothing (one frame)."""
        if in_place:
            self.surface.fill(theme.BACKGROUND)
            drawn = Painter(self.surface)
            layout = Layout(self.surface, tuple(self._spec(vm).layout(drawn, vm)), drawn, None)
        else:
            layout = self._layout(vm)
            self._restore(layout, self.surface, self.surface.get_rect())
        self._current = layout
        p = Painter(self._scratch)
        p.texts.extend(layout.drawn.texts)
        p.markers.update(layout.drawn.markers)
        p.boxes.update(layout.drawn.boxes)
        for part in layout.parts:
            self._draw(layout, p, part, part.key(vm), vm)
        return p

    def _draw(self, layout: Layout, p: Painter, part: Part, key: Hashable, vm: ViewModel) -> None:
        """One part on the scratch surface over its background; then its region onto the screen.

        A part that is the whole screen is drawn straight onto it (nothing to
        hide beyond it). A kept drawing of the same key is blitted instead (the
        painter then records nothing of it: only a scene's first drawing, as
        `render_full` makes, is complete in that). A drawing to keep is kept as
        a piece of its own, after its region is on the screen."""
        self._keys[part.name] = key
        self.parts_drawn += 1
        whole = part.rect.size == self.surface.get_size()
        target = self.surface if whole else self._scratch
        store = (part.name, layout.under[part.name]) if part.keep and layout.under else None
        kept = self._kept.get(store) if store else None
        image = kept.images.get(key) if kept is not None else None

        def draw() -> None:
            self._restore(layout, target, part.rect)
            if image is not None:
                target.blit(*image)
            else:
                p.surface = target
                part.draw(p, vm)
            if not whole:
                self.surface.blit(self._scratch, part.rect, part.rect)
        if image is not None:
            self._piece(part.name + " kept", draw)
            self._kept.move_to_end(store)  # type: ignore[arg-type]
            self.reused += 1
            return
        self._piece(part.name, draw)
        if part.keep and layout.under is not None:
            self._piece(part.name + " keep", lambda: self._keep(layout, part, key, target))

    def _piece(self, name: str, work: Callable[[], object]) -> None:
        """`work` as one piece of a frame: `pace` is told what the piece called `name` took last time.

        A part drawn afresh, blitted from a kept drawing, and keeping one are
        three pieces of different lengths: each is paced by its own."""
        if self.pace is not None:
            self.pace(self._spent.get(name, 0.0))
        started = time.perf_counter()
        work()
        self._spent[name] = time.perf_counter() - started

    def _keep(self, layout: Layout, part: Part, key: Hashable, target: pygame.Surface) -> None:
        """Keep what `part` just drew for `key`: the box of pixels that differ from its background.

        Drawings are kept by the part and the pixels under it, not by layout: a
        layout made again for another target keeps the figure's drawings (nothing
        under the figure changed). A part keeps its drawings over at most
        `STORES_PER_PART` backgrounds (the last used)."""
        assert layout.under is not None
        drawn = target.subsurface(part.rect)
        under = None if layout.background is None else layout.background.subsurface(part.rect)
        box = ink(drawn, under)
        store = (part.name, layout.under[part.name])
        kept = self._kept.get(store)
        if kept is None:
            kept = self._kept[store] = Kept(part.keep)
            mine = [k for k in self._kept if k[0] == part.name]
            for old in mine[:-STORES_PER_PART]:
                del self._kept[old]
        self._kept.move_to_end(store)
        kept.add(key, drawn.subsurface(box).copy(), box.move(part.rect.topleft).topleft)

    @staticmethod
    def _restore(layout: Layout, target: pygame.Surface, rect: pygame.Rect) -> None:
        if layout.background is None:
            target.fill(theme.BACKGROUND, rect)
        elif layout.background is not target:
            target.blit(layout.background, rect, rect)

    def _spec(self, vm: ViewModel) -> ScreenSpec:
        return self.specs.get(vm.screen) or self.specs[self.fallback]

    def _layout(self, vm: ViewModel) -> Layout:
        spec = self._spec(vm)
        static = spec.static(vm) if spec.static is not None else None
        if static is None:  # the plain ground: laid out once per size, no background kept
            plain = self._plains.get(vm.screen)
            if plain is None:
                p = Painter(self._scratch)
                parts = tuple(spec.layout(p, vm))
                plain = self._plains[vm.screen] = Layout(None, parts, p, _under(None, parts))
            return plain
        key = (vm.screen, static)
        if key not in self._layouts:
            self._piece("layout", lambda: self._lay_out(key, spec, vm))
        self._layouts.move_to_end(key)
        return self._layouts[key]

    def _lay_out(self, key: Hashable, spec: ScreenSpec, vm: ViewModel) -> None:
        """A new layout: its background drawn and kept (the least recently used one goes)."""
        background = pygame.Surface(self.surface.get_size(), 0, self.surface)
        background.fill(theme.BACKGROUND)
        p = Painter(background)
        parts = tuple(spec.layout(p, vm))
        self._layouts[key] = Layout(background, parts, p, _under(background, parts))
        while len(self._layouts) > LAYOUTS_KEPT:
            self._layouts.popitem(last=False)
