"""Power-off (B held 3 s) that never cuts an export short: deferred while a stick is being written.

Why: holding B during an export powered the box off while the screen said
"Do not remove the stick", leaving a `.partial` folder on the stick and the
sets unmarked. Now the press is taken, the screen says the box will power
off when the export is done, and it does then (the stick is unmounted first,
as after any export).
"""
from __future__ import annotations

from typing import Callable

from device.app.events import PowerOffDeferred
from device.core.events import Event
from device.view.builder import ViewModelBuilder

DEFERRED_WORDS = "Powering off when the export is done. Do not remove the stick."


class PowerOffGate:
    """`request()` powers off now, or once `busy()` is over (`tick()` on each turn of the main loop)."""

    def __init__(self, busy: Callable[[], bool], power_off: Callable[[], None], log: Callable[[Event], None],
                 now: Callable[[], float], view: ViewModelBuilder) -> None:
        self.busy, self._power_off, self.log, self.now, self.view = busy, power_off, log, now, view
        self.pending = False

    def request(self) -> None:
        if not self.busy():
            self._power_off()
            return
        if not self.pending:
            self.pending = True
            self.log(PowerOffDeferred(self.now(), detail="an export is writing to a stick"))
        self.view.set_notice(DEFERRED_WORDS)

    def tick(self) -> None:
        if self.pending and not self.busy():
            self.pending = False
            self._power_off()
