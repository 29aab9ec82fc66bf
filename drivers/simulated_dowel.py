"""A simulated athlete holding a sensor dowel: the raw data a real dowel would give.

Why: the detector, the benchmarks, the demos and the appliance without hardware
all need traces whose every event is known (a "truth") and that fail the way
real ones do: FSRs that differ part to part and drift, pressure that wobbles,
an ADC with an offset and noise, a sampler that jitters and stalls, contacts
that bounce or sag without being lost. The numbers come from the labelled
reference traces (shared/traces): see the constants below.

The model is planned up front (placement, reps, dips, faults, sags, bounces,
glitches, removal) from `random.Random` streams named after the seed, so a seed
reproduces a trace exactly and the truth is complete before the first sample.
At each sample only the few active events are looked at (a bisect per contact),
so an hour at 100 Hz takes seconds. Pure standard library; knows nothing of
`device/`.

Signal chain, per contact: force F (N) -> conductance G = k * drift(t) * F
(k ~ 1e-4 S/N, +-6 % per part) -> divider V = vcc*R*G/(1+R*G) -> ADS1115
count = round(V / (pga_v/32768) + offset + noise), clipped to 16 bits.

>>> rows, truth = simulate(PRESETS["clean"])
>>> t, head, upper_back, sacrum, pitch = next(rows)
>>> t, 0 <= head < 40, truth["family"]
(0.0, True, 'clean')
>>> dowel = SimulatedDowel(PRESETS["manual"])
>>> head, upper_back, sacrum, pitch = dowel.read(5.0)
>>> upper_back > 15000
True
"""
from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

CONTACTS: tuple[str, str, str] = ("head", "upper_back", "sacrum")
CAUSES = {"head": "cervical_flexion", "upper_back": "squatting", "sacrum": "spinal_flexion"}
PHASES = ("descent", "bottom", "ascent")
PHASE_WEIGHTS = (0.6, 0.25, 0.15)   # random faults: most start on the way down, as in the references

Row = tuple[float, int, int, int, float | None]

# Signal chain (the design's reference hardware).
VCC_V = 3.3
DIVIDER_OHM = 10_000.0
PGA_V = 4.096
FULL_SCALE = 32768
COUNT_MIN, COUNT_MAX = -32768, 32767
FSR_K_S_PER_N = 1.0e-4
FSR_TOLERANCE = 0.06            # part to part, uniform +-
ADC_OFFSET_COUNTS = (11.5, 14.5)  # zero force reads ~13 in the reference traces
SHORTED_COUNT = 26100           # ~3.26 V: above the detector's 98 %-of-vcc "shorted" line
SHORTED_NOISE = 5.0

# Forces (N) at standing; during a rep back and sacrum press harder with depth.
HEAD_N, LIGHT_HEAD_N, BACK_N = (1.0, 4.0), (0.4, 0.9), (4.0, 12.0)
REP_GAIN = (0.3, 0.5)           # x(1 + gain * pitch_beyond_standing / 90): up to x1.5
HEAD_REP_GAIN = 0.10            # head varies +-10 % over a rep

# Noise, fitted to the reference traces' structure function of conductance:
# white (sample to sample) plus a slow "sway" of the athlete's pressure
# (Ornstein-Uhlenbeck, tau 0.7 s) plus additive ADC counts and IMU noise.
SWAY_TAU_S = 0.7


@dataclass(frozen=True)
class NoiseLevel:
    """Noise sizes: relative force noise (white, sway), ADC counts and pitch (degrees) sigma."""

    white: float
    sway: float
    counts: float
    pitch: float


NOISE_LEVELS = {
    "low": NoiseLevel(white=0.004, sway=0.035, counts=2.0, pitch=0.3),
    "normal": NoiseLevel(white=0.009, sway=0.075, counts=3.0, pitch=0.5),
    "high": NoiseLevel(white=0.028, sway=0.08, counts=9.0, pitch=0.5),
}

DRIFT_KNOT_S = 4.0              # sensitivity random-walk knots, smoothly joined
DRIFT_SET_S = 60.0              # the walk's spread reaches +-drift over about a set
LOST_FRACTION = 0.10            # t_lost: force below 10 % of its level at ramp start
FAULT_BACK_S = (0.08, 0.15)
SAG_EDGE_S, SAG_HOLD_S = (0.15, 0.40), (0.30, 1.20)
PLACE_T, PLACE_RAMP_S, PLACE_STAGGER_S = (1.0, 2.6), (0.5, 1.2), (0.0, 0.15)
FIRST_REP_AFTER_READY_S = (1.5, 4.0)
MIN_FIRST_REP_AFTER_PLACE_S = 2.5
REMOVE_AFTER_S, REMOVE_RAMP_S, EMPTY_TAIL_S = (1.0, 2.5), (0.10, 0.15), (0.9, 1.5)
DIP_EDGE_S, DIP_HOLD_S, DIP_MARGIN_S = (0.4, 0.9), (0.0, 0.3), (0.5, 1.5)
LIFT_RAMP_S = 0.15              # keyboard lift / put back
TILT_RATE_DEG_S = 120.0         # keyboard tilt slews, it does not jump
MIN_STEP = 0.05                 # jitter never makes a sample period shorter than this fraction


@dataclass(frozen=True)
class FaultSpec:
    """A contact loss placed by hand: `rep` counts from 1 (as events do); phase None = random."""

    contact: str
    rep: int
    phase: str | None = None
    ramp_s: float | None = None
    hold_s: float | None = None


@dataclass(frozen=True)
class Scenario:
    """Every knob of a simulated set. Ranges are (low, high), drawn uniformly per item.

    `faults` is a count (random rep, contact and phase, at most one per contact
    per rep) or a list of FaultSpec. `glitches_per_min` counts all contacts
    together. `shorted`/`stuck` are (contact, from_t). `remove=False` keeps the
    dowel on forever; `loop=True` makes SimulatedDowel start a new set (seed+1,
    +2, ...) when one ends (demos).
    """

    seed: int = 0
    name: str = ""                  # truth name; "" -> f"{family}-{seed:02d}"
    family: str = "custom"
    rate_hz: float = 100.0
    jitter: float = 0.05            # sigma of the sample period, as a fraction of it
    stall_every_s: float = 0.0      # mean time between sampler stalls; 0 = never
    stall_s: float = 0.1
    imu: bool = True
    reps: int = 8
    depth_deg: tuple[float, float] = (45.0, 85.0)
    descent_s: tuple[float, float] = (0.8, 2.0)
    bottom_s: tuple[float, float] = (0.05, 0.8)
    ascent_s: tuple[float, float] = (0.7, 1.6)
    stand_s: tuple[float, float] = (0.5, 2.5)
    standing_deg: tuple[float, float] = (2.0, 9.0)
    dips: int = 1
    dip_deg: tuple[float, float] = (10.0, 25.0)
    faults: int | Sequence[FaultSpec] = 3
    fault_ramp_s: tuple[float, float] = (0.08, 0.40)
    fault_hold_s: tuple[float, float] = (0.3, 1.5)
    bounces: int = 0
    bounce_s: tuple[float, float] = (0.005, 0.030)
    glitches_per_min: float = 0.0
    sags: int = 0
    sag_floor: tuple[float, float] = (0.20, 0.35)
    noise: str = "normal"
    drift: float = 0.15
    light_head: bool = False
    shorted: tuple[str, float] | None = None
    stuck: tuple[str, float] | None = None
    remove: bool = True
    loop: bool = False
    vcc_v: float = VCC_V
    divider_ohm: float = DIVIDER_OHM
    pga_v: float = PGA_V

    def __post_init__(self) -> None:
        if self.noise not in NOISE_LEVELS:
            raise ValueError(f"noise must be one of {', '.join(NOISE_LEVELS)}, not {self.noise!r}")
        if not self.rate_hz > 0 or self.jitter < 0 or self.stall_every_s < 0 or self.reps < 0:
            raise ValueError("rate_hz must be > 0; jitter, stall_every_s and reps >= 0")
        for pair in (self.shorted, self.stuck):
            if pair is not None and pair[0] not in CONTACTS:
                raise ValueError(f"unknown contact {pair[0]!r}")
        if not isinstance(self.faults, int):
            object.__setattr__(self, "faults", tuple(self.faults))
            _check_specs(self.faults, self.reps)

    @property
    def truth_name(self) -> str:
        return self.name or f"{self.family}-{self.seed:02d}"


def _check_specs(specs: Sequence[FaultSpec], reps: int) -> None:
    """Refuse specs that cannot happen, loudly: a silent shift would mislabel the truth."""
    seen = set()
    for f in specs:
        if f.contact not in CONTACTS or f.phase not in (None, *PHASES) or not 1 <= f.rep <= reps:
            raise ValueError(f"bad fault {f}: contact in {CONTACTS}, phase in {PHASES}, rep 1..{reps}")
        if (f.rep, f.contact) in seen:
            raise ValueError(f"two faults on {f.contact} in rep {f.rep}")
        seen.add((f.rep, f.contact))


def trace_header(s: Scenario) -> dict[str, float | str]:
    """The signal-chain key=value pairs a trace file v1 header carries."""
    return {"adc": "ads1115", "pga_v": s.pga_v, "vcc_v": s.vcc_v,
            "divider_ohm": s.divider_ohm, "rate_hz": _num(s.rate_hz)}


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _rise(x: float) -> float:
    """0 -> 1 smoothly (cosine) as x goes 0 -> 1: how pressure comes and goes."""
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _u(rng: random.Random, lo_hi: tuple[float, float]) -> float:
    return rng.uniform(lo_hi[0], lo_hi[1])


# --------------------------------------------------------------------------- timeline items


@dataclass(frozen=True, slots=True)
class _Envelope:
    """A multiplier on one contact's force: down t0..t1 to `floor`, held, back t2..t3.

    Faults (floor 0), sags (floor 0.2..0.35) and bounces (t0 == t1, t2 == t3:
    gone at once) are all this shape.
    """

    t0: float
    t1: float
    t2: float
    t3: float
    floor: float

    def at(self, t: float) -> float:
        if t < self.t1:
            return 1.0 - (1.0 - self.floor) * _rise((t - self.t0) / (self.t1 - self.t0))
        if t < self.t2:
            return self.floor
        return self.floor + (1.0 - self.floor) * _rise((t - self.t2) / (self.t3 - self.t2))


@dataclass(frozen=True, slots=True)
class _Motion:
    """A rep or a dip: pitch beyond standing, cosine down, held, cosine up."""

    start: float
    bottom: float
    bottom_end: float
    end: float
    depth: float
    head_gain: float

    def at(self, t: float) -> float:
        if t < self.bottom:
            return self.depth * _rise((t - self.start) / (self.bottom - self.start))
        if t < self.bottom_end:
            return self.depth
        return self.depth * (1.0 - _rise((t - self.bottom_end) / (self.end - self.bottom_end)))


class _Drift:
    """A contact's sensitivity, 1 + a smooth random walk kept within +-amplitude.

    Knots come lazily from the contact's own stream, so any read order (and an
    endless live run) gives the same walk.
    """

    def __init__(self, rng: random.Random, amplitude: float) -> None:
        self._rng, self._amp = rng, amplitude
        self._step = amplitude * 0.8 / math.sqrt(DRIFT_SET_S / DRIFT_KNOT_S)
        self._w = [0.0]

    def _grow(self, n: int) -> None:
        while len(self._w) < n:
            w = self._w[-1] + self._rng.gauss(0.0, self._step) if self._amp else 0.0
            if abs(w) > self._amp:  # reflect at the bound
                w = math.copysign(2 * self._amp - abs(w), w)
            self._w.append(w)

    def at(self, t: float) -> float:
        x = t / DRIFT_KNOT_S if t > 0.0 else 0.0
        i = int(x)
        if i + 2 > len(self._w):
            self._grow(i + 2)
        a, b, x = self._w[i], self._w[i + 1], x - i
        return 1.0 + a + (b - a) * x * x * (3.0 - 2.0 * x)  # smoothstep: cheaper than a cosine


# --------------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    """Everything decided up front; the noise-free force of any contact at any time."""

    s: Scenario
    place: list[tuple[float, float]]          # per contact: (start, ramp)
    base: list[float]
    k: list[float]
    offset: list[float]
    gain: list[float]
    standing: float
    drift: list[_Drift]
    removed_t: float = math.inf
    removal_ramp: float = 0.12
    duration: float = 0.0
    motions: list[_Motion] = field(default_factory=list)
    envelopes: list[list[_Envelope]] = field(default_factory=lambda: [[], [], []])
    glitches: list[list[float]] = field(default_factory=lambda: [[], [], []])
    sensor: list[tuple[float, str, int] | None] = field(default_factory=lambda: [None, None, None])

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Sort the timeline and its bisect keys (after planning adds items)."""
        self.motions.sort(key=lambda m: m.start)
        self._motion_starts = [m.start for m in self.motions]
        for evs in self.envelopes:
            evs.sort(key=lambda e: e.t0)
        self._env_starts = [[e.t0 for e in evs] for evs in self.envelopes]

    def motion(self, t: float) -> tuple[float, float]:
        """(pitch beyond standing, head force multiplier) at t."""
        i = bisect.bisect_right(self._motion_starts, t) - 1
        if i >= 0:
            m = self.motions[i]
            if t < m.end:
                off = m.at(t)
                return off, 1.0 + m.head_gain * off / m.depth if m.depth > 0 else 1.0
        return 0.0, 1.0

    def envelope(self, c: int, t: float) -> float:
        i = bisect.bisect_right(self._env_starts[c], t) - 1
        if i >= 0:
            e = self.envelopes[c][i]
            if t < e.t3:
                return e.at(t)
        return 1.0

    def presence(self, c: int, t: float) -> float:
        """Placement ramp up, removal ramp down: the dowel itself on the back."""
        start, ramp = self.place[c]
        if t < start:
            return 0.0
        if t >= self.removed_t:
            x = (t - self.removed_t) / self.removal_ramp
            return 0.0 if x >= 1.0 else 1.0 - _rise(x)
        return _rise((t - start) / ramp) if t < start + ramp else 1.0

    def force(self, c: int, t: float, off: float | None = None, head: float = 1.0) -> float:
        """Noise-free force (N) of contact c at t: what the truth's times are measured on."""
        if off is None:
            off, head = self.motion(t)
        p = self.presence(c, t)
        if p == 0.0:
            return 0.0
        mult = head if c == 0 else 1.0 + self.gain[c] * min(max(off, 0.0), 120.0) / 90.0
        return self.base[c] * mult * p * self.envelope(c, t)

    def volts(self, c: int, force: float, t: float) -> float:
        """The divider's output for a force (noise, if any, already in it)."""
        if force <= 0.0:
            return 0.0
        rg = self.s.divider_ohm * self.k[c] * self.drift[c].at(t) * force
        return self.s.vcc_v * rg / (1.0 + rg)

    def clean_count(self, c: int, t: float) -> int:
        return int(round(self.volts(c, self.force(c, t), t) * FULL_SCALE / self.s.pga_v + self.offset[c]))


def _plan(s: Scenario) -> tuple[_Plan, dict]:
    """Lay out the whole set, then label it: returns the plan and the truth dict."""
    rng = random.Random(f"{s.family}/{s.seed}/plan")
    plan = _parts(s, rng)
    place_t = _u(rng, PLACE_T)
    plan.place = [(place_t + _u(rng, PLACE_STAGGER_S), _u(rng, PLACE_RAMP_S)) for _ in CONTACTS]
    ready_t = max(a + r for a, r in plan.place)
    _sensor_faults(plan)
    first = max(ready_t + _u(rng, FIRST_REP_AFTER_READY_S), place_t + MIN_FIRST_REP_AFTER_PLACE_S)
    reps, dips, faults, t_last = _timeline(s, rng, plan, first)
    plan.removal_ramp = _u(rng, REMOVE_RAMP_S)
    removed_t = t_last + _u(rng, REMOVE_AFTER_S)
    plan.duration = removed_t + plan.removal_ramp + _u(rng, EMPTY_TAIL_S)
    plan.removed_t = removed_t if s.remove else math.inf
    end_t = removed_t if s.remove else plan.duration
    plan.reindex()
    sags = _sags(s, rng, plan, ready_t, end_t)
    blips = _bounces(s, rng, plan, ready_t, end_t)
    plan.reindex()
    blips += _glitches(s, rng, plan, place_t, end_t)
    for f in faults:
        f["t_lost"] = _t_lost(plan, CONTACTS.index(f["contact"]), f["ramp_start"], f["_down"])
        del f["_down"]
    truth = {
        "name": s.truth_name, "family": s.family, "rate_hz": _num(s.rate_hz), "imu": s.imu,
        "ready_t": ready_t, "removed_t": end_t, "place_t": place_t, "reps": reps, "dips": dips,
        "faults": sorted(faults, key=lambda f: f["ramp_start"]),
        "blips": sorted(blips, key=lambda b: b["t"]),
        "base_force_n": dict(zip(CONTACTS, plan.base)), "duration_s": plan.duration,
        "sags": sorted(sags, key=lambda x: x["start"]),
        "sensor_faults": _sensor_truth(plan),
    }
    return plan, truth


def _parts(s: Scenario, rng: random.Random) -> _Plan:
    """The athlete's pressures and the three FSRs' and ADC channels' individual quirks."""
    head = _u(rng, LIGHT_HEAD_N if s.light_head else HEAD_N)
    base = [head, _u(rng, BACK_N), _u(rng, BACK_N)]
    k = [FSR_K_S_PER_N * (1.0 + rng.uniform(-FSR_TOLERANCE, FSR_TOLERANCE)) for _ in CONTACTS]
    offset = [_u(rng, ADC_OFFSET_COUNTS) for _ in CONTACTS]
    gain = [0.0, _u(rng, REP_GAIN), _u(rng, REP_GAIN)]
    drift = [_Drift(random.Random(f"{s.family}/{s.seed}/drift/{c}"), s.drift) for c in CONTACTS]
    return _Plan(s, [], base, k, offset, gain, _u(rng, s.standing_deg), drift)


def _sensor_faults(plan: _Plan) -> None:
    for reason, pair in (("shorted", plan.s.shorted), ("stuck", plan.s.stuck)):
        if pair is not None:
            plan.sensor[CONTACTS.index(pair[0])] = (float(pair[1]), reason, SHORTED_COUNT)


def _sensor_truth(plan: _Plan) -> list[dict]:
    """Fix the stuck value (the clean count at that moment, known only once planned)."""
    out = []
    for c, sf in enumerate(plan.sensor):
        if sf is None:
            continue
        t, reason, count = sf
        if reason == "stuck":
            count = plan.clean_count(c, t)
            plan.sensor[c] = (t, reason, count)
        out.append({"contact": CONTACTS[c], "t": t, "reason": reason, "count": count})
    return out


def _sensor_ok(plan: _Plan, c: int, t_end: float) -> bool:
    """Events on a contact whose sensor has failed could not be seen: plan none there."""
    sf = plan.sensor[c]
    return sf is None or t_end < sf[0] - 0.5


# --------------------------------------------------------------------------- reps, dips, faults


def _fault_requests(s: Scenario, rng: random.Random) -> dict[int, list[FaultSpec]]:
    """Which contacts fail in which rep and phase (drawn or as given)."""
    if isinstance(s.faults, int):
        pairs = [(r, c) for r in range(1, s.reps + 1) for c in CONTACTS]
        chosen = rng.sample(pairs, min(s.faults, len(pairs)))
        specs = [FaultSpec(c, r, _phase(rng)) for r, c in chosen]
    else:
        specs = [f if f.phase else replace(f, phase=_phase(rng)) for f in s.faults]
    out: dict[int, list[FaultSpec]] = {}
    for f in specs:
        out.setdefault(f.rep, []).append(f)
    return out


def _phase(rng: random.Random) -> str:
    return rng.choices(PHASES, PHASE_WEIGHTS)[0]


def _timeline(s: Scenario, rng: random.Random, plan: _Plan,
              t: float) -> tuple[list[dict], list[dict], list[dict], float]:
    """Reps one after another; dips in some gaps; each rep's faults over before the next starts.

    Returns the reps', dips' and faults' truth and when the last movement ended.
    """
    requests = _fault_requests(s, rng)
    gaps = list(range(1, s.reps)) or [s.reps]
    dip_after = [rng.choice(gaps) for _ in range(s.dips)]
    reps: list[dict] = []
    dips: list[dict] = []
    faults: list[dict] = []
    free = t
    if s.reps == 0:
        for _ in dip_after:
            t = free = _dip(s, rng, plan, t, dips)
    for i in range(1, s.reps + 1):
        m = _rep(s, rng, t)
        plan.motions.append(m)
        reps.append({"start": m.start, "bottom": m.bottom, "bottom_end": m.bottom_end,
                     "end": m.end, "depth_deg": m.depth})
        free = m.end
        for spec in requests.get(i, []):
            f = _fault(s, rng, plan, m, spec, i)
            if f is not None:
                faults.append(f)
                free = max(free, f["end"] + f["_back"])
                del f["_back"]
        for _ in range(dip_after.count(i)):
            free = _dip(s, rng, plan, free, dips)
        t = free + _u(rng, s.stand_s)
    return reps, dips, faults, free


def _rep(s: Scenario, rng: random.Random, t: float) -> _Motion:
    bottom = t + _u(rng, s.descent_s)
    bottom_end = bottom + _u(rng, s.bottom_s)
    end = bottom_end + _u(rng, s.ascent_s)
    return _Motion(t, bottom, bottom_end, end, _u(rng, s.depth_deg), rng.uniform(-HEAD_REP_GAIN, HEAD_REP_GAIN))


def _dip(s: Scenario, rng: random.Random, plan: _Plan, t: float, dips: list[dict]) -> float:
    """A shallow bob that is not a rep; returns when it is over."""
    start = t + _u(rng, DIP_MARGIN_S)
    bottom = start + _u(rng, DIP_EDGE_S)
    bottom_end = bottom + _u(rng, DIP_HOLD_S)
    m = _Motion(start, bottom, bottom_end, bottom_end + _u(rng, DIP_EDGE_S), _u(rng, s.dip_deg),
                rng.uniform(-0.05, 0.05))
    plan.motions.append(m)
    dips.append({"start": m.start, "end": m.end, "depth_deg": m.depth})
    return m.end


def _phase_window(m: _Motion, phase: str) -> tuple[float, float]:
    """Where in a rep a fault's pressure may start to fall, for each phase."""
    if phase == "descent":
        return m.start + 0.15 * (m.bottom - m.start), m.bottom - 0.05
    if phase == "bottom":
        return m.bottom, m.bottom_end
    return m.bottom_end, m.bottom_end + 0.6 * (m.end - m.bottom_end)


def _fault(s: Scenario, rng: random.Random, plan: _Plan, m: _Motion, spec: FaultSpec,
           rep: int) -> dict | None:
    """One real contact loss: smooth fall to 0, held, quick return."""
    c = CONTACTS.index(spec.contact)
    start = _u(rng, _phase_window(m, spec.phase or "bottom"))
    ramp = spec.ramp_s if spec.ramp_s is not None else _u(rng, s.fault_ramp_s)
    hold = spec.hold_s if spec.hold_s is not None else _u(rng, s.fault_hold_s)
    back = _u(rng, FAULT_BACK_S)
    end = start + ramp + hold
    if not _sensor_ok(plan, c, end + back):
        if not isinstance(s.faults, int):
            raise ValueError(f"fault {spec} falls after the {spec.contact} sensor fails")
        return None
    plan.envelopes[c].append(_Envelope(start, start + ramp, end, end + back, 0.0))
    return {"contact": spec.contact, "cause": CAUSES[spec.contact], "ramp_start": start,
            "t_lost": start, "end": end, "rep": rep, "phase": spec.phase,
            "_down": start + ramp, "_back": back}


def _t_lost(plan: _Plan, c: int, start: float, down: float) -> float:
    """When the noise-free force first falls below 10 % of its level at ramp start."""
    target = LOST_FRACTION * plan.force(c, start)
    lo, hi = start, down
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if plan.force(c, mid) > target:
            lo = mid
        else:
            hi = mid
    return hi


# --------------------------------------------------------------------------- non-faults


def _free(plan: _Plan, c: int, t0: float, t1: float, margin: float = 0.3) -> bool:
    """No other envelope on contact c near [t0, t1], and its sensor still works."""
    if not _sensor_ok(plan, c, t1):
        return False
    return all(e.t3 + margin <= t0 or t1 + margin <= e.t0 for e in plan.envelopes[c])


def _sags(s: Scenario, rng: random.Random, plan: _Plan, t0: float, t1: float) -> list[dict]:
    """Pressure that eases to 20-35 % and comes back: still touching, not a loss."""
    out = []
    for _ in range(s.sags):
        for _try in range(50):
            c = rng.randrange(3)
            start = rng.uniform(t0 + 0.5, max(t0 + 0.5, t1 - 3.0))
            down = start + _u(rng, SAG_EDGE_S)
            up = down + _u(rng, SAG_HOLD_S)
            end = up + _u(rng, SAG_EDGE_S)
            if end < t1 - 0.5 and _free(plan, c, start, end):
                floor = _u(rng, s.sag_floor)
                plan.envelopes[c].append(_Envelope(start, down, up, end, floor))
                out.append({"contact": CONTACTS[c], "start": start, "end": end, "floor": floor})
                break
    return out


def _bounces(s: Scenario, rng: random.Random, plan: _Plan, t0: float, t1: float) -> list[dict]:
    """Force gone at once for 5-30 ms and back: the pad chattering, not a loss."""
    out = []
    for _ in range(s.bounces):
        for _try in range(50):
            c = rng.randrange(3)
            t = rng.uniform(t0 + 0.3, max(t0 + 0.3, t1 - 0.5))
            dur = _u(rng, s.bounce_s)
            if t + dur < t1 - 0.3 and _free(plan, c, t, t + dur):
                plan.envelopes[c].append(_Envelope(t, t, t + dur, t + dur, 0.0))
                out.append({"contact": CONTACTS[c], "t": t, "dur": dur, "kind": "bounce"})
                break
    return out


def _glitches(s: Scenario, rng: random.Random, plan: _Plan, t0: float, t1: float) -> list[dict]:
    """Lone samples that read 0: the first sample at or after each time is hit."""
    out = []
    if s.glitches_per_min <= 0:
        return out
    t = t0
    while True:
        t += rng.expovariate(s.glitches_per_min / 60.0)
        if t >= t1:
            return out
        c = rng.randrange(3)
        if _sensor_ok(plan, c, t):
            plan.glitches[c].append(t)
            out.append({"contact": CONTACTS[c], "t": t, "dur": 0.0, "kind": "glitch"})


# --------------------------------------------------------------------------- per-sample model


class _Model:
    """The plan sampled: noise, drift, glitches and sensor faults added at each read.

    Reads must come in non-decreasing time (the pressure sway and glitches have
    state); the deterministic part is looked up by bisect, so it costs a few
    microseconds whatever the set's length.
    """

    def __init__(self, plan: _Plan, rng: random.Random) -> None:
        self.plan = plan
        self._z = _normals(rng).__next__
        n = NOISE_LEVELS[plan.s.noise]
        self._white, self._sway_sd, self._count_sd, self._pitch_sd = n.white, n.sway, n.counts, n.pitch
        self._sway = [rng.gauss(0.0, n.sway) for _ in CONTACTS]
        self._gp = [0, 0, 0]
        self._next_glitch = [g[0] if g else math.inf for g in plan.glitches]
        self._last = -math.inf
        self._scale = FULL_SCALE / plan.s.pga_v

    def read(self, t: float, manual: Sequence[float] = (1.0, 1.0, 1.0),
             tilt: float = 0.0) -> tuple[int, int, int, float | None]:
        self._advance_sway(t)
        off, head = self.plan.motion(t)
        off += tilt
        h = self._count(0, t, off, head, manual[0])
        u = self._count(1, t, off, head, manual[1])
        s = self._count(2, t, off, head, manual[2])
        if not self.plan.s.imu:
            return h, u, s, None
        return h, u, s, self.plan.standing + off + self._pitch_sd * self._z()

    def _advance_sway(self, t: float) -> None:
        """Ornstein-Uhlenbeck step over the time since the last read."""
        dt = t - self._last
        self._last = t
        a = math.exp(-dt / SWAY_TAU_S) if dt < 10 * SWAY_TAU_S else 0.0
        kick = self._sway_sd * math.sqrt(1.0 - a * a)
        z, sw = self._z, self._sway
        self._sway = [sw[0] * a + kick * z(), sw[1] * a + kick * z(), sw[2] * a + kick * z()]

    def _count(self, c: int, t: float, off: float, head: float, manual: float) -> int:
        plan, z = self.plan, self._z
        sf = plan.sensor[c]
        if sf is not None and t >= sf[0]:
            return sf[2] if sf[1] == "stuck" else int(round(sf[2] + SHORTED_NOISE * z()))
        if t >= self._next_glitch[c]:
            self._skip_glitches(c, t)
            return 0
        f = plan.force(c, t, off, head) * manual
        if f > 0.0:
            f *= 1.0 + self._sway[c] + self._white * z()
        n = round(plan.volts(c, f, t) * self._scale + plan.offset[c] + self._count_sd * z())
        return COUNT_MIN if n < COUNT_MIN else COUNT_MAX if n > COUNT_MAX else int(n)

    def _skip_glitches(self, c: int, t: float) -> None:
        """One sample takes every glitch due by now (a stall may have passed several)."""
        times, i = self.plan.glitches[c], self._gp[c]
        while i < len(times) and times[i] <= t:
            i += 1
        self._gp[c] = i
        self._next_glitch[c] = times[i] if i < len(times) else math.inf


def _normals(rng: random.Random) -> Iterator[float]:
    """Standard normal deviates, Box-Muller in pairs: half the cost of rng.gauss per sample."""
    rnd, log, sqrt, cos, sin, tau = rng.random, math.log, math.sqrt, math.cos, math.sin, math.tau
    while True:
        r = sqrt(-2.0 * log(1.0 - rnd()))
        a = tau * rnd()
        yield r * cos(a)
        yield r * sin(a)


def _sample_times(s: Scenario, duration: float) -> Iterator[float]:
    """The sampler's timestamps: jittered periods (never backwards) and occasional stalls."""
    rng = random.Random(f"{s.family}/{s.seed}/clock")
    period = 1.0 / s.rate_hz
    every = s.stall_every_s
    next_stall = rng.expovariate(1.0 / every) if every > 0 else math.inf
    t = 0.0
    while t < duration:
        yield t
        t += period * max(MIN_STEP, 1.0 + s.jitter * rng.gauss(0.0, 1.0))
        if t >= next_stall:
            t = max(t, next_stall + s.stall_s * rng.uniform(0.6, 1.4))
            next_stall = t + rng.expovariate(1.0 / every)


def simulate(scenario: Scenario) -> tuple[Iterator[Row], dict]:
    """Rows (t, head, upper_back, sacrum, pitch or None), lazily, and the complete truth.

    >>> rows, truth = simulate(Scenario(seed=1, reps=2))
    >>> len(truth["reps"]), sorted(truth)[:3]
    (2, ['base_force_n', 'blips', 'dips'])
    """
    plan, truth = _plan(scenario)
    return _rows(plan), truth


def _rows(plan: _Plan) -> Iterator[Row]:
    model = _Model(plan, random.Random(f"{plan.s.family}/{plan.s.seed}/noise"))
    read = model.read
    for t in _sample_times(plan.s, plan.duration):
        h, u, s, p = read(t)
        yield t, h, u, s, p


# --------------------------------------------------------------------------- live


class SimulatedDowel:
    """The same model read live: the appliance runs on it without hardware.

    `read(t)` takes seconds since the dowel was made; the scenario time is
    `start + t` (so `start` skips into a scenario). Reads should not go back in
    time; one that does (two threads racing) is read as the latest time. A
    person can play the athlete: `lift` a contact (keys 1/2/3) and `tilt` the
    dowel (arrow keys); both act from the latest read.

    >>> dowel = SimulatedDowel(PRESETS["manual"])
    >>> dowel.read(4.0)[0] > 1000
    True
    >>> dowel.lift("head", True)
    >>> dowel.read(4.3)[0] < 60
    True
    """

    def __init__(self, scenario: Scenario, start: float = 0.0) -> None:
        self.scenario = scenario
        self._start = start
        self._set = 0
        self._origin = 0.0
        self._new_set()
        self._last = start
        self._lift = [(-math.inf, 1.0, 1.0) for _ in CONTACTS]  # (since, from, to)
        self._tilt, self._tilt_target = 0.0, 0.0

    def _new_set(self) -> None:
        s = replace(self.scenario, seed=self.scenario.seed + self._set) if self._set else self.scenario
        self._plan, self.truth = _plan(s)
        self._model = _Model(self._plan, random.Random(f"{s.family}/{s.seed}/noise"))

    @property
    def chain(self) -> dict[str, float | str]:
        return trace_header(self.scenario)

    def read(self, t: float) -> tuple[int, int, int, float | None]:
        """Counts (head, upper_back, sacrum) and pitch (None without an IMU) at time t."""
        now = max(self._start + t, self._last)
        self._slew_tilt(now - self._last)
        self._last = now
        if self.scenario.loop and self.scenario.remove:
            while now - self._origin >= self._plan.duration:
                self._origin += self._plan.duration
                self._set += 1
                self._new_set()
        manual = [self._lift_at(c, now) for c in range(3)]
        return self._model.read(now - self._origin, manual, self._tilt)

    def lift(self, contact: str, lifted: bool, at: float | None = None) -> None:
        """Take a contact off the back (force to 0 over ~0.15 s) or put it back."""
        c = CONTACTS.index(contact)
        t = self._last if at is None else self._start + at
        self._lift[c] = (t, self._lift_at(c, t), 0.0 if lifted else 1.0)

    def tilt(self, delta_deg: float) -> None:
        """Tilt the dowel further forward (or back, negative) by delta_deg, slewing there."""
        self._tilt_target += delta_deg

    def _lift_at(self, c: int, t: float) -> float:
        since, a, b = self._lift[c]
        x = (t - since) / LIFT_RAMP_S
        return b if x >= 1.0 else a + (b - a) * _rise(max(x, 0.0))

    def _slew_tilt(self, dt: float) -> None:
        step = TILT_RATE_DEG_S * dt
        d = self._tilt_target - self._tilt
        self._tilt += max(-step, min(step, d))


# --------------------------------------------------------------------------- presets


PRESETS: dict[str, Scenario] = {
    # The reference "typical" family: 100 Hz, some jitter, a stall every ~8 s,
    # a few faults in any phase, a dip, one bounce and one sag, lone glitches.
    "typical": Scenario(family="typical", reps=10, jitter=0.1, stall_every_s=8.0, faults=4,
                        bounces=1, sags=1, glitches_per_min=8.0),
    # No faults at all: every contact_lost is a false alarm; reps must count exactly.
    "clean": Scenario(family="clean", reps=6, faults=0, glitches_per_min=10.0),
    # 200 Hz and quick reps: rate independence, short bottoms, frequent stalls.
    "fast": Scenario(family="fast", rate_hz=200.0, jitter=0.1, stall_every_s=4.0, reps=9,
                     descent_s=(0.5, 1.2), bottom_s=(0.0, 0.35), ascent_s=(0.4, 1.1),
                     stand_s=(0.5, 2.0), faults=5, glitches_per_min=12.0),
    # No IMU: contacts alone, no pitch column, no rep counting.
    "no_imu": Scenario(family="no_imu", imu=False, reps=10, jitter=0.1, stall_every_s=10.0,
                       faults=4, dips=1, bounces=1, glitches_per_min=8.0),
    # Three times the force noise, more ADC noise, many bounces and glitches, sags.
    "noisy": Scenario(family="noisy", noise="high", reps=10, jitter=0.15, stall_every_s=6.0,
                      faults=5, dips=2, bounces=7, sags=2, glitches_per_min=25.0),
    # Everything at once: 50 Hz, jitter 0.2, 100 ms stalls every ~5 s, a light
    # head (<1 N), sags to ~20 %, drift 0.35, bounces and glitches.
    "hard": Scenario(family="hard", rate_hz=50.0, jitter=0.2, stall_every_s=5.0, stall_s=0.1,
                     reps=10, faults=5, dips=2, noise="high", light_head=True,
                     sag_floor=(0.20, 0.22), sags=4, drift=0.35, bounces=6, glitches_per_min=20.0),
    # Sensor faults, for the detector's sensor_fault events.
    "shorted": Scenario(family="shorted", reps=6, faults=2, shorted=("head", 20.0)),
    "stuck": Scenario(family="stuck", reps=6, faults=2, stuck=("sacrum", 20.0)),
    # The appliance without hardware: a typical set that repeats forever.
    "demo": Scenario(family="demo", reps=8, faults=3, jitter=0.05, glitches_per_min=4.0, loop=True),
    # A person plays the athlete (keys lift contacts, arrows tilt): no scripted reps, never removed.
    "manual": Scenario(family="manual", reps=0, faults=0, dips=0, remove=False),
    # The example screens: a clean-looking set with one sacrum and one head loss at known reps.
    "screens": Scenario(family="screens", seed=7, reps=6, dips=0, glitches_per_min=0.0, jitter=0.02,
                        depth_deg=(50.0, 70.0), descent_s=(1.1, 1.4), bottom_s=(0.3, 0.5),
                        faults=(FaultSpec("sacrum", 3, "bottom", ramp_s=0.2, hold_s=1.5),
                                FaultSpec("head", 5, "descent", ramp_s=0.25, hold_s=1.0))),
}
