"""Whether the recorder's writes reach the card, said once per change, and when to try again.

Why the recorder says it (and not only counts errors): a full or read-only
card used to lose every rep after the fault with nothing on the screen and
nothing in the log but stderr. Now the recorder reports each change of state
(recording / not recording and why) to whoever owns it (the app's storage
supervisor turns it into a `storage` event and a banner), holds what it
could not write, and tries again every `retry_s` until the card takes it.
Repeats of the same failure are not reported again: a full card is one
event, not one a second.

    >>> said = []
    >>> watch = HealthWatch(said.append, clock=lambda: 0.0)
    >>> watch.fault(StorageFault("full", "No space left on device"), held_sets=1, held_reps=2)
    >>> watch.fault(StorageFault("full", "No space left on device"), held_sets=1, held_reps=3)
    >>> watch.recovered(saved_reps=3)
    >>> [(h.recording, h.reason) for h in said]
    [(False, 'full'), (True, '')]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from device.store.faults import StorageFault

RETRY_S = 2.0  # a card that refused is tried again this often
CHECK_S = 0.5  # a card that takes writes is looked at (or written to) this often: faults seen within a second

# Reasons of what the recorder found when it opened the store (it records all the same).
SALVAGED, JOURNAL_DAMAGED, TRACES_RECOVERED, SETS_INTERRUPTED = (
    "salvaged", "journal_damaged", "traces_recovered", "sets_interrupted")


@dataclass(frozen=True)
class Health:
    """One report: recording or not, why (faults.REASONS, or a finding at opening), and what waits."""

    recording: bool
    reason: str = ""
    detail: str = ""
    held_sets: int = 0  # sets (or parts of sets) kept in memory for the card
    held_reps: int = 0


class HealthWatch:
    """The recorder's state for its owner: reports changes, schedules retries (recorder's thread)."""

    def __init__(self, report: Callable[[Health], None] | None, clock: Callable[[], float],
                 retry_s: float = RETRY_S) -> None:
        self._report = report or (lambda health: None)
        self._clock, self.retry_s = clock, retry_s
        self.down: StorageFault | None = None  # what stops writing now (None: writing)
        self.retry_at = 0.0
        self.opened = False  # the store was opened once (the next opens only reconnect)

    def fault(self, fault: StorageFault, held_sets: int = 0, held_reps: int = 0) -> None:
        """The card refused: said when it is news (a new reason), retried in `retry_s`."""
        if self.down is None or self.down.reason != fault.reason:
            self._report(Health(False, fault.reason, fault.detail, held_sets, held_reps))
        self.down = fault
        self.retry_at = self._clock() + self.retry_s

    def recovered(self, saved_reps: int = 0, saved_sets: int = 0) -> None:
        """Writes reach the card (again): said when it was down, or at the first opening."""
        if self.down is not None or not self.opened:
            saved = f"; {saved_reps} rep(s) and {saved_sets} set(s) kept meanwhile were saved" \
                if saved_reps or saved_sets else ""
            self._report(Health(True, "", f"recording{' again' if self.opened else ''}{saved}"))
        self.down = None
        self.opened = True

    def notice(self, reason: str, detail: str) -> None:
        """Something found at opening that the coach must hear of (it records all the same)."""
        self._report(Health(True, reason, detail))

    def retry_due(self) -> bool:
        return self.down is not None and self._clock() >= self.retry_at
