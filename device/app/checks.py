"""The checks the box runs on itself at boot, and the selftest's report lines.

A coach who unpacks the box, or who hears no cue, needs to know *which* part is
wrong in words that say what to check, not a traceback. So each check names
the part, what it saw and what to look at:

- the ADS1115 answers on the bus (it has no ID register: reading its config
  register back and running one conversion is the probe) and the MPU-6050's
  WHO_AM_I is right;
- no FSR channel is shorted (at the supply) or stuck (the very same count, read
  after read, above ground: an idle, open FSR may legitimately read a flat 0);
- the data directory takes a file, and the clock is not in the past.

`quick_check(hw, cfg)` is what the appliance runs at boot (well under a
second, no prompts, no beeps); `boot_events` says each problem as what it
is: a part that cannot be trusted is a `sensor_fault` (the fault screen), a
clock in the past a `clock` notice; a data folder that cannot be written is
left to the storage supervisor, which says it as a `storage` event and keeps
saying it until it is fixed (device/app/storage.py). The full `smartdowel
selftest` (device/selftest) adds the pads, the buzzer and the screen, with a
person or the simulated athlete.

    >>> import tempfile
    >>> from device.app.config import Config
    >>> from device.app.hardware import build_sim
    >>> tmp = tempfile.TemporaryDirectory()
    >>> cfg = Config(); cfg.data.dir = tmp.name
    >>> hw = build_sim(cfg, "manual")
    >>> quick_check(hw, cfg)
    []
    >>> hw.adc.bus.set_counts(2, 26100)       # the sacrum FSR shorted
    >>> [(p.check, p.reason, p.contact) for p in quick_check(hw, cfg)]
    [('fsr:sacrum', 'shorted', 'sacrum')]
    >>> hw.close(); tmp.cleanup()
"""
from __future__ import annotations

import errno
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any, Sequence

from device.app.config import Config, data_dir
from device.app.events import ClockBehind
from device.app.hardware import Hardware, SensorError
from device.core.contacts import CONTACTS
from device.core.events import Event, SensorFault
from device.core.signal import SignalChain

OK, FAIL, WARN, SKIP = "ok", "FAIL", "warn", "skip"
NOT_PARTS = ("data_dir", "clock")  # what the boot check finds that is no sensor
CLOCK_WORDS = "The clock is behind: sets would get wrong dates. Set the clock."
MIN_YEAR = 2024
CLOCK_SLACK_S = 3600.0          # the clock may be this much behind the package's files
STUCK_MIN_V = 0.1               # flat readings below this are an idle open FSR, not a fault
QUICK_READS = 8                 # per channel at boot: ~30 conversions, ~40 ms at 860 SPS
LOW_SPACE_BYTES = 50 * 2 ** 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong: which part (`check`), a machine word (`reason`), what to do (`message`)."""

    check: str
    reason: str
    message: str
    contact: str | None = None


@dataclass
class Result:
    """One line of the report."""

    check: str
    status: str
    detail: str
    problem: Problem | None = None

    @classmethod
    def failed(cls, problem: Problem) -> "Result":
        return cls(problem.check, FAIL, problem.message, problem)



def input_name(cfg: Config, channel: int) -> str:
    """How the board labels an input: A0 on an ADS1115, CH0 on an MCP3008."""
    return f"A{channel}" if cfg.hardware.adc == "ads1115" else f"CH{channel}"


def probe_adc(hw: Hardware, cfg: Config) -> Result:
    """ADS1115: its config register answers and one conversion completes (no ID register)."""
    if hw.adc_name != "ads1115":
        return Result("adc", SKIP, f"{hw.adc_name.upper()} on SPI has no ID to probe; "
                                   "its channels are read below")
    adc: Any = hw.adc
    try:
        config = adc.probe()
        adc.read(cfg.hardware.channels[0])
    except SensorError as exc:
        return Result.failed(Problem("ads1115", exc.reason, f"{exc}; `i2cdetect -y {cfg.hardware.i2c_bus}` "
                                     "lists what answers (ADDR to GND is 0x48)"))
    return Result("ads1115", OK, f"ADS1115 answered at 0x{adc.address:02X} on I2C bus "
                                 f"{cfg.hardware.i2c_bus} (config 0x{config:04X}) and converted")


def probe_imu(hw: Hardware, cfg: Config) -> Result:
    """MPU-6050: WHO_AM_I is 0x68 and a still dowel reads about 1 g."""
    if not cfg.hardware.imu:
        return Result("mpu6050", SKIP, "no IMU in the config (hardware.imu = false): no reps or depth")
    imu = getattr(hw.tilt, "imu", None)
    if imu is None:
        return Result("mpu6050", SKIP, "the simulated athlete has no IMU in this scenario")
    try:
        chip_id = imu.probe()
        r = imu.read()
    except SensorError as exc:
        return Result.failed(Problem("mpu6050", exc.reason, str(exc)))
    g = (r.ax ** 2 + r.ay ** 2 + r.az ** 2) ** 0.5
    if not 0.5 <= g <= 2.0:
        return Result.failed(Problem("mpu6050", "implausible", f"MPU6050 at 0x{imu.address:02X} reads "
                                     f"{g:.2f} g at rest, not about 1 g: the part may be damaged"))
    return Result("mpu6050", OK, f"MPU6050 at 0x{imu.address:02X} (WHO_AM_I 0x{chip_id:02X}), "
                                 f"{g:.2f} g at rest")


# --------------------------------------------------------------------------- FSR channels


def read_channels(adc: Any, channels: Sequence[int], n: int) -> dict[int, list[int]]:
    """`n` counts of every channel, interleaved as the sampler reads them."""
    counts: dict[int, list[int]] = {ch: [] for ch in channels}
    for _ in range(n):
        for ch in channels:
            counts[ch].append(adc.read(ch))
    return counts


def judge_channel(contact: str, name: str, counts: Sequence[int], chain: SignalChain) -> Result:
    """Shorted (median at the supply) or stuck (identical counts above ground), else ok."""
    check, part = f"fsr:{contact}", f"{contact} FSR ({name})"
    level = statistics.median(counts)
    volts = chain.volts(int(level))
    if level >= chain.shorted_count():
        return Result.failed(Problem(check, "shorted", f"{part} reads {volts:.2f} V, at the {chain.vcc_v:g} V "
                                     "supply: its two wires touch, or the FSR is crushed", contact))
    if len(set(counts)) == 1 and volts > STUCK_MIN_V:
        return Result.failed(Problem(check, "stuck", f"{part} reads exactly {counts[0]} counts ({volts:.2f} V) "
                                     f"{len(counts)} times: the input floats or the ADC is stuck; check the "
                                     "10 kOhm resistor to GND", contact))
    return Result(check, OK, f"{part} {volts:.2f} V at rest, {min(counts)}..{max(counts)} counts")


def check_channels(hw: Hardware, cfg: Config, reads: int, adc: Any = None) -> list[Result]:
    """Every contact's channel judged over `reads` reads; one failure if the ADC fails."""
    adc = adc or hw.adc
    channels = list(cfg.hardware.channels)
    try:
        counts = read_channels(adc, channels, reads)
    except SensorError as exc:
        return [Result.failed(Problem(hw.adc_name, exc.reason, str(exc)))]
    return [judge_channel(c, input_name(cfg, ch), counts[ch], hw.chain)
            for c, ch in zip(CONTACTS, channels)]



def check_data_dir(path: str) -> Result:
    """A file can be created, synced and removed where the sets are kept."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, f".selftest-{os.getpid()}")
        with open(probe, "wb") as fh:
            fh.write(b"smartdowel selftest\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.remove(probe)
    except OSError as exc:
        reason = "read_only" if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) else "write_failed"
        return Result.failed(Problem("data_dir", reason, f"data directory {path} is not writable "
                                     f"({exc.strerror}): sets cannot be saved; check its owner (the "
                                     "smartdowel user) or [data] dir in the config"))
    free = _free_bytes(path)
    if free is not None and free < LOW_SPACE_BYTES:
        return Result("data_dir", WARN, f"{path} is writable but only {free // 2 ** 20} MB are free")
    return Result("data_dir", OK, f"{path} is writable")


def _free_bytes(path: str) -> int | None:
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def package_time() -> float:
    """When this package's files were written: the clock cannot honestly be earlier."""
    return os.stat(__file__).st_mtime


def check_clock(now: float | None = None, not_before: float | None = None) -> Result:
    """The clock is not before MIN_YEAR nor before the package was installed.

    The box has no network and the Pi no battery-backed clock, so after a power
    cut the time may restart in the past, and every set would be filed there.
    """
    now = time.time() if now is None else now
    not_before = package_time() if not_before is None else not_before
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(now))
    if time.gmtime(now).tm_year < MIN_YEAR or now < not_before - CLOCK_SLACK_S:
        built = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(not_before))
        return Result.failed(Problem("clock", "clock_behind", f"the clock says {stamp}, before this "
                                     f"software was installed ({built}): set it, e.g. "
                                     "sudo date -s '2025-05-01 12:00'"))
    return Result("clock", OK, stamp)


def quick_check(hw: Hardware, cfg: Config) -> list[Problem]:
    """Chips, FSR channels, data directory and clock: no prompts, no beeps, well under a second.

    Run it before the sampler starts (it reads the ADC itself). An empty list
    means all is well; otherwise each Problem says which part and what to check.
    """
    results = [probe_adc(hw, cfg)]
    if results[0].status != FAIL:
        results += check_channels(hw, cfg, QUICK_READS)
    if hw.tilt is not None:
        results.append(probe_imu(hw, cfg))
    results += [check_data_dir(data_dir(cfg)), check_clock()]
    return [r.problem for r in results if r.problem is not None]


def boot_events(problems: Sequence[Problem], t: float = 0.0) -> list[Event]:
    """The boot check's problems as what they are: a sensor fault for a part, a clock notice.

    The data folder's are left out: the storage supervisor says them (as
    `storage` events, with what to do) and says when they are fixed."""
    events: list[Event] = []
    for p in problems:
        if p.check == "clock":
            events.append(ClockBehind(t, reason=p.reason, detail=p.message))
        elif p.check not in NOT_PARTS:
            events.append(SensorFault(t, contact=p.contact, sensor=p.check, reason=p.reason, detail=p.message))
    return events
