"""The appliance's settings: TOML at /etc/smartdowel/config.toml or `--config FILE`.

Every key has a default, so a missing default file means a working box. A key
that is not known, or a value of the wrong kind, stops the start with a message
naming the file, the key and what was expected: a typo in a pin number must not
become a silent buzzer.

    >>> cfg = parse_config('[sampler]\\nrate_hz = 200\\n', "x.toml")
    >>> cfg.sampler.rate_hz, cfg.hardware.ads1115_address
    (200.0, 72)
"""
from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, get_type_hints

from device.core.cues import CuesConfig
from device.core.detector import DetectorConfig
from device.core.idle import IdleConfig
from device.core.plan import PlanConfig

DEFAULT_PATH = "/etc/smartdowel/config.toml"


class ConfigError(Exception):
    """A config file that cannot be used, saying where and why."""


@dataclass
class HardwareConfig:
    adc: str = "ads1115"  # or "mcp3008"
    i2c_bus: int = 1
    ads1115_address: int = 0x48
    ads1115_alert_pin: int = 17  # BCM GPIO wired to ALERT/RDY (conversion ready); -1 = not wired: poll
    pga_v: float = 4.096
    adc_rate_sps: int = 860
    channels: list[int] = field(default_factory=lambda: [0, 1, 2])  # head, upper_back, sacrum
    vcc_v: float = 3.3
    divider_ohm: float = 10000.0
    imu: bool = True
    imu_address: int = 0x68
    pin_factory: str = ""  # "", "lgpio", "rpigpio", "native", "mock"; "" = GPIOZERO_PIN_FACTORY or lgpio
    gpiochip: int = -1  # lgpio's chip; -1 = gpiozero's own choice (the Pi 5's number changed across releases)
    mcp3008_spi_port: int = 0
    mcp3008_spi_device: int = 0

    def check(self) -> None:
        _one_of("hardware.adc", self.adc, ("ads1115", "mcp3008"))
        _one_of("hardware.pin_factory", self.pin_factory, ("", "lgpio", "rpigpio", "native", "mock"))
        if len(self.channels) != 3 or len(set(self.channels)) != 3 or not all(0 <= c <= 7 for c in self.channels):
            raise ConfigError(f"hardware.channels: three different channels 0..7, not {self.channels}")
        _positive("hardware.vcc_v", self.vcc_v)
        _positive("hardware.divider_ohm", self.divider_ohm)
        if self.ads1115_alert_pin != -1:
            _gpio("hardware.ads1115_alert_pin (-1: not wired)", self.ads1115_alert_pin)


@dataclass
class SamplerConfig:
    rate_hz: float = 100.0  # per contact; 0 = as fast as the chip allows

    def check(self) -> None:
        if self.rate_hz < 0 or self.rate_hz > 2000:
            raise ConfigError(f"sampler.rate_hz: 0 (flat out) or up to 2000, not {self.rate_hz}")


@dataclass
class BuzzerConfig:
    pin: int = 18
    kind: str = "tonal"  # "tonal" (passive piezo) or "active"

    def check(self) -> None:
        _one_of("buzzer.kind", self.kind, ("tonal", "active"))
        _gpio("buzzer.pin", self.pin)


@dataclass
class ButtonsConfig:
    a_pin: int = 5
    b_pin: int = 6
    long_press_s: float = 3.0
    debounce_s: float = 0.02  # contact chatter ridden out (drivers/buttons.py); 0 = none

    def check(self) -> None:
        _gpio("buttons.a_pin", self.a_pin)
        _gpio("buttons.b_pin", self.b_pin)
        _positive("buttons.long_press_s", self.long_press_s)
        if not 0.0 <= self.debounce_s <= 0.2:
            raise ConfigError(f"buttons.debounce_s: 0 to 0.2 s, not {self.debounce_s}")


@dataclass
class ScreenConfig:
    fps: float = 0.0  # frames a second at most; 0 = by board: 15 on a Pi Zero 2 W, 30 on others

    def check(self) -> None:
        if self.fps != 0 and not 1 <= self.fps <= 60:
            raise ConfigError(f"screen.fps: 0 (by board) or 1 to 60 frames a second, not {self.fps}")


@dataclass
class DataConfig:
    dir: str = ""  # "" = SMARTDOWEL_DATA, /var/lib/smartdowel for the service, else ~/.local/share/smartdowel
    usb_roots: list[str] = field(default_factory=lambda: ["/media", "/run/media"])
    mounts_file: str = "/proc/mounts"  # where mounted sticks are listed (a test points it at its own table)

    def check(self) -> None:
        pass


@dataclass
class Config:
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    buzzer: BuzzerConfig = field(default_factory=BuzzerConfig)
    buttons: ButtonsConfig = field(default_factory=ButtonsConfig)
    cues: CuesConfig = field(default_factory=CuesConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    sets: IdleConfig = field(default_factory=IdleConfig)  # [sets] idle_end_s: a set with nothing happening ends
    data: DataConfig = field(default_factory=DataConfig)
    screen: ScreenConfig = field(default_factory=ScreenConfig)
    source: str = "defaults"  # where it was read from (not a key)
    notices: list[str] = field(default_factory=list)  # keys read but no longer used (not a key)


def _one_of(key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(repr(a) for a in allowed)}")


def _positive(key: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f"{key}: must be positive, not {value}")


def _gpio(key: str, pin: int) -> None:
    if not 0 <= pin <= 27:
        raise ConfigError(f"{key}: a BCM GPIO number 0..27, not {pin}")


# Keys of [detector] from before its thresholds were split into [detector.contact] and
# [detector.reps]: still read, into the table they now live in.
_DETECTOR_ALIASES = {"lost_ratio": ("contact", "lost_ratio"), "debounce_s": ("contact", "debounce_s"),
                     "depth_min_deg": ("reps", "depth_min_deg"), "return_deg": ("reps", "return_deg"),
                     "removal_hold_s": ("removal", "hold_s"), "removal_window_s": ("removal", "window_s")}
# Keys the detector no longer has a use for: read, ignored, and said so at start.
_DETECTOR_OBSOLETE = {"removal_ratio": "removal is now judged by the pads leaving together "
                                       "([detector.removal] window_s), not by a pressure ratio"}


def _coerce(key: str, value: Any, kind: Any) -> Any:
    """Check a TOML value against the field's type; ints are welcome where floats are."""
    origin = getattr(kind, "__origin__", kind)
    if origin is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ConfigError(f"{key}: expected a finite number, got {value!r}")
        return float(value)
    if origin is Mapping and isinstance(value, dict):
        return value
    if origin in (int, str, bool, list, dict) and type(value) is origin:
        if origin is list:
            inner = kind.__args__[0]
            return [_coerce(f"{key}[{i}]", v, inner) for i, v in enumerate(value)]
        return value
    names = {float: "a number", int: "an integer", str: "a string", bool: "true or false",
             list: "a list", dict: "a table", Mapping: "a table"}
    raise ConfigError(f"{key}: expected {names.get(origin, origin)}, got {value!r}")


def _build(cls: type, table: dict[str, Any], prefix: str) -> Any:
    """An instance of the dataclass `cls` from a TOML table: every key known, every value checked.

    The dataclass's own defaults fill what the table leaves out (one source of
    defaults: the classes of the logic that uses them)."""
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in ("source", "notices")}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"unknown key {prefix}{key} (known: {', '.join(sorted(fields))})")
        kind = hints[key]
        if isinstance(kind, type) and dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise ConfigError(f"{prefix}{key}: expected a [{prefix}{key}] table")
            kwargs[key] = _build(kind, value, f"{prefix}{key}.")
        else:
            kwargs[key] = _coerce(prefix + key, value, kind)
    try:
        obj = cls(**kwargs)
    except ValueError as exc:  # the class's own check of its values
        raise ConfigError(f"{prefix}{exc}") from None
    check = getattr(obj, "check", None)
    if check is not None:
        check()
    return obj


def _unalias(table: dict[str, Any]) -> dict[str, Any]:
    """[detector]'s old flat keys moved into the subtables they belong to."""
    detector = table.get("detector")
    if not isinstance(detector, dict):
        return table
    detector = dict(detector)
    for key, (sub, new) in _DETECTOR_ALIASES.items():
        if key in detector:
            inner = detector.get(sub, {})
            if not isinstance(inner, dict):
                raise ConfigError(f"detector.{sub}: expected a [detector.{sub}] table")
            if new in inner:
                raise ConfigError(f"detector.{key} and detector.{sub}.{new} both given: keep one")
            detector[sub] = {**inner, new: detector.pop(key)}
    for key in _DETECTOR_OBSOLETE:
        detector.pop(key, None)
    return {**table, "detector": detector}


def _obsolete(table: dict[str, Any]) -> list[str]:
    """Lines for the start's log: keys an older config has that this version ignores."""
    detector = table.get("detector")
    if not isinstance(detector, dict):
        return []
    return [f"detector.{key} is no longer used and was ignored: {why}"
            for key, why in _DETECTOR_OBSOLETE.items() if key in detector]


def parse_config(text: str, path: str) -> Config:
    """Config from TOML text; ConfigError naming `path` and the key on any problem."""
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: values nested too deeply") from None
    try:
        cfg: Config = _build(Config, _unalias(table), "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    cfg.source = path
    cfg.notices = [f"{path}: {line}" for line in _obsolete(table)]
    return cfg


def load_config(path: str | None = None) -> Config:
    """The config at `path` (must exist), or at the default path if there is one, or defaults."""
    target = path or DEFAULT_PATH
    try:
        with open(target, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        if path is None:
            return Config()
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: not UTF-8 text") from None
    return parse_config(text, target)


def data_dir(cfg: Config) -> str:
    """Where sets are kept: config, SMARTDOWEL_DATA, the service's state dir, or the user's."""
    if cfg.data.dir:
        return cfg.data.dir
    if os.environ.get("SMARTDOWEL_DATA"):
        return os.environ["SMARTDOWEL_DATA"]
    if os.environ.get("STATE_DIRECTORY"):  # set by systemd's StateDirectory=
        return os.environ["STATE_DIRECTORY"].split(":")[0]
    return os.path.join(os.path.expanduser("~"), ".local", "share", "smartdowel")
