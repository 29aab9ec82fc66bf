"""The three contacts of the dowel, and what losing each one means.

One list for the whole appliance (the detector, the cues, the store, the
export and the screen all name contacts the same way, in the same order):
the order is top to bottom of the body, which is also the order of the
trace file's columns.

    >>> CONTACTS
    ('head', 'upper_back', 'sacrum')
    >>> CAUSES["sacrum"], LABELS["upper_back"]
    ('spinal_flexion', 'Upper back')
"""
from __future__ import annotations

from typing import Final

CONTACTS: Final[tuple[str, str, str]] = ("head", "upper_back", "sacrum")

# The design's table: the cause id of a lost contact.
CAUSES: Final[dict[str, str]] = {
    "head": "cervical_flexion",
    "upper_back": "squatting",
    "sacrum": "spinal_flexion",
}

# How people name them (screen, README of an export).
LABELS: Final[dict[str, str]] = {"head": "Head", "upper_back": "Upper back", "sacrum": "Sacrum"}

# What the screen says when one comes away: technique words, never alarms.
CUE_WORDS: Final[dict[str, str]] = {
    "head": "Head off the dowel - keep your gaze down, neck long",
    "upper_back": "Upper back off - push the hips back, less knee",
    "sacrum": "Sacrum off - hinge from the hips, keep the back flat",
}

# The same cue as the screen shows it from two metres: a headline worded one way for
# every contact ("<contact> off") and the advice cut to what still reads at 6 mm type.
CUE_SHORT: Final[dict[str, tuple[str, str]]] = {
    "head": ("Head off", "Neck long"),
    "upper_back": ("Upper back off", "Hips back"),
    "sacrum": ("Sacrum off", "Back flat"),
}
