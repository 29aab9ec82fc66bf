"""A fall's path: where the last two readings say the next one should be (ADR 0023, 0039, 0040, 0043).

Why a module of its own: the contact tracker decides a loss from the level
and the time; whether a reading continues a fall, jumped off it, or ended it
at the FSR's break is geometry on the last two readings (r2 then r1, as shares
of the level, dt1 apart) and the new one (r, dt after r1). Pure functions of
the thresholds, kept apart so each rule reads whole and is tested on its own.

    >>> from device.core.contactcfg import ContactConfig
    >>> cfg = ContactConfig()
    >>> on_path(cfg, 0.30, 0.45, 0.60, 0.01, 0.01)  # 0.60 -> 0.45 -> 0.30: the same step again
    True
    >>> on_path(cfg, 0.05, 0.45, 0.60, 0.01, 0.01)  # far under the path: a jump (a bounce, a glitch)
    False
    >>> through_stall(cfg, 0.30, 0.50, 0.10, 0.02, 0.13)  # falling 10 per second; the stall hid 0.1 s
    True
    >>> through_stall(cfg, 0.95, 0.97, 0.10, 0.02, 0.13)  # pressing: a step within the noise
    False
    >>> through_stall(cfg, 0.92, 0.99, 0.22, 0.01, 0.13)  # still pressing as usual: one step is no fall
    False
"""
from __future__ import annotations

from device.core.contactcfg import ContactConfig


def on_path(cfg: ContactConfig, r: float, r1: float, r2: float, dt: float, dt1: float) -> bool:
    """Does r continue the fall r2 -> r1 (it may speed up), or did it jump off it?

    Across a stall the fall's speed is unknown (it may have begun just
    before r1): any reading lower still that is not at the zero floor
    (a bounce reads nothing) continues it."""
    if dt1 > cfg.gap_s:
        return r > cfg.floor_ratio
    step = (r2 - r1) * dt / dt1 if dt1 > 0.0 and r2 > r1 else 0.0
    return r >= r1 - step - cfg.jump_margin - cfg.jump_slack * step


def through_stall(cfg: ContactConfig, r1: float, r2: float, dt: float, dt1: float, limit: float) -> bool:
    """Was a fall under way before a stall whose path crossed the threshold (`limit`) during it?

    Under way: falling as fast as a pad coming off (`leave_rate`), already
    under the pressure it presses as usual (`high_ratio`), and either under
    half the level or by a step beyond noise (`jump_margin`). Then a zero
    after the stall ends that fall, and the next sample confirms it (a glitch
    is one sample). From a pad that still pressed as usual one step says
    nothing (a loud line steps 5-8 % between samples), and the zero must
    outlast a bounce instead (the tracker's `stall_bounce_s`, ADR 0043)."""
    if not 0.0 < dt1 <= cfg.gap_s or r2 - r1 < cfg.leave_rate * dt1:
        return False
    if r1 >= cfg.high_ratio or (r1 >= cfg.mid_ratio and r2 - r1 < cfg.jump_margin):
        return False  # pressing as usual, or what fell was within the noise
    return r1 - (r2 - r1) * dt / dt1 < limit


def let_go(cfg: ContactConfig, r: float, r1: float, r2: float, dt: float, dt1: float, scale: float,
           own_break: float) -> bool:
    """At the zero floor, from a fall whose path reaches the break force by now: the FSR let go.

    `scale` turns a share of the level into siemens (level times posture);
    the break is near the pad's own (`own_break`, siemens, learnt as the
    dowel was put on), or `break_siemens` for any pad until it is known (0).
    A falling path may let go a little above the pad's own break (hysteresis,
    creep, hum: up to `break_span` times it), never above the shared figure:
    a light head's own break can be a third of it, and judged by the shared
    figure a head unloaded and sagging near 25 uS let go at a bounce (ADR
    0041). A fall at the pad's own break may show no step any more (a slow
    fall's last steps are lost in the noise)."""
    if r > cfg.floor_ratio or dt1 <= 0.0:
        return False
    falling = r2 > r1
    g = (r1 - (r2 - r1) * dt / dt1 if falling else r1) * scale  # the path's next reading
    if own_break > 0.0 and g < cfg.break_margin * own_break:
        return True  # at the pad's own break, however slowly it came
    limit = cfg.break_siemens if own_break <= 0.0 else min(cfg.break_siemens, cfg.break_span * own_break)
    return falling and g < limit
