"""The detector: samples in, events out. Pure: no I/O, no clock of its own.

The appliance's states: no dowel -> placing -> calibrating -> ready (the set:
reps, contact losses) -> dowel removed -> no dowel. Live, in the simulator and
in `smartdowel replay` the same object is fed the same way.

    >>> from device.core.signal import Sample, SignalChain
    >>> d = Detector(SignalChain())
    >>> d.feed(Sample(0.0, 12, 14, 11, 3.0))
    ()
    >>> d.state
    <Appliance.NO_DOWEL: 'no_dowel'>

Taking the dowel off looks, contact by contact, like losses: see
device/core/removal.py for how it is told apart (a short hold while every
other pad is coming off too, and `loss_withdrawn` for a loss already reported
when the pads turn out to have left together).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Sequence

from device.core.contact import FAULT, IN_CONTACT, LOST, ContactTracker, Decision
from device.core.contactcfg import ContactConfig
from device.core.contacts import CAUSES, CONTACTS
from device.core.events import (Calibrating, ContactLost, ContactRestored, DowelRemoved, Event,
                                LossWithdrawn, Ready, RepCompleted, RepStarted, SensorFault, SensorOk,
                                SetEnded)
from device.core.posture import PostureConfig, PostureModel
from device.core.removal import RemovalConfig, RemovalWatch
from device.core.reps import STANDING, Phase, RepConfig, RepTracker
from device.core.signal import Sample, SignalChain


class Appliance(StrEnum):
    """The appliance's state as the detector sees it."""

    NO_DOWEL = "no_dowel"
    PLACING = "placing"
    CALIBRATING = "calibrating"
    READY = "ready"


NO_DOWEL, PLACING, CALIBRATING, READY = (Appliance.NO_DOWEL, Appliance.PLACING, Appliance.CALIBRATING,
                                         Appliance.READY)
NO_EVENTS: tuple[Event, ...] = ()
BASELINE_STEP_S = 0.05
STEP_DEG = PostureModel.STEP_DEG
Events = Sequence[Event]


@dataclass(frozen=True)
class DetectorConfig:
    """Appliance-level thresholds (the per-contact ones are in ContactConfig)."""

    present_siemens: float = 1.0e-5  # conductance of a touching pad (~0.1 N on an FSR 402)
    calibrate_s: float = 0.7  # stand still this long with all three pressed
    calibrate_spread: float = 0.35  # each contact within ±35 % of its mean meanwhile
    calibrate_pitch_deg: float = 4.0  # and the dowel's tilt within ±4°
    open_after_s: float = 2.0  # lost and at zero this long while standing tall: unplugged?
    open_after_no_imu_s: float = 5.0  # without an IMU "standing tall" cannot be seen: wait longer
    open_ratio: float = 0.02  # "at zero": below this fraction of the level before the loss
    standing_band: float = 0.25  # without an IMU, "standing still" = all within ±25 % of baseline
    contact: ContactConfig = field(default_factory=ContactConfig)
    reps: RepConfig = field(default_factory=RepConfig)
    removal: RemovalConfig = field(default_factory=RemovalConfig)
    posture: PostureConfig = field(default_factory=PostureConfig)


class Detector:
    """Feeds on Samples and returns the events they decide (the design's event lines)."""

    def __init__(self, chain: SignalChain, cfg: DetectorConfig | None = None) -> None:
        self.cfg = cfg or DetectorConfig()
        self.chain = chain
        self._table, self._offset = chain.table()
        shorted = chain.shorted_count()
        self.contacts = [ContactTracker(name, shorted, self.cfg.contact) for name in CONTACTS]
        for k in self.contacts:
            k.peers = tuple(p for p in self.contacts if p is not k)
        self.reps = RepTracker(self.cfg.reps)
        self.removal = RemovalWatch(self.contacts, self.cfg.removal)
        self.posture = PostureModel(self.cfg.posture)
        self.state: Appliance = NO_DOWEL
        self.has_imu = False
        self._last_t: float | None = None
        self._await_empty = False  # after a removal, the pads must read empty before a new set
        self._paused = False  # a set ended by button A: wait for A again (or a new placement)
        self._standing_since: float | None = None
        self._baseline_dt = 0.0
        self._cal_reset(0.0)

    # -- feeding --------------------------------------------------------------------
    def feed(self, s: Sample) -> Events:
        """One sample in, the events it decides out (usually none)."""
        t = s.t
        dt = 0.0 if self._last_t is None else t - self._last_t
        self._last_t = t
        table, off = self._table, self._offset
        h, u, c = self.contacts
        inv = self.posture.inv  # what the hinge alone does to each pad, divided out
        dh = h.step(t, s.head, table[s.head + off] * inv[0])
        du = u.step(t, s.upper_back, table[s.upper_back + off] * inv[1])
        dc = c.step(t, s.sacrum, table[s.sacrum + off] * inv[2])
        if self.state is READY:
            return self._during_set(s, dt, dh, du, dc)
        events = self._sensor_events(t, dh, du, dc)
        self._setting_up(s, events)
        return events or NO_EVENTS

    def _sensor_events(self, t: float, *decisions: Decision | None) -> list[Event]:
        """Sensor faults are reported in every state; losses only during a set."""
        events: list[Event] = []
        for tracker, d in zip(self.contacts, decisions):
            if d is Decision.FAULT:
                events.append(SensorFault(round(t, 4), contact=tracker.name, reason=tracker.fault_reason))
            elif d is Decision.FAULT_CLEARED:
                events.append(SensorOk(round(t, 4), contact=tracker.name))
        return events

    # -- before the set -------------------------------------------------------------------
    def _setting_up(self, s: Sample, events: list[Event]) -> None:
        table, off = self._table, self._offset
        h, u, c = self.contacts
        h.placing(table[s.head + off])
        u.placing(table[s.upper_back + off])
        c.placing(table[s.sacrum + off])
        present = self.cfg.present_siemens
        touching = sum(1 for k in self.contacts if k.m3 >= present and k.state is not FAULT)
        if self._await_empty or self._paused:
            if touching:
                return
            self._await_empty = self._paused = False
        if touching == 3:
            if self.state is not CALIBRATING:
                self.state = CALIBRATING
                self._cal_reset(s.t)
                events.append(Calibrating(round(s.t, 4)))
            self._calibrate(s, events)
        else:
            self.state = PLACING if touching else NO_DOWEL

    def _cal_reset(self, t: float) -> None:
        self._cal_start = t
        self._cal_n = 0
        self._cal_sum = [0.0, 0.0, 0.0]
        self._cal_pitch_n = 0
        self._cal_pitch_sum = 0.0
        self._cal_roll_n = 0
        self._cal_roll_sum = 0.0

    def _calibrate(self, s: Sample, events: list[Event]) -> None:
        """Stand still with all three pressed for `calibrate_s`: that is the baseline."""
        cfg = self.cfg
        n = self._cal_n
        if n >= 5:
            for k, total in zip(self.contacts, self._cal_sum):
                mean = total / n
                if abs(k.m3 - mean) > cfg.calibrate_spread * mean:
                    self._cal_reset(s.t)
                    break
            if s.pitch is not None and self._cal_pitch_n >= 5:
                mean_p = self._cal_pitch_sum / self._cal_pitch_n
                if abs(s.pitch - mean_p) > cfg.calibrate_pitch_deg:
                    self._cal_reset(s.t)
        for i, k in enumerate(self.contacts):
            self._cal_sum[i] += k.m3
        self._cal_n += 1
        if s.pitch is not None:
            self._cal_pitch_sum += s.pitch
            self._cal_pitch_n += 1
            if s.roll is not None:
                self._cal_roll_sum += s.roll
                self._cal_roll_n += 1
        if s.t - self._cal_start >= cfg.calibrate_s and self._cal_n >= 10:
            self._go_ready(s.t, events)

    def _go_ready(self, t: float, events: list[Event]) -> None:
        n = self._cal_n
        for k, total in zip(self.contacts, self._cal_sum):
            k.calibrate(t, total / n)
        self.has_imu = self._cal_pitch_n > 0
        standing_deg = None
        if self.has_imu:
            standing = self._cal_pitch_sum / self._cal_pitch_n
            roll = self._cal_roll_sum / self._cal_roll_n if self._cal_roll_n else None
            self.reps.calibrate(t, standing, roll)
            standing_deg = round(standing, 1)
        baseline = {k.name: round(k.baseline * 1e6, 2) for k in self.contacts}
        self.removal.reset()
        self.state = READY
        events.append(Ready(round(t, 4), baseline_us=baseline, standing_deg=standing_deg))

    # -- read by the screen (main thread) ----------------------------------------------------
    @property
    def paused(self) -> bool:
        """The set was ended with button A and the dowel is still on."""
        return self._paused

    def calibration_progress(self, t: float) -> float:
        """Share (0..1) of the still-standing time calibration has had; 1.0 once ready."""
        if self.state is READY:
            return 1.0
        if self.state is not CALIBRATING:
            return 0.0
        return min(1.0, max(0.0, (t - self._cal_start) / self.cfg.calibrate_s))

    # -- the athlete's rep target (reps.py, targets.py) ---------------------------------------
    @property
    def rep_target_deg(self) -> float:
        """The depth a movement must reach to count, now (the screen shows it)."""
        return self.reps.target.deg

    @property
    def learnt_rep_target_deg(self) -> float | None:
        """What this athlete's reps have taught so far (None before any): to keep per athlete."""
        return self.reps.target.learnt_deg

    def seed_rep_target(self, deg: float | None) -> None:
        """A new athlete: start from their kept target (None: learn from scratch), and their posture afresh."""
        self.reps.target.seed(deg)
        self.posture = PostureModel(self.cfg.posture)

    def set_rep_target(self, deg: float | None) -> None:
        """A coach's fixed target in degrees, or None to learn it from the athlete."""
        self.reps.target.set_coach(deg)

    # -- commands (button A) ------------------------------------------------------------
    def end_set(self, t: float) -> list[Event]:
        """End the set now, dowel on or off; the next starts with `start_set` or a new placement."""
        if self.state is not READY:
            return []
        self._end()
        self._paused = True
        return [SetEnded(round(t, 4), reason="button", reps=self.reps.completed)]

    def start_set(self, t: float) -> list[Event]:
        """Start a set with the dowel already on: calibrate afresh from the next sample."""
        if self.state is READY:
            return []
        self._paused = self._await_empty = False
        self.state = NO_DOWEL
        return []

    # -- during the set -----------------------------------------------------------------
    def _during_set(self, s: Sample, dt: float, *decisions: Decision | None) -> Events:
        t = s.t
        events: list[Event] | None = None
        reps = self.reps
        h, u, c = self.contacts
        if self.has_imu and s.pitch is not None:
            e = reps.step(t, s.pitch, dt, s.roll)
            if e is not None:
                events = [e]
                self._posture_event(e)
            posture = self.posture
            beyond = reps.beyond
            if beyond > posture.peak and reps.state is not STANDING:
                posture.note_peak(beyond, [k.m3 if k.state is IN_CONTACT else None for k in self.contacts])
            moved = (beyond if beyond > 0.0 else 0.0) - posture.x
            if (moved >= STEP_DEG or moved <= -STEP_DEG) and posture.follow(beyond):
                for k, f in zip(self.contacts, posture.factor):
                    k.posture = f
        if decisions[0] or decisions[1] or decisions[2]:
            events = self._contact_decisions(t, decisions, events or [])
        removal = self.removal
        if removal.pending or decisions[0] or decisions[1] or decisions[2]:
            withdrawn = removal.removed(t)
            if withdrawn is not None:
                return self._removed(t, withdrawn, events or [])
            held = removal.release(t)
            if held:
                events = (events or []) + [self._lost_event(t, k) for k in held]
        elif h.state is not IN_CONTACT and u.state is not IN_CONTACT and c.state is not IN_CONTACT:
            withdrawn = removal.removed(t)  # every pad off: taken off slowly, or with one in fault
            if withdrawn is not None:
                return self._removed(t, withdrawn, events or [])
        standing = reps.state is STANDING
        if standing:
            self._baseline_dt += dt
            if self._baseline_dt >= BASELINE_STEP_S:
                self._track_baselines()
            if self._standing_since is None:
                self._standing_since = t
            if (h.state is LOST or u.state is LOST or c.state is LOST) and self.state is READY \
                    and (fault := self._unplugged(t)) is not None:
                events = (events or []) + [fault]
        else:
            self._standing_since = None
        return events or NO_EVENTS

    def _posture_event(self, e: Event) -> None:
        """A rep starts (its losses so far are its faults) or is counted (its bottom teaches)."""
        kind = type(e)
        if kind is RepStarted:
            self.posture.reset_rep([k.baseline for k in self.contacts])
            for k in self.contacts:
                if k.state is LOST:
                    self.reps.note_fault(k.name)
        elif kind is RepCompleted:
            self.posture.learn(e.depth_deg, e.faults)  # type: ignore[attr-defined]

    def pressure_ratios(self) -> list[float]:
        """Each pad's pressure as it reads (posture included) over its standing baseline: the screen's bars."""
        return [k.m3 * f / k.baseline if k.baseline > 0.0 else 0.0
                for k, f in zip(self.contacts, self.posture.factor)]

    def _unplugged(self, t: float) -> SensorFault | None:
        """A pad still at zero after standing tall a while (every pad must be back) is a sensor fault.

        It first read as a lost contact and was cued once; from here on it is
        not cued again, and the screen asks to check that sensor."""
        cfg = self.cfg
        wait = cfg.open_after_s if self.has_imu else cfg.open_after_no_imu_s
        since = self._standing_since if self.has_imu and self._standing_since is not None else -1e9
        for k in self.contacts:
            if k.state is LOST and k not in self.removal.pending and t - max(k.lost_since, since) >= wait \
                    and k.m3 < cfg.open_ratio * k.lost_level:
                k.mark_open()
                self.removal.failed(k)
                return SensorFault(round(t, 4), contact=k.name, reason="open",
                                   detail=f"{k.name} pad reads nothing while standing tall: check its plug and wires")
        return None

    def _contact_decisions(self, t: float, decisions: tuple[Decision | None, ...],
                           events: list[Event]) -> list[Event]:
        events.extend(self._sensor_events(t, *decisions))
        removal = self.removal
        for k, d in zip(self.contacts, decisions):
            if d is Decision.LOST:
                if not removal.hold(k, t):
                    events.append(self._lost_event(t, k))
            elif d is Decision.RESTORED:
                if not removal.back(k):  # back within the hold: never a real loss
                    rep, phase = self._rep_fields()
                    events.append(ContactRestored(round(t, 4), contact=k.name, rep=rep, phase=phase))
            elif d is Decision.FAULT:
                removal.failed(k)
        return events

    def _removed(self, t: float, withdrawn: list[tuple[str, float]], events: list[Event]) -> Events:
        """The dowel is off: the losses that were its pads leaving are withdrawn, the set ends."""
        events.extend(LossWithdrawn(round(t, 4), contact=name, reason="dowel_removed", lost_t=round(lost_t, 4))
                      for name, lost_t in withdrawn)
        events.append(DowelRemoved(round(t, 4), reps=self.reps.completed))
        self._end()
        self._await_empty = True
        return events

    def _end(self) -> None:
        """The set is over: no rep under way, no removal watched, the posture explains nothing."""
        self.reps.abandon()
        self.removal.reset()
        self.posture.still()
        for k in self.contacts:
            k.posture = 1.0
            k.forget_touch()
        self.state = NO_DOWEL

    def _lost_event(self, t: float, k: ContactTracker) -> ContactLost:
        self.removal.reported_now(k, t)
        self.reps.note_fault(k.name)
        rep, phase = self._rep_fields()
        return ContactLost(round(t, 4), contact=k.name, cause=CAUSES[k.name], rep=rep, phase=phase)

    def _rep_fields(self) -> tuple[int | None, str | None]:
        """The rep under way and its phase; standing between reps with an IMU; neither without."""
        rep = self.reps.current_rep
        if rep is None:
            return None, (Phase.STANDING if self.has_imu else None)
        return rep, self.reps.phase

    def _track_baselines(self) -> None:
        """Follow drift only while standing still: with an IMU its word, else the pads'.

        Every `BASELINE_STEP_S` or so, not every sample: the drift is slow."""
        dt, self._baseline_dt = self._baseline_dt, 0.0
        if not self.has_imu:
            band = self.cfg.standing_band
            for k in self.contacts:
                if k.baseline <= 0.0 or abs(k.m3 / k.baseline - 1.0) > band:
                    return
        for k in self.contacts:
            k.track_baseline(dt)
