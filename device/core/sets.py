"""Which sets are worth keeping: one rule for the screen, the store and the export.

Why one rule: a set that began (the dowel was placed and calibrated) and then
ended with nothing in it, no rep, no lost contact, no shallow try, is a
placement, not training. Showing it as "Set 4 done: 0 reps" and numbering it
makes the screen and the export disagree with what the coach saw. Without a
tilt sensor no rep can be counted, so a set of ten seconds or more is kept
all the same: it is the only record that the athlete trained.

    >>> worth_keeping(reps=0, losses=0, dips=0, has_imu=True, duration_s=40.0)
    False
    >>> worth_keeping(reps=0, losses=1, dips=0, has_imu=True, duration_s=3.0)
    True
    >>> worth_keeping(reps=0, losses=0, dips=0, has_imu=False, duration_s=12.0)
    True
"""
from __future__ import annotations

NO_IMU_KEEP_S = 10.0


def worth_keeping(reps: int, losses: int, dips: int, has_imu: bool, duration_s: float) -> bool:
    """True for a set with anything in it (see the module's note for the no-IMU case)."""
    if reps or losses or dips:
        return True
    return not has_imu and duration_s >= NO_IMU_KEEP_S
