"""One contact's state machine: in contact, losing, lost, restored, sensor fault (ADR 0023, 0039, 0040).

Why the shape and not only the level: a real loss is the body moving away, so
the pressure falls through the levels, in 80 ms or over a second and a half (a
sacrum peeling away as the lumbar spine rounds); a bounce or a glitch jumps to
nothing in one sample, from wherever it was, even halfway down a sag. So a
sample under the threshold that continues the fall the samples before it were
making is a loss at once; one that jumped there must stay down longer than any
bounce (30 ms). An FSR stops conducting under its break force (~0.1-0.3 N), so
a light pad's fall ends in a jump to zero: from a path that reaches it, that
jump ends a fall too. A zero is confirmed by the next sample (a lone glitch
reads zero), and a glitch is undone: the path goes on from the sample before
it. After a sampler stall the first samples decide at once: a fall seen
before it whose path crossed the threshold within it ends at the zero after
it (ADR 0040). The path's geometry is device/core/fallpath.py.

Levels are the contact's own, never absolute counts: FSRs differ ±6 % part to
part, drift, creep and warm, and backs press differently. The level is the
sliding maximum (~0.9 s, over 0.1 s block means of the median of three, so
aliased hum does not lift it), but it never follows a fall down: while the
pressure falls block after block the level stays, and once it has settled
under half of it (a sag, a lighter grip) the level decays only slowly. So a
slow peel is judged against the pressure it peeled from, and a sag to 20 %
reads 20 %. A fall that starts from a plateau well under the level (a head
unloading at depth more than the posture model knows) is judged against that
plateau. The level stays within 0.25-1.4x the standing baseline. The detector
divides out what the hinge does to each pad (device/core/posture.py) before
this tracker sees it.
"""
from __future__ import annotations

import math
from enum import Enum, StrEnum

from device.core.contactcfg import ContactConfig
from device.core.fallpath import let_go, on_path, through_stall


class ContactState(StrEnum):
    """Where a contact stands; the values are the words the screen and the logs use."""

    IN_CONTACT = "in_contact"
    LOST = "lost"
    FAULT = "sensor_fault"


class Decision(Enum):
    """What one sample decided about a contact (`ContactTracker.step`); the reason of a FAULT
    is the tracker's `fault_reason`."""

    LOST = "lost"
    RESTORED = "restored"
    FAULT = "fault"
    FAULT_CLEARED = "fault_cleared"


IN_CONTACT, LOST, FAULT = ContactState.IN_CONTACT, ContactState.LOST, ContactState.FAULT


class ContactTracker:
    """Turns one contact's conductance samples into lost / restored / fault decisions.

    `step` returns None almost always, else a Decision: LOST, RESTORED,
    FAULT (shorted or stuck: `fault_reason` says which) or FAULT_CLEARED
    ("open" comes from the detector, which knows when the athlete stands
    tall: `mark_open`). It has no clock: time comes from the samples.
    """

    __slots__ = (
        "name", "cfg", "state", "baseline", "level", "_blocks", "_block_sum", "_block_n", "_block_end", "_held",
        "_hold_decay", "_from", "_settled", "_g1", "_g2", "r1", "r2", "t1", "t2", "_below_since", "_recheck",
        "_restore_hits", "_undo", "lost_level", "lost_since", "_short_since", "_stuck_since",
        "_last_count", "_ok_since", "fault_reason", "m3", "_shorted_count", "_stuck_min_count", "posture",
        "peers", "_f_full", "_off", "_touch_g", "break_ratio",
    )

    def __init__(self, name: str, shorted_count: int, cfg: ContactConfig | None = None) -> None:
        self.name = name
        self.cfg = cfg or ContactConfig()
        self._shorted_count = shorted_count
        # A pressed pad always wobbles by counts (the body sways); an idle one at 0 V may
        # read perfectly flat on a quiet ADC, and that is no fault.
        self._stuck_min_count = int(shorted_count * self.cfg.stuck_min_fraction)
        self._hold_decay = math.exp(-self.cfg.level_block_s / self.cfg.hold_tau_s)
        self.state = IN_CONTACT
        self.baseline = 0.0
        self.fault_reason = ""
        self.lost_level = 0.0
        self.lost_since = 0.0
        self.posture = 1.0  # the detector's posture factor for this pad: its conductance is divided by it
        self.peers: tuple[ContactTracker, ...] = ()  # the other pads (the detector sets them)
        self._short_since = -1.0
        self._stuck_since = -1.0
        self._last_count: int | None = None
        self._ok_since = -1.0
        self._off = False  # read nothing since the last set: the next reading is its first touch
        self._touch_g = 0.0  # the lowest first touch while the dowel was put on (0: none seen)
        self.break_ratio = 0.0  # the pad's own break conductance over its baseline (0: not known)
        self.reset_level(0.0, 0.0)

    # -- level ------------------------------------------------------------------
    def reset_level(self, t: float, g: float) -> None:
        """Forget the recent level (after calibration or a restore): start from g."""
        self._blocks = [g] * self.cfg.level_blocks
        self._block_sum = 0.0
        self._block_n = 0
        self._block_end = t + self.cfg.level_block_s
        self._held = g
        self._from = g  # where a fall that starts now starts from: the last of two blocks that did not fall fast
        self._settled = False  # the last block did not fall fast
        self.level = max(g, self.baseline * self.cfg.level_floor)
        self._g1 = self._g2 = g
        self.m3 = g
        self.r1 = self.r2 = 1.0  # the last two samples' pressure relative to the level...
        self.t1 = self.t2 = t  # ...and their times: the fall's path
        self._below_since = -1.0
        self._recheck = False
        self._undo: tuple[float, float, float, float, float, bool] | None = None  # the path before a zero reading
        self._restore_hits = 0
        self._f_full = 1.0  # the posture factor when it last pressed as usual

    def placing(self, g: float) -> None:
        """Before a set (the dowel being put on): the first reading after nothing is the pad's break.

        An FSR conducts nothing under its break force and jumps to its break
        conductance as the force passes it: the first reading as the dowel
        touches is where this pad will let go again (within its hysteresis,
        and creeping with its sensitivity, so it is kept relative to the
        baseline). A glitch to zero while pressing gives a higher first
        reading: the lowest is kept."""
        if g < self.cfg.zero_siemens:
            self._off = True
        elif self._off:
            self._off = False
            if g < self.cfg.touch_max_siemens and (self._touch_g == 0.0 or g < self._touch_g):
                self._touch_g = g

    def forget_touch(self) -> None:
        """The set is over: the next placement teaches the break afresh."""
        self._touch_g = 0.0
        self._off = False

    def calibrate(self, t: float, baseline: float) -> None:
        """Adopt the standing baseline measured during calibration (and the break seen as it was put on)."""
        self.baseline = baseline
        self.break_ratio = self._touch_g / baseline if self._touch_g > 0.0 and baseline > 0.0 else 0.0
        self.state = IN_CONTACT
        self.reset_level(t, baseline)

    def track_baseline(self, dt: float) -> None:
        """Follow slow drift while the athlete stands still (never during a rep)."""
        if self.state is IN_CONTACT and self.m3 > 0.0:
            a = dt / self.cfg.baseline_tau_s
            if a > 1.0:
                a = 1.0
            self.baseline += a * (self.m3 - self.baseline)

    def _roll_level(self, t: float, m3: float) -> None:
        """A block of the level's window is over: the window moves on, the held level may decay.

        While the pressure falls block after block (a peel under way, however
        slow) the level held before stays. Otherwise, pressing at least
        `hold_ratio` of the level, the window's maximum is the level; under it
        (settled in a sag, unloading, a lighter grip) the held level decays
        slowly. The window's maximum can always raise it.
        """
        cfg = self.cfg
        blocks = self._blocks
        finished = self._block_sum / self._block_n if self._block_n else m3
        falling = finished < blocks[-1] - cfg.fall_block_ratio * self.level
        blocks.pop(0)
        blocks.append(finished)
        if finished >= blocks[-2] - cfg.from_block_ratio * self.level:
            if self._settled:
                self._from = finished  # a slow slide or a plateau (not a peel's noisy step): falls start here
            self._settled = True
        else:
            self._settled = False
        window = max(blocks)
        if falling:
            held = self._held if self._held > window else window  # a fall under way: never followed down
        elif finished >= cfg.hold_ratio * self.level:
            held = window
        else:
            held = self._held * self._hold_decay
            if window > held:
                held = window
        self._held = held
        self._block_sum = m3
        self._block_n = 1
        self._block_end = t + cfg.level_block_s
        b = self.baseline
        if b > 0.0:
            lo, hi = b * cfg.level_floor, b * cfg.level_cap
            held = lo if held < lo else hi if held > hi else held
        self.level = held

    # -- per sample ---------------------------------------------------------------
    def step(self, t: float, count: int, g: float) -> Decision | None:
        """Feed one sample (raw count and its conductance); return a decision or None."""
        fault = self._check_sensor(t, count)
        if fault is not None or count >= self._shorted_count:
            return fault  # at the supply the pad says nothing about the contact: no loss, no level
        if self.state is FAULT:
            return self._watch_open(t, g) if self.fault_reason == "open" else None
        g1 = self._g1
        g2 = self._g2
        # median of three: one glitch sample never moves the level
        if g1 < g2:
            lo, hi = g1, g2
        else:
            lo, hi = g2, g1
        m3 = hi if g > hi else (lo if g < lo else g)
        self._g2 = g1
        self._g1 = g
        self.m3 = m3
        if self.state is IN_CONTACT:
            return self._watch_contact(t, g, m3)
        return self._watch_lost(t, g, m3)

    def _watch_contact(self, t: float, g: float, m3: float) -> Decision | None:
        cfg = self.cfg
        if t >= self._block_end:
            self._roll_level(t, m3)
        else:
            self._block_sum += m3
            self._block_n += 1
        level = self.level
        if level <= 0.0:
            return None
        r = g / level
        if r > cfg.spike_ratio:
            return None  # interference, not pressure: it says nothing about a fall
        r1, r2, t1, t2 = self.r1, self.r2, self.t1, self.t2
        if self._undo is not None and r1 <= cfg.floor_ratio < r:  # the zero before was a glitch: as if it never came
            r1, r2, t1, t2, self._below_since, self._recheck = self._undo
            self._undo = None
        self.r2, self.t2, self.r1, self.t1 = r1, t1, r, t
        if r >= cfg.high_ratio:  # pressing as usual: the per-sample path
            self._f_full = self.posture
            if self._below_since >= 0.0:
                self._below_since = -1.0
                self._recheck = False
            return None
        limit = self._limit()
        if r >= limit or r >= limit * self._together():
            self._below_since = -1.0
            self._recheck = False
            return None
        if r <= cfg.floor_ratio:  # a zero: kept undoable until the next sample says it was no glitch
            self._undo = None if r1 <= cfg.floor_ratio else (r1, r2, t1, t2, self._below_since, self._recheck)
        if self._below_since < 0.0:
            self._below_since = t
            dt = t - t1
            if dt > cfg.gap_s:  # after a stall: the first samples decide, at once
                if r > cfg.floor_ratio:
                    self._recheck = True  # partly pressed: the next sample confirms
                elif through_stall(cfg, r1, r2, dt, t1 - t2, self._limit()):
                    self._recheck = True  # a fall under way crossed the threshold in the stall: the next confirms
                else:  # at the zero floor: a bounce may straddle the stall's end
                    confirm = cfg.stall_confirm_s if r1 < cfg.high_ratio else cfg.stall_bounce_s
                    self._below_since = t - cfg.debounce_s + confirm - 1e-9
            elif r1 < cfg.mid_ratio and (on_path(cfg, r, r1, r2, dt, t1 - t2) or let_go(
                    cfg, r, r1, r2, dt, t1 - t2, level * self.posture, self.break_ratio * self.baseline)):
                if r > cfg.floor_ratio:
                    return self._lose(t, level)
                self._recheck = True  # at the zero floor: the end of the fall, or a glitch on it
            return None
        if self._recheck or t - self._below_since >= cfg.debounce_s:
            if t - t1 > cfg.gap_s and r <= cfg.floor_ratio and not self._recheck:
                self._recheck = True  # at zero before and after a stall, not seen between: one more sample
                return None  # confirms (a bounce before it and a glitch after it look the same)
            return self._lose(t, level)
        return None

    def _limit(self) -> float:
        """The loss threshold now, as a share of the level.

        A back pad peeling away while the athlete comes up loses the extra
        press of depth as it goes: its loss is measured from the press it
        fell from (posture and all), not from the standing level its posture
        is returning to. A fall that began from a pressure well under the
        level (a head unloading more than the posture explains, settled
        there for 0.2 s) is measured from that pressure: a sag to 20 % of it
        still touches, and a real loss's 10 % is of the force it fell from."""
        f_full, f_now = self._f_full, self.posture
        if f_full > 1.0 and f_full > f_now:
            return self.cfg.lost_ratio * f_full / f_now
        share = self._from / (self.cfg.from_ratio * self.level)
        return self.cfg.lost_ratio * share if share < 1.0 else self.cfg.lost_ratio

    def _together(self) -> float:
        """How far the other pads have eased off together (1.0: not at all), judged only when this one is low.

        The athlete easing the dowel off the back (a fidget: every pad to 35-60 %
        for up to a second) on top of a sag on this pad is no loss of this one:
        it is judged against what the others do. A peer that is lost or failed
        says nothing of the kind (a double loss, a removal), nor does one far
        under any fidget (a second pad leaving with this one, or sagging)."""
        share = 0.0  # the least eased of them: all must have eased off for it to count
        low = self.cfg.together_low
        for k in self.peers:
            if k.state is not IN_CONTACT or k.level <= 0.0:
                return 1.0
            r = k.m3 / k.level
            if r < low:
                return 1.0
            if r > share:
                share = r
        floor = self.cfg.together_floor
        return 1.0 if share > self.cfg.together_ratio else (floor if share < floor else share)

    def _lose(self, t: float, level: float) -> Decision:
        self.state = LOST
        self.lost_level = level
        self.lost_since = t
        self._restore_hits = 0
        self._below_since = -1.0
        self._recheck = False
        return Decision.LOST

    def _watch_lost(self, t: float, g: float, m3: float) -> Decision | None:
        if g >= self.cfg.restore_ratio * self.lost_level:
            self._restore_hits += 1
            if self._restore_hits >= 2:
                self.state = IN_CONTACT
                self.reset_level(t, g)
                return Decision.RESTORED
        else:
            self._restore_hits = 0
        return None

    def leaving(self) -> bool:
        """Coming off now (the removal hold asks): under half its level, falling as a lifted pad does (ADR 0040)."""
        cfg = self.cfg
        return self.state is IN_CONTACT and self.r1 < cfg.mid_ratio \
            and self.r2 - self.r1 >= cfg.leave_rate * (self.t1 - self.t2)

    def ratio(self) -> float:
        """Pressure now relative to the recent level (1.0 = pressing as usual)."""
        level = self.lost_level if self.state is LOST else self.level
        return self.m3 / level if level > 0.0 else 0.0

    # -- sensor faults ------------------------------------------------------------
    def _check_sensor(self, t: float, count: int) -> Decision | None:
        """Shorted (at the supply) or stuck (the same pressed count for a second) is a sensor fault."""
        cfg = self.cfg
        if count >= self._shorted_count:
            if self._short_since < 0.0:
                self._short_since = t
            elif self.state is not FAULT and t - self._short_since >= cfg.shorted_s:
                return self._fault(t, "shorted")
        else:
            self._short_since = -1.0
        if count == self._last_count and count >= self._stuck_min_count:
            if self._stuck_since < 0.0:
                self._stuck_since = t
            elif self.state is not FAULT and t - self._stuck_since >= cfg.stuck_s:
                return self._fault(t, "stuck")
        else:
            self._stuck_since = -1.0
            self._last_count = count
        if self.state is FAULT and self.fault_reason != "open":
            plausible = self._short_since < 0.0 and self._stuck_since < 0.0
            if not plausible:
                self._ok_since = -1.0
            elif self._ok_since < 0.0:
                self._ok_since = t
            elif t - self._ok_since >= cfg.recover_s:
                self.state = IN_CONTACT
                self.fault_reason = ""
                self.reset_level(t, 0.0)
                self.r1 = self.r2 = 0.0
                return Decision.FAULT_CLEARED
        return None

    def mark_open(self) -> None:
        """Lost, at zero, through standing tall: an unplugged pad, not a posture. Stop cueing it."""
        self.state = FAULT
        self.fault_reason = "open"
        self._restore_hits = 0

    def _watch_open(self, t: float, g: float) -> Decision | None:
        """An open (unplugged) pad reads again: plugged back, or pressed after all."""
        if g >= self.cfg.restore_ratio * self.lost_level:
            self._restore_hits += 1
            if self._restore_hits >= 2:
                self.state = IN_CONTACT
                self.fault_reason = ""
                self.reset_level(t, g)
                return Decision.FAULT_CLEARED
        else:
            self._restore_hits = 0
        return None

    def _fault(self, t: float, reason: str) -> Decision:
        self.state = FAULT
        self.fault_reason = reason
        self._ok_since = -1.0
        return Decision.FAULT
