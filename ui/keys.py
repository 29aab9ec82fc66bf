"""The keyboard in the simulator window: the two buttons, and a person playing the athlete.

This module only turns keys into words; device/app/simkeys.py plays the words
on the simulated dowel.

Why: anyone should be able to try the appliance without hardware. Space and
b stand in for buttons A and B; d puts the dowel on or takes it off; 1, 2, 3
take the head, upper back or sacrum
off the dowel (press again to put it back); Down hinges forward, Up comes
back up; Escape or q quits.

    >>> import pygame
    >>> word_for(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))
    'a'
"""
from __future__ import annotations

import pygame

KEY_WORDS: dict[int, str] = {
    pygame.K_SPACE: "a",
    pygame.K_b: "b",
    pygame.K_d: "dowel",
    pygame.K_1: "lift_head",
    pygame.K_2: "lift_upper_back",
    pygame.K_3: "lift_sacrum",
    pygame.K_KP1: "lift_head",
    pygame.K_KP2: "lift_upper_back",
    pygame.K_KP3: "lift_sacrum",
    pygame.K_DOWN: "tilt_forward",
    pygame.K_UP: "tilt_back",
    pygame.K_ESCAPE: "quit",
    pygame.K_q: "quit",
}


def word_for(event: pygame.event.Event) -> str | None:
    """The word for one pygame event, or None for anything else (mouse, key release...)."""
    if event.type == pygame.QUIT:
        return "quit"
    if event.type == pygame.KEYDOWN:
        return KEY_WORDS.get(event.key)
    return None
