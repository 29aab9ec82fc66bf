"""A set's writes that wait for the next commit: contact losses, sensor faults, settings, the chart.

Why queued and not written one by one: losses come in bursts (a contact
lost and back within a rep, two contacts at once, a fault), and every
SQLite commit is an fsync on the SD card. So each event only queues its
write; the recorder commits the queue once per batch of what arrived
together, or inside the next rep's transaction (device/store/recorder.py).
"""
from __future__ import annotations

from typing import Callable

from device.core.contacts import CAUSES, CONTACTS
from device.core.events import ContactLost, ContactRestored, LossWithdrawn, SensorFault
from device.store.store import Store


class PendingWrites:
    """One set's queued writes; `flush()`, or `run()` inside a transaction, writes them.

    `losses` counts the losses recorded (whether the set is worth keeping).
    Whether a contact is off is kept as the events tell it, not as the rows
    are written: a loss that comes in the same batch as the restore before it
    is a new row."""

    def __init__(self, set_id: int, ready_t: float, db: Callable[[], Store]) -> None:
        self.set_id, self.ready_t, self._db = set_id, ready_t, db
        self.losses = 0
        self._ops: list[Callable[[], None]] = []
        self._open: dict[str, tuple[int, float]] = {}  # contact -> (row id, t): lost, row written
        self._lost_now: set[str] = set()  # contacts off as the events tell

    def later(self, op: Callable[[], None]) -> None:
        """Any other write of this set (a settings change, the chart's series)."""
        self._ops.append(op)

    def lost(self, e: ContactLost) -> None:
        """A new loss row, unless that contact is already lost."""
        contact, t = e.contact, e.t
        if contact not in CONTACTS or contact in self._lost_now:
            return
        cause = e.cause or CAUSES[contact]
        start = round(t - self.ready_t, 3)
        self._lost_now.add(contact)
        self.losses += 1

        def insert() -> None:
            loss_id = self._db().add_loss(self.set_id, contact, cause, start, e.phase, e.rep)
            self._open[contact] = (loss_id, t)
        self._ops.append(insert)

    def restored(self, e: ContactRestored) -> None:
        """The loss of that contact ends: its duration."""
        contact, t = e.contact, e.t
        self._lost_now.discard(contact)  # no longer lost: a new loss of it is a new row

        def update() -> None:
            opened = self._open.pop(contact, None)
            if opened is not None:
                self._db().restore_loss(opened[0], round(max(0.0, t - opened[1]), 3))
        self._ops.append(update)

    def withdrawn(self, e: LossWithdrawn) -> None:
        """That loss was the dowel being taken off: its row goes, and its count."""
        contact = e.contact
        if contact in self._lost_now:
            self._lost_now.discard(contact)
            self.losses -= 1

        def delete() -> None:
            opened = self._open.pop(contact, None)
            if opened is not None:
                self._db().withdraw_loss(opened[0])
        self._ops.append(delete)  # after the insert it undoes, which may still be waiting

    def sensor_fault(self, e: SensorFault) -> None:
        fault = f"{e.part}:{e.reason}"
        self._ops.append(lambda: self._db().note_sensor_fault(self.set_id, fault))

    def run(self) -> None:
        """The queued writes, inside a transaction the caller holds."""
        ops, self._ops = self._ops, []
        for op in ops:
            op()

    def flush(self) -> None:
        """The queued writes in one transaction of their own; on failure they are dropped."""
        if self._ops:
            try:
                with self._db().transaction():
                    self.run()
            except Exception:
                self._ops = []
                raise
