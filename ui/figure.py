"""The side-view athlete with the dowel and its three contact markers, and the tilt gauge.

Why a figure and not three lights: a coach glancing over sees *where* on the
back the contact came away, on a body hinged as far as the athlete is, which
is the whole lesson. The torso follows the dowel's tilt beyond standing.

Geometry is in figure units (standing height 1.0, feet at y=0, y up is
negative as on screen) and scaled to the box with a fixed envelope, so the
figure keeps its size while it hinges.
"""
from __future__ import annotations

import math
from typing import Sequence

import pygame

from ui import theme
from ui.draw import Painter, aa_circle, arc_band, round_line
from ui.theme import Colour

Point = tuple[float, float]

HIP_Y = -0.50
TORSO = 0.30
HEAD_AT, HEAD_R = 0.40, 0.085
BACK = 0.075  # the dowel's offset from the spine's line, toward the back
DOWEL_FROM, DOWEL_TO = -0.08, 0.52
CONTACT_AT = {"head": 0.41, "upper_back": 0.22, "sacrum": 0.02}
MARKER_R = 0.065  # with its halo, still clear of the next contact along the dowel
ARM: Colour = (88, 94, 106)  # the far arm: darker, behind the body
_ENVELOPE_ANGLES = (0.0, 30.0, 60.0, 95.0)


def _add(*terms: tuple[float, Point]) -> Point:
    return (sum(k * p[0] for k, p in terms), sum(k * p[1] for k, p in terms))


def pose(angle_deg: float) -> dict[str, Point]:
    """Joint positions (figure units) for the torso hinged `angle_deg` beyond standing.

    >>> p = pose(90.0)
    >>> round(p["shoulder"][1], 2) == round(p["hip"][1], 2)  # torso level at 90 degrees
    True
    """
    a = math.radians(max(-10.0, min(95.0, angle_deg)))
    s, c = math.sin(a), math.cos(a)
    d = (s, -c)  # along the spine, toward the head
    n = (-c, -s)  # out of the back
    hip = (-0.10 * max(s, 0.0), HIP_Y + 0.03 * max(s, 0.0))
    out = {"ankle": (0.0, 0.0), "knee": (0.05 + 0.03 * max(s, 0.0), -0.26), "hip": hip,
           "shoulder": _add((1, hip), (TORSO, d)),
           "head": _add((1, hip), (HEAD_AT + 0.01, d), (-0.01, n)),
           "dowel_a": _add((1, hip), (DOWEL_FROM, d), (BACK, n)),
           "dowel_b": _add((1, hip), (DOWEL_TO, d), (BACK, n)),
           "hand_hi": _add((1, hip), (0.33, d), (BACK, n)),
           "hand_lo": _add((1, hip), (0.10, d), (BACK, n)),
           "elbow_hi": _add((1, hip), (0.36, d), (0.17, n)),
           "elbow_lo": _add((1, hip), (0.12, d), (0.19, n)),
           "toe": (0.13, 0.0)}
    for name, at in CONTACT_AT.items():
        out["c_" + name] = _add((1, hip), (at, d), (BACK, n))
    return out


def _envelope() -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for angle in _ENVELOPE_ANGLES:
        for x, y in pose(angle).values():
            xs += [x - MARKER_R * 1.3, x + MARKER_R * 1.3]
            ys += [y - MARKER_R * 1.3, y]
    return min(xs), max(xs), min(ys), max(ys)


ENVELOPE = _envelope()


class FigureMap:
    """Figure units to screen pixels for one box."""

    def __init__(self, box: pygame.Rect) -> None:
        x0, x1, y0, y1 = ENVELOPE
        self.scale = min(box.width / (x1 - x0), box.height / (y1 - y0))
        self.ox = box.centerx - (x0 + x1) / 2 * self.scale
        self.oy = box.bottom - y1 * self.scale

    def __call__(self, p: Point) -> tuple[int, int]:
        return (round(self.ox + p[0] * self.scale), round(self.oy + p[1] * self.scale))

    def length(self, units: float) -> float:
        return units * self.scale


def draw_figure(p: Painter, box: pygame.Rect, angle_deg: float | None,
                states: Sequence[tuple[str, str]]) -> None:
    """Athlete, dowel and one marker per (contact, state) in `states`, inside `box`."""
    m = FigureMap(box)
    j = pose(angle_deg or 0.0)
    surf = p.surface
    limb = max(3.0, m.length(0.055))
    floor_y = m(j["ankle"])[1] + round(limb / 2)
    pygame.draw.line(surf, theme.TRACK, (m((-0.3, 0))[0], floor_y), (m((0.35, 0))[0], floor_y),
                     max(1, round(limb / 3)))
    arm = limb * 0.75
    for elbow, hand in (("elbow_lo", "hand_lo"), ("elbow_hi", "hand_hi")):
        round_line(surf, ARM, m(j["shoulder"]), m(j[elbow]), arm)
        round_line(surf, ARM, m(j[elbow]), m(j[hand]), arm)
    round_line(surf, theme.FIGURE, m(j["ankle"]), m(j["toe"]), limb * 0.8)
    round_line(surf, theme.FIGURE, m(j["ankle"]), m(j["knee"]), limb)
    round_line(surf, theme.FIGURE, m(j["knee"]), m(j["hip"]), limb * 1.15)
    round_line(surf, theme.FIGURE, m(j["hip"]), m(j["shoulder"]), m.length(0.11))
    aa_circle(surf, theme.FIGURE, m(j["head"]), round(m.length(HEAD_R)))
    round_line(surf, theme.DOWEL, m(j["dowel_a"]), m(j["dowel_b"]), max(3.0, m.length(0.03)))
    r = max(6, round(m.length(MARKER_R)))
    for name, state in states:
        p.marker(name, m(j["c_" + name]), r, state)
    p.boxes["figure"] = box


def draw_gauge(p: Painter, box: pygame.Rect, pitch: float | None, target: float,
               px: int) -> pygame.Rect:
    """A quarter dial from standing (up) to level (right), target zone shaded; value below.

    Returns the rect of the value text.
    """
    text_h = round(px * 1.05)
    side = max(10, min(box.width, box.height - text_h))
    dial = pygame.Rect(box.centerx - side // 2, box.top, side, side)
    on_target = pitch is not None and pitch >= target
    _dial(p, dial, pitch, target, on_target)
    value = "--" if pitch is None else f"{pitch:.0f}°"
    rect = p.line(value, px, theme.GREEN if on_target else theme.TEXT,
                  pygame.Rect(box.left, dial.bottom + 2, box.width, text_h), align="center")
    p.boxes["gauge"] = dial
    return rect


def _dial(p: Painter, dial: pygame.Rect, pitch: float | None, target: float,
          on_target: bool) -> None:
    """The arc, its target zone with a tick, and the needle (none without a tilt).

    No number on the dial: at two metres it could not be read; the zone is the target."""
    side = dial.width
    pivot = (dial.left + side * 0.12, dial.bottom - side * 0.04)
    r_out = side * 0.86
    band = max(4.0, r_out * 0.16)
    surf = p.surface
    arc_band(surf, theme.TRACK, pivot, r_out, r_out - band, 0.0, math.pi / 2)
    arc_band(surf, theme.TARGET, pivot, r_out, r_out - band, math.radians(target), math.pi / 2)
    _tick(surf, pivot, r_out, band, target, theme.GREEN)
    if pitch is not None:
        a = math.radians(max(-5.0, min(100.0, pitch)))
        reach = r_out - band * 0.3
        tip = (pivot[0] + reach * math.sin(a), pivot[1] - reach * math.cos(a))
        round_line(surf, theme.GREEN if on_target else theme.TEXT, pivot, tip, max(3.0, side * 0.045))
    aa_circle(surf, theme.TEXT, (round(pivot[0]), round(pivot[1])), max(3, round(side * 0.05)))


def _tick(surf: pygame.Surface, pivot: Point, r_out: float, band: float, deg: float,
          colour: Colour) -> None:
    a = math.radians(deg)
    inner, outer = r_out - band * 1.4, r_out + band * 0.3
    round_line(surf, colour, (pivot[0] + inner * math.sin(a), pivot[1] - inner * math.cos(a)),
               (pivot[0] + outer * math.sin(a), pivot[1] - outer * math.cos(a)), max(2.0, band * 0.25))
