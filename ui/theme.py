"""Colours and type sizes of the screen.

Why these: the box stands on a gym floor and is read from two metres, often
by a coach who may be colour-blind. So: light type on a near-black ground
(high contrast, no glare), colours from the Okabe-Ito palette (the one
ui/chart.py uses), and every state told by shape as well as by colour.
Sizes are fractions of the screen height, so the layout scales from 320x240
to 800x480 and beyond; they are set for a 3.5-inch 480x320 panel read from
two metres (docs/adr: the two-metre layout).
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

STAGE_COLOURS: dict[str, Colour] = {  # the learning plan's stages (the progress chart's bars)
    "learn": BLUE,
    "fade": SKY,
    "test": ORANGE,
    "mastered": GREEN,
}

STATE_COLOURS: dict[str, Colour] = {
    "in_contact": GREEN,
    "lost": VERMILLION,
    "sensor_fault": YELLOW,
    "waiting": MUTED,
}

# Type sizes: the height of a capital letter as a fraction of the screen height. At
# 480x320 on a 3.5-inch panel (0.154 mm a pixel), seen from two metres:
TEXT_CAP = 1 / 16  # 20 px = 3.1 mm: nothing a person must read is smaller
TITLE_CAP = 1 / 14  # 23 px
BIG_CAP = 1 / 10  # 32 px: the headline numbers of a summary
CUE_CAP = 1 / 8  # 40 px = 6.2 mm: the cue words
COUNTER_CAP = 0.31  # 99 px = 15.3 mm: the rep count
PAD = 0.03
