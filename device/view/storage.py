"""The storage banner's words: sets are not being saved, why, and what a coach can do about it.

Why its own words, and a banner on every screen: cueing needs no storage, so
the box goes on cueing when the card is full or read-only, and that is
exactly when nobody would notice that nothing is being saved. The banner
says it on whatever screen is up, in words for a coach at two metres, and
goes when saving resumes. The reasons are those of the `storage` event
(device/store/faults.py names them); an unknown one gets the general words.

    >>> v = storage_view("full")
    >>> v.headline, v.action, v.advice.startswith("Cues go on")
    ('Not saving: card full', 'Free space on the card', True)
"""
from __future__ import annotations

from device.view.model import StorageView, plural

# reason: (headline, the one thing to do, in a few words for the banner, the whole advice)
_WORDS = {
    "full": ("Not saving: card full", "Free space on the card",
             "Cues go on. Take the sets off on a USB stick, then free space on the card: saving resumes "
             "by itself."),
    "read_only": ("Not saving: card read-only", "Replace the card",
                  "Cues go on. The card may be failing: take the sets off on a USB stick and replace it."),
    "io_error": ("Not saving: card error", "Replace the card",
                 "Cues go on. The card is failing: take the sets off on a USB stick and replace it."),
    "no_permission": ("Not saving: no access", "Check the folder's owner",
                      "Cues go on. The box may not write its data folder: check the folder's owner."),
    "damaged": ("Not saving: database damaged", "Restart the box",
                "Cues go on. Restart the box: the damaged file is kept aside and a new one started."),
    "locked": ("Not saving: data in use", "Stop the other program",
               "Cues go on. Another program holds the data folder: stop it, saving resumes by itself."),
}
_GENERAL = ("Not saving sets", "Check the card",
            "Cues go on. The data folder cannot be used: check the card, then restart the box.")

# Said in the place screen's three lines (the smallest screen holds about 60 characters): the log has the
# whole story, with the file's name.
_FOUND = {
    "salvaged": "Database damaged: kept aside, its readable sets copied.",
    "journal_damaged": "Journal damaged: the last changes may be missing.",
    "traces_recovered": "Set traces left unfinished were finished or kept.",
}


def storage_view(reason: str, held_reps: int = 0) -> StorageView:
    """The banner for sets not being saved because of `reason` (`held_reps` wait in memory)."""
    headline, action, advice = _WORDS.get(reason, _GENERAL)
    if held_reps:
        advice = f"{advice} {plural(held_reps, 'rep')} kept in memory until then."
    return StorageView(reason, headline, action, advice, held_reps)


def finding_words(reason: str) -> str | None:
    """What the coach should hear of something the store found when it opened (None: nothing)."""
    return _FOUND.get(reason)
