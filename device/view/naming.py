"""Typing a name with two buttons: B turns a wheel of letters, A takes the one shown.

Why a wheel: the box has no keyboard and no touch, and a coach adds an
athlete in the gym, not at a computer. Letters come in the case they will be
typed (capital at the start of a word), so what the screen shows is what is
typed. Three words end the wheel: delete the last letter, save, cancel.

    >>> text = ""
    >>> for item in ("S", "a", "m"):
    ...     text, done = take(text, item)
    >>> text, wheel_item(text, 0), take(text, SAVE)
    ('Sam', 'a', ('Sam', 'save'))
"""
from __future__ import annotations

import string

DELETE, SAVE, CANCEL = "Delete", "Save", "Cancel"
WHEEL: tuple[str, ...] = (*string.ascii_uppercase, "Space", "-", DELETE, SAVE, CANCEL)
NAME_MAX = 40  # the store's limit for a name


def wheel_item(text: str, cursor: int) -> str:
    """The wheel's item at `cursor` as it would type after `text` (letters in their case)."""
    item = WHEEL[cursor % len(WHEEL)]
    if len(item) == 1 and item.isalpha() and text and text[-1] not in " -":
        return item.lower()
    return item


def take(text: str, item: str) -> tuple[str, str]:
    """Type `item` after `text`: (new text, "" | "save" | "cancel")."""
    if item == SAVE:
        return text, "save" if text.strip() else "cancel"
    if item == CANCEL:
        return text, "cancel"
    if item == DELETE:
        return text[:-1], ""
    char = " " if item == "Space" else item
    if len(text) >= NAME_MAX or (char in " -" and (not text or text[-1] in " -")):
        return text, ""
    return text + char, ""
