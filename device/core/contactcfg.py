"""The contact loss detector's thresholds and times (`ContactConfig`) and the screen's sensitivity scale.

Kept apart from the state machine that reads them (device/core/contact.py,
ADR 0023, 0037, 0039): the settings file and the screen need the figures,
not the tracker; every threshold is a share of the contact's own level.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ContactConfig:
    """Thresholds of the loss detector, as fractions of the contact's level, and its times."""

    lost_ratio: float = 0.13  # below this the contact is gone (the cue's reference is 10 % of the force)
    mid_ratio: float = 0.5  # the sample before must be at most halfway down: a fall, not a jump
    high_ratio: float = 0.7  # at or above: still pressing as usual (the posture it did so at is kept)
    floor_ratio: float = 0.02  # at the zero floor: a glitch looks like this
    break_siemens: float = 2.5e-5  # an FSR stops conducting under its break force (~0.1-0.3 N): a fall
    # whose path reaches this conductance by the next sample may drop to the zero floor in it
    # (until the pad's own break is known: its first reading as the dowel was put on, see `placing`)
    zero_siemens: float = 3.0e-6  # under this a pad reads nothing (ADC offset, hum): off the back
    touch_max_siemens: float = 6.0e-5  # a first reading above this was not the break: put on at a slap
    break_margin: float = 1.25  # a fall within this of the pad's own break (noise, hysteresis) may let go
    break_span: float = 2.0  # a falling path under this times the pad's own break (and under break_siemens) lets go
    restore_ratio: float = 0.3  # back above this (twice) and the contact is restored
    jump_margin: float = 0.05  # a sample this far below the fall's path (and then some) left it
    jump_slack: float = 0.5  # ...plus this share of the fall's own step: falls may speed up
    spike_ratio: float = 4.0  # a sample this far above the level is interference: no shape from it
    together_ratio: float = 0.7  # the other pads all under this share of their levels: eased off together...
    together_floor: float = 0.35  # ...to this share at most (a fidget); judged against what they do...
    together_low: float = 0.25  # ...unless one is under this: leaving too (a double loss), or sagging
    leave_rate: float = 1.5  # falling at least this share of the level per second: coming off (a removal's
    # pads fall in 0.1-0.3 s, 3-10 per second; a head unloading with depth slides at well under 1)
    gap_s: float = 0.05  # a gap this long between samples is a stall of the sampler
    stall_confirm_s: float = 0.02  # after one, a reading at the zero floor must stay there this long...
    stall_bounce_s: float = 0.032  # ...or this long when the pad pressed as usual before it: a bounce that
    # began as the stall ended lasts up to 30 ms after it, and nothing before the stall said it was falling
    debounce_s: float = 0.045  # a drop that came at once must outlast a 30 ms bounce (and a glitch next to it)
    level_block_s: float = 0.1  # the recent level is the max over 9 such blocks' means
    level_blocks: int = 9
    hold_ratio: float = 0.5  # under this share of the level the level is held, not followed down
    hold_tau_s: float = 3.0  # ...and decays this slowly once the pressure has settled
    fall_block_ratio: float = 0.03  # a block this much (of the level) under the one before: still falling
    from_ratio: float = 0.8  # a fall that began under this share of the level is judged against where it began:
    from_block_ratio: float = 0.05  # two blocks in a row falling less than this (of the level): where it may begin
    level_floor: float = 0.25  # never below this fraction of the standing baseline...
    level_cap: float = 1.4  # ...nor above this: a level lifted by a rep or by hum is not the contact's
    shorted_s: float = 0.2  # at the supply this long: a shorted sensor
    stuck_s: float = 1.0  # the very same count this long, while pressed: a stuck ADC or input
    stuck_min_fraction: float = 0.05  # below this fraction of full scale a flat reading is an idle pad
    recover_s: float = 0.5  # plausible again this long: the fault clears
    baseline_tau_s: float = 8.0  # slow tracking of the standing baseline

    def __post_init__(self) -> None:
        if not 0.02 <= self.lost_ratio <= 0.5:
            raise ValueError(f"lost_ratio: between 0.02 and 0.5, not {self.lost_ratio}")
        if not self.debounce_s > 0:
            raise ValueError(f"debounce_s: must be positive, not {self.debounce_s}")

    def with_sensitivity(self, level: str) -> ContactConfig:
        """The thresholds for the screen's sensitivity setting: a higher one cues a smaller drop.

        Relative to the configured `lost_ratio` (0.087 / 0.13 / 0.173 with the
        defaults): "high" stays below the 20 % sag that must never be cued.

        >>> ContactConfig().with_sensitivity("high").lost_ratio
        0.1733
        """
        if level not in SENSITIVITY_SCALE:
            raise ValueError(f"sensitivity must be one of {', '.join(SENSITIVITY_SCALE)}, not {level!r}")
        return replace(self, lost_ratio=round(self.lost_ratio * SENSITIVITY_SCALE[level], 4))


# The screen's sensitivity setting, as a factor on the configured loss threshold.
SENSITIVITY_SCALE: dict[str, float] = {"low": 2.0 / 3.0, "normal": 1.0, "high": 4.0 / 3.0}
