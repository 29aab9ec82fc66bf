"""Choosing and building the hardware: the real board, or the simulated dowel.

This is the one module of `device/` that names drivers, and it imports them
only inside the functions that need them: RPi.GPIO raises on import off a Pi,
lgpio is absent on a laptop, smbus2 opens a device file. Everything else in
`device/` sees only `Hardware`'s small interfaces (an ADC with `read(channel)`,
a tilt source with `pitch(t)`, a gpiozero pin factory).

The simulated dowel goes through the same drivers as the real one: the ADS1115
driver talks to a fake chip (register map, conversion time, OS bit) whose
inputs are the simulated athlete's FSR voltages, and the MPU-6050 driver to a
fake IMU tilted as the athlete hinges. So `--hardware sim` exercises the whole
live path but the wires.
"""
from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from device.app.config import Config
from device.app.sampler import ContactReader, PitchReader
from device.core.signal import Sample, SignalChain
from device.store.lock import claim_device
from drivers.i2c import SensorError  # pure Python: the one driver name the app's logic catches

if TYPE_CHECKING:
    from drivers.buttons import Buttons
    from drivers.buzzer import BuzzerPlayer
    from drivers.sim import SimulatedDowel

__all__ = ["Hardware", "SensorError", "build_real", "build_sim", "buzzer_player", "buttons", "choose", "frame_rate"]

I2C_DEVICE = "/dev/i2c-{bus}"  # the node smbus2 opens, claimed first (one process on the bus)
BOARD_MODEL = "/proc/device-tree/model"


def board_model(path: str = BOARD_MODEL) -> str:
    """The board's model string ('' off a Raspberry Pi)."""
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("ascii", "replace").strip("\x00 \n")
    except OSError:
        return ""


# Frames a second the screen draws at most, by board (`[screen] fps` overrides). A cue shows
# within one frame of its event, so 15 on a Pi Zero 2 W still shows it within 67 ms; the
# buzzer, which may not lag, never waits for the screen.
ZERO_FPS, OTHER_FPS = 15.0, 30.0


def frame_rate(cfg: Config, model: str | None = None) -> float:
    """The screen's frame cap: the config's, else by board (the Zero's four slow cores get 15).

    >>> frame_rate(Config(), "Raspberry Pi Zero 2 W Rev 1.0"), frame_rate(Config(), "Raspberry Pi 5 Model B")
    (15.0, 30.0)
    """
    if cfg.screen.fps:
        return cfg.screen.fps
    model = board_model() if model is None else model
    return ZERO_FPS if model.startswith("Raspberry Pi Zero") else OTHER_FPS


def choose(requested: str | None, cfg: Config, model: str | None = None) -> str:
    """'real' on a Raspberry Pi with its I2C bus enabled, 'sim' elsewhere, unless forced."""
    if requested in ("real", "sim"):
        return requested
    model = board_model() if model is None else model
    if model.startswith("Raspberry Pi") and os.path.exists(f"/dev/i2c-{cfg.hardware.i2c_bus}"):
        return "real"
    return "sim"


@dataclass
class Hardware:
    """What the app runs on: an ADC, maybe a tilt source, pins, and how to let go of them."""

    kind: str
    adc: ContactReader
    tilt: PitchReader | None
    chain: SignalChain
    pin_factory: Any  # a gpiozero pin factory
    adc_name: str = "ads1115"
    dowel: SimulatedDowel | None = None  # the simulated athlete (keys, demos); None on the board
    closers: list[Callable[[], None]] = field(default_factory=list)
    power_off: Callable[[], tuple[bool, str]] | None = None  # logind on the board; None in the simulator
    notices: list[str] = field(default_factory=list)  # worth a line in the log at start (no fault)
    # The time the parts run on; the sampler and the main loop read the same. The board and the
    # simulator run on the monotonic clock; tests give build_sim a fake clock (whose sleep moves it
    # on), so the whole live path runs in fake time and a scenario of seconds takes milliseconds.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        """Release buses and pins (SIGTERM, Ctrl-C, end of run). Safe to call twice."""
        while self.closers:
            try:
                self.closers.pop()()
            except Exception:  # closing must go on: the buzzer and the bus still need it
                pass


class ImuTilt:
    """Pitch from an MPU-6050 through the complementary filter, at the sampler's times; roll beside it."""

    def __init__(self, imu: Any, before_read: Callable[[float], None] | None = None) -> None:
        from device.core.tilt import ComplementaryFilter
        self.imu = imu
        self.filter = ComplementaryFilter()
        self.before_read = before_read
        self.roll_deg: float | None = None  # of the last reading: a side bend shows here

    def pitch(self, t: float) -> float:
        if self.before_read is not None:
            self.before_read(t)
        reading = self.imu.read()
        self.roll_deg = self.filter.accel_roll(reading)
        return self.filter.update(t, reading)


def chain_of(cfg: Config) -> SignalChain:
    hw = cfg.hardware
    return SignalChain(adc=hw.adc, pga_v=hw.pga_v, vcc_v=hw.vcc_v, divider_ohm=hw.divider_ohm,
                       rate_hz=cfg.sampler.rate_hz or float(hw.adc_rate_sps) / 3.0)


def pin_factory(cfg: Config, kind: str) -> Any:
    """gpiozero's pin factory: mock pins for the simulator, else config, env, then lgpio."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin
    name = cfg.hardware.pin_factory or ("mock" if kind == "sim" else "")
    name = name or os.environ.get("GPIOZERO_PIN_FACTORY", "") or "lgpio"
    if name == "mock":
        return MockFactory(pin_class=MockPWMPin)
    if name == "lgpio":
        # lgpio drops .lgd-nfy* files in its working directory: keep them out of ours
        os.environ.setdefault("LG_WD", os.environ.get("RUNTIME_DIRECTORY", "/tmp").split(":")[0])
        from gpiozero.pins.lgpio import LGPIOFactory
        chip = cfg.hardware.gpiochip
        return LGPIOFactory(chip=chip) if chip >= 0 else LGPIOFactory()
    if name == "rpigpio":  # imports RPi.GPIO: only ever on a Pi that asked for it
        from gpiozero.pins.rpigpio import RPiGPIOFactory
        return RPiGPIOFactory()
    if name == "native":
        from gpiozero.pins.native import NativeFactory
        return NativeFactory()
    raise ValueError(f"unknown pin factory {name!r}")


def ready_input(cfg: Config, factory: Any, closers: list[Callable[[], None]]) -> Callable[[], bool] | None:
    """A read of the GPIO wired to the ADS1115's ALERT/RDY: True = conversion ready; None: not wired.

    The pin is open drain, so the input has its pull-up on and reads low when
    the chip says ready. The read goes to the pin itself (for lgpio, one
    gpio_read): it is made six times a sample, and gpiozero's value layers
    would cost a Pi Zero 2 W about 3 % of a core more."""
    number = cfg.hardware.ads1115_alert_pin
    if number < 0:
        return None
    from gpiozero import InputDevice
    device = InputDevice(number, pull_up=True, pin_factory=factory)
    closers.append(device.close)
    pin = device.pin
    return lambda: not pin.state


def ready_notices(adc: Any, cfg: Config) -> list[str]:
    """Try the ALERT/RDY pin once at start: a line for the log when it does not answer."""
    if getattr(adc, "ready", None) is None:
        return []
    try:
        if adc.check_ready_pin():
            return []
    except SensorError:
        return []  # the ADC itself does not answer: the boot check says so
    return [f"ADS1115 ALERT/RDY on GPIO {cfg.hardware.ads1115_alert_pin} does not answer "
            f"({adc.ready_fault or 'no conversion-ready signal'}): reading by polling the OS bit, "
            "which costs bus time; see the wiring in the README"]


def build_real(cfg: Config) -> Hardware:
    """The Raspberry Pi: ADS1115 (or MCP3008) and MPU-6050 on I2C, gpiozero pins.

    The I2C bus is claimed first (LockHeld if another smartdowel process has
    it); the pins need no claim of ours: the kernel gives a GPIO line to one
    process at a time."""
    hw = cfg.hardware
    bus_claim = claim_device(I2C_DEVICE.format(bus=hw.i2c_bus), "the I2C bus")
    factory = pin_factory(cfg, "real")
    closers: list[Callable[[], None]] = [lambda: _unclaim(bus_claim), factory.close]
    notices: list[str] = []
    bus = None
    if hw.adc == "ads1115" or hw.imu:
        from smbus2 import SMBus
        bus = SMBus(hw.i2c_bus)
        closers.append(bus.close)
    if hw.adc == "ads1115":
        from drivers.ads1115 import ADS1115
        adc: Any = ADS1115(bus, address=hw.ads1115_address, pga_v=hw.pga_v, rate_sps=hw.adc_rate_sps,
                           ready=ready_input(cfg, factory, closers))
        notices += ready_notices(adc, cfg)
    else:
        from drivers.mcp3008 import MCP3008Reader
        adc = MCP3008Reader(hw.channels, pin_factory=factory, port=hw.mcp3008_spi_port,
                            device=hw.mcp3008_spi_device)
        closers.append(adc.close)
    tilt = None
    if hw.imu:
        from drivers.mpu6050 import MPU6050
        imu = MPU6050(bus, address=hw.imu_address)
        imu.probe()
        imu.wake()
        tilt = ImuTilt(imu)
    from drivers.power import power_off
    return Hardware("real", adc, tilt, chain_of(cfg), factory, adc_name=hw.adc, closers=closers,
                    power_off=power_off, notices=notices)


def board_names() -> list[str]:
    """The board profiles the simulator can take the bus timing of (drivers/board_model.py)."""
    from drivers.board_model import PROFILES
    return [name for name, p in PROFILES.items() if p.adc == "ads1115"]


def build_sim(cfg: Config, scenario: str = "demo", seed: int | None = None,
              fail_rate: float = 0.0, board: str = "", *, clock: Callable[[], float] = time.monotonic,
              sleep: Callable[[float], None] = time.sleep) -> Hardware:
    """The simulated dowel behind fake chips, driven through the real drivers.

    `board`: a profile name (`board_names()`); each I2C transfer then takes, in
    real time, what it would on that board's bus, so the sampler holds the
    rate that bus allows (Python still runs at this machine's speed). "" : the
    fake chips take no bus time. `clock` and `sleep` are the time everything
    runs on (fake chips, drivers, the athlete, and through `Hardware` the
    sampler): real time by default."""
    from drivers.ads1115 import ADS1115
    from drivers.board_model import profile
    from drivers.fake_ads1115 import BusWire, FakeADS1115Bus
    from drivers.fake_mpu6050 import FakeMPU6050Bus
    from drivers.mpu6050 import MPU6050
    from drivers.sim import PRESETS, SimulatedDowel
    from gpiozero.pins.mock import MockFactory

    if board and board not in board_names():
        raise ValueError(f"unknown board {board!r} for the simulator (known: {', '.join(board_names())})")
    wire = BusWire(profile(board) if board else None, real_time=True)
    hw = cfg.hardware
    chain = SignalChain(adc="ads1115", pga_v=hw.pga_v, vcc_v=hw.vcc_v, divider_ohm=hw.divider_ohm,
                        rate_hz=cfg.sampler.rate_hz or 286.0)
    if scenario not in PRESETS:
        raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(sorted(PRESETS))})")
    preset = PRESETS[scenario]
    if seed is not None:
        preset = dataclasses.replace(preset, seed=seed)
    dowel = SimulatedDowel(preset)
    start = clock()
    lsb = chain.pga_v / 32768.0
    latest: dict[str, Any] = {"t": -1.0, "row": (0, 0, 0, None)}

    def row_at(t: float) -> tuple:
        if t != latest["t"]:
            latest["t"], latest["row"] = t, dowel.read(max(t, 0.0))
        return latest["row"]

    channel_index = {c: i for i, c in enumerate(hw.channels)}

    def volts(channel: int, now: float) -> float:
        i = channel_index.get(channel)
        return 0.0 if i is None else row_at(now - start)[i] * lsb

    factory = pin_factory(cfg, "sim")
    closers: list[Callable[[], None]] = [factory.close]
    adc_bus = FakeADS1115Bus(address=hw.ads1115_address, source=volts, fail_rate=fail_rate, wire=wire,
                             clock=clock, sleep=sleep)
    ready = None
    if isinstance(factory, MockFactory) and hw.ads1115_alert_pin >= 0:
        adc_bus.attach_ready_pin(factory, hw.ads1115_alert_pin)
        ready = ready_input(cfg, factory, closers)
    adc = ADS1115(adc_bus, address=hw.ads1115_address, pga_v=hw.pga_v, rate_sps=hw.adc_rate_sps,
                  ready=ready, clock=clock, sleep=sleep)
    notices = ready_notices(adc, cfg)
    tilt = None
    if hw.imu and preset.imu:
        imu_bus = FakeMPU6050Bus(address=hw.imu_address, wire=wire, clock=clock, sleep=sleep)
        imu = MPU6050(imu_bus, address=hw.imu_address, sleep=sleep)
        imu.probe()
        imu.wake()
        prev: dict[str, float | None] = {"t": None, "p": None}

        def move(t: float) -> None:
            pitch = row_at(clock() - start)[3]
            p = 0.0 if pitch is None else pitch
            t0, p0 = prev["t"], prev["p"]
            rate = 0.0 if t0 is None or p0 is None or t <= t0 else (p - p0) / (t - t0)
            prev["t"], prev["p"] = t, p
            imu_bus.set_motion(p, rate, roll_deg=dowel.roll or 0.0)

        tilt = ImuTilt(imu, before_read=move)
    return Hardware("sim", adc, tilt, chain, factory, adc_name="ads1115", dowel=dowel,
                    closers=closers, notices=notices, clock=clock, sleep=sleep)


def _unclaim(fd: int) -> None:
    if fd >= 0:
        os.close(fd)


def buzzer_player(cfg: Config, hw: Hardware, **hooks: Any) -> BuzzerPlayer:
    """The buzzer on its pin (passive or active, as configured); hooks as BuzzerPlayer takes them."""
    from drivers.buzzer import BuzzerPlayer
    return BuzzerPlayer(cfg.buzzer.pin, kind=cfg.buzzer.kind, pin_factory=hw.pin_factory, **hooks)


def buttons(cfg: Config, hw: Hardware, post: Callable[[str], None]) -> Buttons:
    """Buttons A and B; their callbacks only `post` a word ("a", "b", "b_long")."""
    from drivers.buttons import Buttons
    b = cfg.buttons
    return Buttons(b.a_pin, b.b_pin, post, b.long_press_s, pin_factory=hw.pin_factory, bounce_s=b.debounce_s)


# -- the simulated athlete's traces (the `simulate` command, example screens) ------------------
@dataclass
class SimulatedTrace:
    """A trace from the simulated athlete: its samples, what really happened, its signal chain."""

    samples: Iterator[Sample]
    truth: dict[str, Any]
    chain: SignalChain
    has_pitch: bool
    has_roll: bool = False


def scenario_names() -> list[str]:
    """The simulated athlete's presets."""
    from drivers.sim import PRESETS
    return sorted(PRESETS)


def simulate_trace(scenario: str | Any, **changes: Any) -> SimulatedTrace:
    """A preset by name (or a Scenario), with fields changed; ValueError naming a bad one."""
    from drivers.sim import PRESETS, simulate, trace_header
    if isinstance(scenario, str):
        if scenario not in PRESETS:
            raise ValueError(f"unknown scenario {scenario!r} (known: {', '.join(sorted(PRESETS))})")
        scenario = PRESETS[scenario]
    try:
        chosen = dataclasses.replace(scenario, **changes)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
    rows, truth = simulate(chosen)
    chain = SignalChain(**trace_header(chosen))  # type: ignore[arg-type]
    return SimulatedTrace((Sample(*row) for row in rows), truth, chain, chosen.imu, chosen.imu and chosen.roll)
