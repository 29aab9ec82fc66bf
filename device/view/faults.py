"""The fault screen's words: which part cannot be trusted, why, and what a person should check."""
from __future__ import annotations

from device.core.contacts import LABELS
from device.core.events import SensorFault
from device.view.model import FaultView

_CHIPS = {"ads1115": "Sensor chip", "mcp3008": "Sensor chip", "adc": "Sensor chip",
          "imu": "Tilt sensor"}
_REASONS = {
    "shorted": ("reads full pressure all the time",
                "Check the {where} cable for a pinch or bare wires, and its plug."),
    "stuck": ("reading has stopped changing",
              "Reseat the {where} plug on the box. Still stuck: the cable may be broken."),
}
_CHIP_CHECK = {
    "Sensor chip": "Power off, then reseat the cable from the dowel to the box. If it "
                   "keeps happening, check the I2C wiring inside the box.",
    "Tilt sensor": "Reps and depth pause; the contacts still work. Reseat the dowel "
                   "cable and check the tilt sensor's wires.",
}


def fault_view(event: SensorFault) -> FaultView:
    """The fault screen's words for a `sensor_fault` event (a contact's or a chip's)."""
    reason = event.reason or "unknown"
    contact = event.contact
    if contact in LABELS:
        label = LABELS[contact]
        what, check = _REASONS.get(reason, ("reading cannot be trusted",
                                            "Reseat the {where} plug on the box."))
        return FaultView(contact, f"{label} sensor", reason, what,
                         check.format(where=label.lower()))
    sensor = event.sensor or "adc"
    label = _CHIPS.get(sensor, sensor)
    return FaultView(sensor, label, reason, "not answering",
                     _CHIP_CHECK.get(label, "Reseat the dowel's cable and restart the box."))
