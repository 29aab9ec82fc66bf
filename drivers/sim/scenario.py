"""Every knob of a simulated set: the athlete, the pads, the signal chain, the sampler.

Why so many: the detector is judged on traces it has never seen, made with
physics its authors did not list. Each phenomenon met so far is a knob here,
off by default, so a family of traces can switch on one (to test it alone) or
many (to test them together), and a seed reproduces a set exactly.

The numbers come from the labelled reference traces and from the FSR 402
and ADC datasheets; the ranges (low, high) are drawn uniformly per item.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

CONTACTS: tuple[str, str, str] = ("head", "upper_back", "sacrum")
CAUSES = {"head": "cervical_flexion", "upper_back": "squatting", "sacrum": "spinal_flexion"}
PHASES = ("descent", "bottom", "ascent")
PHASE_WEIGHTS = (0.6, 0.25, 0.15)   # random faults: most start on the way down, as in the references
ADCS = ("ads1115", "mcp3008")
FALL_SHAPES = ("cosine", "linear", "early", "late")  # see shapes.FALLS

Range = tuple[float, float]

# Signal chain (the design's reference hardware).
VCC_V = 3.3
DIVIDER_OHM = 10_000.0
PGA_V = 4.096
FULL_SCALE = 32768               # ADS1115: counts per PGA full scale
MCP_FULL_SCALE = 1024            # MCP3008: 10 bits of its reference (the 3.3 V rail)
MCP_NOISE_COUNTS = 0.6
FSR_K_S_PER_N = 1.0e-4
FSR_TOLERANCE = 0.06             # part to part, uniform +-
ADC_OFFSET_COUNTS = (11.5, 14.5)  # zero force reads ~13 in the reference traces
MCP_OFFSET_COUNTS = (0.0, 1.5)
SHORTED_COUNT = 26100            # ~3.26 V: above the detector's 98 %-of-vcc "shorted" line
SHORTED_NOISE = 5.0

# Forces (N) at standing; during a rep back and sacrum press harder with depth.
HEAD_N, LIGHT_HEAD_N, BACK_N = (1.0, 4.0), (0.4, 0.9), (4.0, 12.0)
REP_GAIN = (0.3, 0.5)            # x(1 + gain * pitch_beyond_standing / 90): up to x1.5
HEAD_REP_GAIN = 0.10             # head varies +-10 % over a rep (unless head_unload is set)

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

DRIFT_KNOT_S = 4.0               # sensitivity random-walk knots, smoothly joined
DRIFT_SET_S = 60.0               # the walk's spread reaches +-drift over about a set
WANDER_KNOT_S = 6.0              # the standing angle's walk: slower knots
LOST_FRACTION = 0.10             # t_lost: force below 10 % of its level at ramp start
FAULT_BACK_S = (0.08, 0.15)
SAG_EDGE_S, SAG_HOLD_S = (0.15, 0.40), (0.30, 1.20)
FIDGET_EDGE_S, FIDGET_HOLD_S = (0.12, 0.30), (0.05, 0.45)  # all pads ease off: under a second
PLACE_T, PLACE_RAMP_S, PLACE_STAGGER_S = (1.0, 2.6), (0.5, 1.2), (0.0, 0.15)
FIRST_REP_AFTER_READY_S = (1.5, 4.0)
MIN_FIRST_REP_AFTER_PLACE_S = 2.5
REMOVE_AFTER_S, REMOVE_RAMP_S, EMPTY_TAIL_S = (1.0, 2.5), (0.10, 0.15), (0.9, 1.5)
DIP_EDGE_S, DIP_HOLD_S, DIP_MARGIN_S = (0.4, 0.9), (0.0, 0.3), (0.5, 1.5)
SIDE_EDGE_S, SIDE_HOLD_S = (0.6, 1.4), (0.0, 0.8)  # side bends and twists: slow, deliberate
LIFT_RAMP_S = 0.15               # keyboard lift / put back
TILT_RATE_DEG_S = 120.0          # keyboard tilt slews, it does not jump
MIN_STEP = 0.05                  # jitter never makes a sample period shorter than this fraction
HUM_HARMONIC = (0.2, 0.7)        # the 2nd harmonic's share of the mains hum (rectifier loads)
SPIKE_FRACTION = (0.55, 1.0)     # an EMI spike reads this share of the ADC's full scale


@dataclass(frozen=True)
class FaultSpec:
    """A contact loss placed by hand: `rep` counts from 1 (as events do); None = drawn."""

    contact: str
    rep: int
    phase: str | None = None
    ramp_s: float | None = None
    hold_s: float | None = None
    shape: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Every knob of a simulated set. Ranges are (low, high), drawn uniformly per item.

    Reps and faults: `reps` is a count or a (low, high) range; `faults` a count
    (random rep, contact and phase, at most one per contact per rep) or a list
    of FaultSpec; `doubles` adds that many pairs of contacts lost within
    `double_gap_s` of each other; `fault_shapes` are the falls drawn from
    (shapes.FALLS). Athlete: `head_unload` (the share of standing the head's force
    tends to as a rep hinges deeper, drawn per rep; it follows the hinge now,
    over the athlete's 20-35 degrees; None = +-10 %), `fidgets`, `side_bends`, `twists`
    (non-hinge movements between reps), `standing_wander_deg`. Pads: `creep`
    (sensitivity gain approached with `creep_tau_s` after placement: FSR creep
    and warming), `drift`, `fsr_exponent` (conductance ~ force ** n), `break_n`
    (under this force a pad reads open; sags, fidgets and unloading are kept
    above it: they still touch).
    Chain: `adc`, `supply_error` (the 3.3 V rail vs the header's vcc),
    `hum_mv` (mains at the ADC input), `spikes_per_min`. IMU: `imu_offset_deg`
    (mount pitch), `imu_yaw_deg` (mount turned about the dowel: cross-talk),
    `roll` (write the roll column). Sampler: `jitter`, `stall_every_s`,
    `stall_s`. Removal: `removal_spread_s` (pads leaving apart). `loop=True`
    makes SimulatedDowel start a new set (seed+1, +2, ...) when one ends.
    """

    seed: int = 0
    name: str = ""                  # truth name; "" -> f"{family}-{seed:02d}"
    family: str = "custom"
    rate_hz: float = 100.0
    jitter: float = 0.05            # sigma of the sample period, as a fraction of it
    stall_every_s: float = 0.0      # mean time between sampler stalls; 0 = never
    stall_s: Range = (0.06, 0.14)
    imu: bool = True
    roll: bool = False
    reps: int | Range = 8
    depth_deg: Range = (45.0, 85.0)
    descent_s: Range = (0.8, 2.0)
    bottom_s: Range = (0.05, 0.8)
    ascent_s: Range = (0.7, 1.6)
    stand_s: Range = (0.5, 2.5)
    standing_deg: Range = (2.0, 9.0)
    standing_wander_deg: float = 0.0
    imu_offset_deg: Range = (0.0, 0.0)
    imu_yaw_deg: Range = (0.0, 0.0)
    dips: int = 1
    dip_deg: Range = (6.0, 20.0)  # a bob that is not a rep: the reference recordings' 33 dips span 6.5-19.6 deg
    side_bends: int = 0
    side_bend_deg: Range = (15.0, 40.0)
    twists: int = 0
    twist_deg: Range = (20.0, 60.0)
    lean_deg: Range = (0.0, 12.0)   # the forward lean that comes with a side bend or twist
    faults: int | Sequence[FaultSpec] = 3
    doubles: int = 0
    double_gap_s: Range = (0.0, 0.08)
    fault_ramp_s: Range = (0.08, 0.40)
    fault_hold_s: Range = (0.3, 1.5)
    fault_shapes: tuple[str, ...] = ("cosine",)
    head_unload: Range | None = None
    bounces: int = 0
    bounce_s: Range = (0.005, 0.030)
    edge_bounces: int = 0           # sags with a bounce landing on their falling edge
    glitches_per_min: float = 0.0
    spikes_per_min: float = 0.0
    sags: int = 0
    sag_floor: Range = (0.20, 0.35)
    fidgets: int = 0
    fidget_floor: Range = (0.35, 0.60)
    noise: str = "normal"
    drift: float = 0.15
    creep: Range = (0.0, 0.0)
    creep_tau_s: Range = (60.0, 120.0)
    fsr_exponent: Range = (0.85, 0.95)  # the labelled traces: 10 % of the force reads ~12.7 %
    break_n: Range = (0.05, 0.2)  # under its break force an FSR does not conduct at all
    light_head: bool = False
    adc: str = "ads1115"
    supply_error: float = 0.0       # the rail is vcc * (1 + U(-e, e)); the header says vcc
    hum_mv: Range = (0.0, 0.0)
    mains_hz: float = 50.0
    shorted: tuple[str, float] | None = None
    stuck: tuple[str, float] | None = None
    remove: bool = True
    removal_spread_s: Range = (0.0, 0.0)
    loop: bool = False
    vcc_v: float = VCC_V
    divider_ohm: float = DIVIDER_OHM
    pga_v: float = PGA_V

    def __post_init__(self) -> None:
        if self.noise not in NOISE_LEVELS:
            raise ValueError(f"noise must be one of {', '.join(NOISE_LEVELS)}, not {self.noise!r}")
        if self.adc not in ADCS:
            raise ValueError(f"adc must be one of {', '.join(ADCS)}, not {self.adc!r}")
        bad = [s for s in self.fault_shapes if s not in FALL_SHAPES]
        if bad or not self.fault_shapes:
            raise ValueError(f"fault_shapes must be some of {', '.join(FALL_SHAPES)}, not {bad}")
        if not self.rate_hz > 0 or self.jitter < 0 or self.stall_every_s < 0 or self.rep_range[0] < 0:
            raise ValueError("rate_hz must be > 0; jitter, stall_every_s and reps >= 0")
        for pair in (self.shorted, self.stuck):
            if pair is not None and pair[0] not in CONTACTS:
                raise ValueError(f"unknown contact {pair[0]!r}")
        if not isinstance(self.faults, int):
            object.__setattr__(self, "faults", tuple(self.faults))
            _check_specs(self.faults, self.rep_range[0])

    @property
    def truth_name(self) -> str:
        return self.name or f"{self.family}-{self.seed:02d}"

    @property
    def rep_range(self) -> tuple[int, int]:
        """(fewest, most) reps: a count is both."""
        if isinstance(self.reps, int):
            return self.reps, self.reps
        return int(self.reps[0]), int(self.reps[1])


def _check_specs(specs: Sequence[FaultSpec], reps: int) -> None:
    """Refuse specs that cannot happen, loudly: a silent shift would mislabel the truth."""
    seen = set()
    for f in specs:
        if f.contact not in CONTACTS or f.phase not in (None, *PHASES) or not 1 <= f.rep <= reps:
            raise ValueError(f"bad fault {f}: contact in {CONTACTS}, phase in {PHASES}, rep 1..{reps}")
        if f.shape is not None and f.shape not in FALL_SHAPES:
            raise ValueError(f"bad fault {f}: shape in {FALL_SHAPES}")
        if (f.rep, f.contact) in seen:
            raise ValueError(f"two faults on {f.contact} in rep {f.rep}")
        seen.add((f.rep, f.contact))


def trace_header(s: Scenario) -> dict[str, float | str]:
    """The signal-chain key=value pairs a trace file v1 header carries."""
    if s.adc == "mcp3008":
        return {"adc": "mcp3008", "vcc_v": s.vcc_v, "divider_ohm": s.divider_ohm, "rate_hz": _num(s.rate_hz)}
    return {"adc": "ads1115", "pga_v": s.pga_v, "vcc_v": s.vcc_v,
            "divider_ohm": s.divider_ohm, "rate_hz": _num(s.rate_hz)}


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x
