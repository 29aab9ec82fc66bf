"""Colours and type sizes of the screen.

Why these: the box stands on a gym floor and is read from two metres, often
by a coach who may be colour-blind. So: light type on a near-black ground
(high contrast, no glare), colours from the Okabe-Ito palette (the one
ui/chart.py uses), and every state told by shape as well as by colour.
Sizes are fractions of the screen height, so the layout scales from 320x240
to 800x480 and beyond.
"""
from __future__ import annotations

Colour = tuple[int, int, int]

BACKGROUND: Colour = (14, 16, 20)
PANEL: Colour = (32, 36, 44)
PANEL_HI: Colour = (52, 58, 70)  # the highlighted row of a list
TRACK: Colour = (60, 66, 78)  # empty part of bars, rings, gauges
TEXT: Colour = (246, 246, 246)
MUTED: Colour = (172, 180, 192)
FIGURE: Colour = (120, 128, 142)
DOWEL: Colour = (214, 196, 160)

# Okabe-Ito
GREEN: Colour = (0, 158, 115)  # bluish green: in contact, clean, on target
VERMILLION: Colour = (213, 94, 0)  # a contact that came away
YELLOW: Colour = (240, 228, 66)  # a sensor that cannot be trusted
SKY: Colour = (86, 180, 233)  # progress, information
ORANGE: Colour = (230, 159, 0)
BLUE: Colour = (0, 114, 178)
TARGET: Colour = (0, 92, 68)  # the target zone of the tilt gauge: a darker green

STATE_COLOURS: dict[str, Colour] = {
    "in_contact": GREEN,
    "lost": VERMILLION,
    "sensor_fault": YELLOW,
    "waiting": MUTED,
}

# Type sizes: line height as a fraction of the screen height.
TITLE = 0.095
BODY = 0.075
SMALL = 0.058
CUE_MIN = 1 / 12  # the cue must be readable at two metres
COUNTER_GLYPH = 1 / 3  # the rep counter's digits at least this tall
PAD = 0.035
