"""What the screen reads of the detector before a frame, quantised as the screen shows it.

Why its own module: the builder compares each glance with the last and only
assembles a new view model when one differs, so what a glance holds (and how
finely) decides how often the screen redraws; these are pure reads of the
detector's state, nothing else.
"""
from __future__ import annotations

from typing import Any

from device.core.contact import FAULT
from device.core.detector import READY, Detector
from device.core.signal import Sample
from device.view.model import IN_CONTACT, WAITING
from device.view.setlog import PRESSURE_MAX, baseline_bar, clamp, presence_bar

def contact_glance(detector: Detector, ratios: list[float]) -> tuple[tuple[Any, ...], ...]:
    """Per contact (name, state, pressure, bar), quantised as the screen shows them; `ratios`
    are the pads' pressures over their standing baselines."""
    ready = detector.state == READY
    present = detector.cfg.present_siemens
    out: list[tuple[Any, ...]] = []
    for k, ratio in zip(detector.contacts, ratios):
        if k.state == FAULT:
            out.append((k.name, FAULT))
        elif ready and k.baseline > 0:
            r = clamp(ratio, 0.0, PRESSURE_MAX)
            out.append((k.name, k.state, round(r, 2), baseline_bar(r)))
        else:
            r = clamp(k.m3 / present, 0.0, PRESSURE_MAX * 100)
            out.append((k.name, IN_CONTACT if k.m3 >= present else WAITING, round(r, 1), presence_bar(r)))
    return tuple(out)


def calibration(detector: Detector, last_sample: Sample | None) -> float:
    """Share of the still-standing time done (the detector restarts it on movement)."""
    if last_sample is None:
        return 1.0 if detector.state == READY else 0.0
    return round(detector.calibration_progress(float(last_sample.t)) * 50) / 50


def standing_pitch(detector: Detector, last_sample: Sample | None) -> float | None:
    """Degrees from standing as the athlete reads them (None without a tilt or before ready)."""
    standing = detector.reps.standing
    if (detector.state != READY or not detector.has_imu or standing is None
            or last_sample is None or last_sample.pitch is None):
        return None
    return float(max(0, round(last_sample.pitch - standing)))  # leaning back reads as upright


def glance(detector: Detector, last_sample: Sample | None) -> tuple[tuple[Any, ...], list[float], float | None]:
    """A frame's glance (what the builder compares with the last), the pads' pressure ratios and
    the pitch past standing (what the set's chart records)."""
    reps = detector.reps
    ready = detector.state == READY
    pitch = standing_pitch(detector, last_sample)
    ratios = detector.pressure_ratios()
    seen = (detector.state, contact_glance(detector, ratios), bool(detector.has_imu), bool(detector.paused),
            calibration(detector, last_sample), reps.current_rep if ready else None, reps.phase, pitch)
    return seen, ratios, pitch
