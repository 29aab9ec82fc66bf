"""Taking the dowel off, told apart from contact losses: the hold, the withdrawal, the set's end.

Contact by contact, taking the dowel off looks like losses: the pads leave
together, or up to a quarter second apart when it is lifted off unevenly. A
real double loss looks the same for its first 80 ms. Two rules keep both
right:

- A loss is held (not cued) only while every other working pad is coming off
  too: lost moments ago, or under half its level and falling as a pad lifted
  off does (not sliding down as a head unloading with depth, ADR 0040). The
  moment one stops falling the held loss is reported, so a double loss next
  to a pad that only sagged or slid is not delayed.
- When the last working pad is lost and the first went within `window_s` of
  it, it was a removal: the losses already reported among them are withdrawn
  (`loss_withdrawn`: out of the set's counts; the cue has sounded), then
  `dowel_removed`. Pads gone longer apart are real losses, and once all have
  been off for `after_s` the dowel is off all the same.

A pad in sensor fault says nothing about the dowel: removal is judged on the
pads that work (at least two). A pad failing while the others are lost does
not make their losses a removal after the fact; only `after_s` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from device.core.contact import FAULT, LOST, ContactTracker


@dataclass(frozen=True)
class RemovalConfig:
    hold_s: float = 0.15  # a loss waits at most this long for the other pads to show a removal
    window_s: float = 0.35  # pads lost within this of each other: taken off together
    after_s: float = 1.0  # every working pad off this long: the dowel is off, however it left


class RemovalWatch:
    """The detector's removal bookkeeping for one set (see the module's doc)."""

    def __init__(self, contacts: Sequence[ContactTracker], cfg: RemovalConfig | None = None) -> None:
        self.cfg = cfg or RemovalConfig()
        self.contacts = tuple(contacts)
        self.pending: list[ContactTracker] = []
        self.hold_until = 0.0
        self.reported: dict[str, float] = {}  # contact -> t of its contact_lost, while still lost
        self._all_since: float | None = None  # every working pad lost since then

    def reset(self) -> None:
        self.pending = []
        self.reported = {}
        self._all_since = None

    def working(self) -> list[ContactTracker]:
        return [k for k in self.contacts if k.state is not FAULT]

    # -- decisions of the trackers ----------------------------------------------------------
    def hold(self, k: ContactTracker, t: float) -> bool:
        """A loss was decided: True when it is held (every other working pad is coming off too)."""
        if not self._others_leaving(k, t):
            return False
        if not self.pending:
            self.hold_until = t + self.cfg.hold_s
        self.pending.append(k)
        return True

    def reported_now(self, k: ContactTracker, t: float) -> None:
        self.reported[k.name] = t

    def back(self, k: ContactTracker) -> bool:
        """Restored: True when it was held (never a loss: say nothing)."""
        self.reported.pop(k.name, None)
        if k in self.pending:
            self.pending.remove(k)
            return True
        return False

    def failed(self, k: ContactTracker) -> None:
        """A sensor fault: its loss (held or reported) is no longer a question of the dowel."""
        self.reported.pop(k.name, None)
        if k in self.pending:
            self.pending.remove(k)

    # -- each sample ---------------------------------------------------------------------------
    def removed(self, t: float) -> list[tuple[str, float]] | None:
        """None, or the dowel is off: the (contact, lost t) of the reported losses to withdraw."""
        working = self.working()
        if len(working) < 2 or not all(k.state is LOST for k in working):
            self._all_since = None
            return None
        if self._all_since is None:
            self._all_since = t
        last = max(k.lost_since for k in working)
        together = last >= self._all_since and last - min(k.lost_since for k in working) <= self.cfg.window_s
        if not together and t - self._all_since < self.cfg.after_s:
            return None
        group = [k.name for k in working if last - k.lost_since <= self.cfg.window_s]
        return [(name, self.reported[name]) for name in group if name in self.reported]

    def release(self, t: float) -> list[ContactTracker]:
        """Held losses to report now: the hold is over, or a pad stopped coming off."""
        if not self.pending:
            return []
        if t < self.hold_until and all(self._others_leaving(k, t) for k in self.pending):
            return []
        out = [k for k in self.pending if k.state is LOST]
        self.pending = []
        return out

    def _others_leaving(self, lost: ContactTracker, t: float) -> bool:
        others = [k for k in self.working() if k is not lost]
        if not others:
            return False
        for k in others:
            if k.state is LOST:
                if t - k.lost_since > self.cfg.window_s:
                    return False
            elif not k.leaving():
                return False
        return True
