"""`smartdowel selftest`: is every wire where it should be? And the quick check at boot.

A coach who unpacks the box, or who hears no cue, needs to know *which* part is
wrong in words that say what to check, not a traceback. So each check names
the part, what it saw and what to look at, and the run ends non-zero if any
check failed:

- the ADS1115 answers on the bus (it has no ID register: reading its config
  register back and running one conversion is the probe) and the MPU-6050's
  WHO_AM_I is right;
- no FSR channel is shorted (at the supply) or stuck (the very same count, read
  after read, above ground: an idle, open FSR may legitimately read a flat 0);
- each pad responds when pressed, on its own input (swapped wires show here);
  a person presses them on the real dowel, the simulator lifts and presses the
  simulated athlete's contacts (`SimulatedDowel.lift`);
- the buzzer pin is driven (and, when someone is there, heard); the screen
  shows a test pattern (and, when someone is there, is seen);
- the data directory takes a file, and the clock is not in the past.

`quick_check(hw, cfg)` is the part without prompts, beeps or screen that the
appliance runs at boot (well under a second) to show the sensor-fault screen.

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

import argparse
import copy
import errno
import os
import select
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, TextIO

from device.app.config import Config, data_dir, load_config
from device.core.signal import CONTACTS

OK, FAIL, WARN, SKIP = "ok", "FAIL", "warn", "skip"
MIN_YEAR = 2024
CLOCK_SLACK_S = 3600.0          # the clock may be this much behind the package's files
STUCK_MIN_V = 0.1               # flat readings below this are an idle open FSR, not a fault
PRESS_DELTA_V = 0.3             # a finger on an FSR 402 lifts its divider far more than this
QUICK_READS = 8                 # per channel at boot: ~30 conversions, ~40 ms at 860 SPS
FULL_READS = 24
LOW_SPACE_BYTES = 50 * 2 ** 20
SIM_SKIP_S = 10.0               # simulated time by which the simulated athlete holds the dowel
BEEP = ((880.0, 0.15), (None, 0.08), (1760.0, 0.15))
Ask = Callable[[str, float], "bool | None"]


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


def ask_yes_no(question: str, timeout_s: float, inp: TextIO = sys.stdin,
               out: TextIO = sys.stdout) -> bool | None:
    """y -> True, n -> False, no answer within `timeout_s` (or another answer) -> None."""
    out.write(f"{question} [y/n] ({timeout_s:.0f} s) ")
    out.flush()
    ready, _, _ = select.select([inp], [], [], timeout_s)
    if not ready:
        out.write("\n")
        return None
    answer = inp.readline().strip().lower()
    return True if answer.startswith("y") else False if answer.startswith("n") else None


@dataclass
class Options:
    """How the run goes: with a person at the box or not, with a screen or not."""

    interactive: bool = False
    headless: bool = True
    press_timeout_s: float = 10.0
    reads: int = FULL_READS
    out: TextIO = field(default_factory=lambda: sys.stdout)
    ask: Ask = ask_yes_no


# --------------------------------------------------------------------------- chips


def input_name(cfg: Config, channel: int) -> str:
    """How the board labels an input: A0 on an ADS1115, CH0 on an MCP3008."""
    return f"A{channel}" if cfg.hardware.adc == "ads1115" else f"CH{channel}"


def probe_adc(hw: Any, cfg: Config) -> Result:
    """ADS1115: its config register answers and one conversion completes (no ID register)."""
    if hw.adc_name != "ads1115":
        return Result("adc", SKIP, f"{hw.adc_name.upper()} on SPI has no ID to probe; "
                                   "its channels are read below")
    from drivers.ads1115 import POINTER_CONFIG
    from drivers.errors import SensorError, bus_lock, i2c_call
    adc = hw.adc
    try:
        with bus_lock(adc.bus):
            msb, lsb = i2c_call("ads1115", adc.address, lambda: adc.bus.read_i2c_block_data(
                adc.address, POINTER_CONFIG, 2), retries=2)
        adc.read(cfg.hardware.channels[0])
    except SensorError as exc:
        return Result.failed(Problem("ads1115", exc.reason, f"{exc}; `i2cdetect -y {cfg.hardware.i2c_bus}` "
                                     "lists what answers (ADDR to GND is 0x48)"))
    return Result("ads1115", OK, f"ADS1115 answered at 0x{adc.address:02X} on I2C bus "
                                 f"{cfg.hardware.i2c_bus} (config 0x{msb << 8 | lsb:04X}) and converted")


def probe_imu(hw: Any, cfg: Config) -> Result:
    """MPU-6050: WHO_AM_I is 0x68 and a still dowel reads about 1 g."""
    if not cfg.hardware.imu:
        return Result("mpu6050", SKIP, "no IMU in the config (hardware.imu = false): no reps or depth")
    imu = getattr(hw.tilt, "imu", None)
    if imu is None:
        return Result("mpu6050", SKIP, "the simulated athlete has no IMU in this scenario")
    from drivers.errors import SensorError
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


def judge_channel(contact: str, name: str, counts: Sequence[int], chain: Any) -> Result:
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


def check_channels(hw: Any, cfg: Config, reads: int, adc: Any = None) -> list[Result]:
    """Every contact's channel judged over `reads` reads; one failure if the ADC fails."""
    from drivers.errors import SensorError
    adc = adc or hw.adc
    channels = list(cfg.hardware.channels)
    try:
        counts = read_channels(adc, channels, reads)
    except SensorError as exc:
        return [Result.failed(Problem(hw.adc_name, exc.reason, str(exc)))]
    return [judge_channel(c, input_name(cfg, ch), counts[ch], hw.chain)
            for c, ch in zip(CONTACTS, channels)]


# --------------------------------------------------------------------------- pads


class HumanPresser:
    """A person at the real dowel: told what to press, given time to do it."""

    automatic = False

    def __init__(self, cfg: Config, out: TextIO, settle_s: float = 3.0) -> None:
        self.cfg, self.out, self.settle_s = cfg, out, settle_s

    def wrap(self, adc: Any) -> Any:
        return adc

    def prepare(self) -> None:
        """Time to put the dowel down: the rest levels are read right after."""
        self._say(f"Lay the dowel down so that nothing touches the three pads ({self.settle_s:.0f} s).")
        time.sleep(self.settle_s)

    def press(self, contact: str, timeout_s: float) -> None:
        channel = self.cfg.hardware.channels[CONTACTS.index(contact)]
        self._say(f"Press and hold the {contact.upper()} pad ({input_name(self.cfg, channel)}) "
                  f"now ({timeout_s:.0f} s)...")

    def release(self, contact: str) -> None:
        self._say("Let go.")

    def _say(self, text: str) -> None:
        self.out.write(f"  >> {text}\n")
        self.out.flush()


class SimPresser:
    """The simulator's stand-in for the person: lifts all contacts, presses one at a time.

    The simulated athlete only holds the dowel a couple of seconds after the
    start, so reads are moved `SIM_SKIP_S` ahead: `wrap(adc)` reads the dowel
    at the later time first, and the fake ADC's reads, which come at an earlier
    time, are read as that latest time (SimulatedDowel's documented rule).
    """

    automatic = True

    def __init__(self, dowel: Any, clock: Callable[[], float] = time.monotonic) -> None:
        self.dowel, self.clock, self.t0 = dowel, clock, clock()

    def tick(self) -> None:
        self.dowel.read(SIM_SKIP_S + self.clock() - self.t0)

    def wrap(self, adc: Any) -> Any:
        return _ReadAhead(adc, self.tick)

    def prepare(self) -> None:
        for contact in CONTACTS:  # at simulated time 0: fully off by SIM_SKIP_S
            self.dowel.lift(contact, True)
        self.tick()

    def press(self, contact: str, timeout_s: float) -> None:
        self.tick()
        self.dowel.lift(contact, False)

    def release(self, contact: str) -> None:
        self.tick()
        self.dowel.lift(contact, True)


class _ReadAhead:
    """An ADC whose every read first moves the simulated athlete's clock on."""

    def __init__(self, adc: Any, tick: Callable[[], None]) -> None:
        self.adc, self.tick = adc, tick

    def read(self, channel: int) -> int:
        self.tick()
        return self.adc.read(channel)


def _levels(adc: Any, channels: Sequence[int], chain: Any, n: int = 5) -> dict[int, float]:
    counts = read_channels(adc, channels, n)
    return {ch: chain.volts(int(statistics.median(c))) for ch, c in counts.items()}


def _wait_for(adc: Any, channels: Sequence[int], chain: Any, until: Callable[[dict[int, float]], bool],
              timeout_s: float) -> dict[int, float] | None:
    """Poll the channels until `until(volts)` holds; the volts then, or None at the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        volts = {ch: chain.volts(adc.read(ch)) for ch in channels}
        if until(volts):
            return volts
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def check_pad(adc: Any, cfg: Config, chain: Any, contact: str, presser: Any,
              timeout_s: float) -> Result:
    """One pad: pressed, its own input rises by PRESS_DELTA_V; let go, it falls back."""
    channels = list(cfg.hardware.channels)
    mine = channels[CONTACTS.index(contact)]
    name, check = input_name(cfg, mine), f"pad:{contact}"
    rest = _levels(adc, channels, chain)
    moved: set[int] = set()

    def risen(volts: dict[int, float]) -> bool:
        moved.update(ch for ch, v in volts.items() if v - rest[ch] >= PRESS_DELTA_V)
        return mine in moved

    presser.press(contact, timeout_s)
    pressed = _wait_for(adc, channels, chain, risen, timeout_s)
    presser.release(contact)
    if pressed is None:
        return Result.failed(Problem(check, "no_response", _silent_pad(cfg, contact, name, moved, timeout_s),
                                     contact))
    back = _wait_for(adc, [mine], chain, lambda v: v[mine] - rest[mine] < PRESS_DELTA_V / 2, timeout_s)
    rise = pressed[mine] - rest[mine]
    if back is None:
        return Result(check, WARN, f"{contact} pad ({name}) rose {rise:.2f} V but did not fall back when let go")
    return Result(check, OK, f"{contact} pad ({name}) rose {rise:.2f} V when pressed")


def _silent_pad(cfg: Config, contact: str, name: str, moved: set[int], timeout_s: float) -> str:
    """Why a pad did not answer: another input moved (wires swapped), or nothing did."""
    others = [f"{CONTACTS[cfg.hardware.channels.index(ch)]} ({input_name(cfg, ch)})" for ch in sorted(moved)]
    if others:
        return (f"pressing the {contact} pad moved {', '.join(others)} instead of {name}: the wires are "
                "swapped, or hardware.channels in the config is")
    return (f"{contact} pad ({name}) did not respond within {timeout_s:g} s: check the FSR's two wires, "
            "its 3.3 V feed and the 10 kOhm resistor to GND")


def check_pads(hw: Any, cfg: Config, adc: Any, presser: Any, opts: Options,
               skip: set[str]) -> list[Result]:
    """Each pad in turn, but for those already failed (shorted, stuck) or without a person."""
    if not presser.automatic and not opts.interactive:
        return [Result("pads", WARN, "not pressed: needs a person at the box (run on a terminal without --yes)")]
    from drivers.errors import SensorError
    results = []
    for contact in CONTACTS:
        if contact in skip:
            results.append(Result(f"pad:{contact}", SKIP, f"{contact}: its FSR failed above"))
            continue
        try:
            results.append(check_pad(adc, cfg, hw.chain, contact, presser, opts.press_timeout_s))
        except SensorError as exc:
            results.append(Result.failed(Problem(hw.adc_name, exc.reason, str(exc))))
            break
    return results


# --------------------------------------------------------------------------- buzzer, screen


def check_buzzer(hw: Any, cfg: Config, opts: Options) -> Result:
    """Two beeps: the pin must switch on; a person, when there, must hear them."""
    from drivers.buzzer import BuzzerPlayer
    pin, sounded = cfg.buzzer.pin, threading.Event()
    try:
        player = BuzzerPlayer(pin, kind=cfg.buzzer.kind, pin_factory=hw.pin_factory,
                              on_first_note=lambda pattern, t: sounded.set())
    except Exception as exc:  # gpiozero/lgpio raise many kinds: pin busy, no chip, no access
        return Result.failed(Problem("buzzer", "pin_error", f"GPIO {pin} cannot drive the buzzer: {exc} "
                                     "(is the smartdowel service running? sudo systemctl stop smartdowel)"))
    try:
        player.play(BEEP)
        driven = sounded.wait(1.0)
        _wait_idle(player, 2.0)
    finally:
        player.close()
    if not driven:
        return Result.failed(Problem("buzzer", "pin_error", f"GPIO {pin} never switched on for the beep"))
    return _confirm("buzzer", f"beeped on GPIO {pin} ({cfg.buzzer.kind})", "Did you hear two beeps?",
                    f"nothing heard: check the piezo's wires to GPIO {pin} and GND (a magnetic buzzer "
                    "needs a transistor, see docs/wiring.md)", opts, hw.kind == "sim")


def _wait_idle(player: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while player.busy and time.monotonic() < deadline:
        time.sleep(0.02)


def _confirm(check: str, done: str, question: str, denied: str, opts: Options, simulated: bool) -> Result:
    """A person's yes turns `done` into ok, a no into a failure; nobody there is a warning."""
    if simulated:
        return Result(check, OK, f"{done} (simulated: nobody to ask)")
    if not opts.interactive:
        return Result(check, WARN, f"{done}; not confirmed (non-interactive)")
    answer = opts.ask(question, 20.0)
    if answer is None:
        return Result(check, WARN, f"{done}; no answer")
    return Result(check, OK, done) if answer else Result.failed(Problem(check, "not_confirmed", denied))


TEST_COLOURS = ((255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
                (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0))


def draw_test_pattern(surface: Any) -> None:
    """Colour bars, a grey ramp, a white border and a centre cross: any size of screen.

    A missing colour is a loose DSI/HDMI lane, a missing border a wrong
    resolution or overscan, a blurred cross a scaled mode.
    """
    import pygame
    w, h = surface.get_size()
    bars_h = h * 2 // 3
    for i, colour in enumerate(TEST_COLOURS):
        x0, x1 = i * w // len(TEST_COLOURS), (i + 1) * w // len(TEST_COLOURS)
        surface.fill(colour, pygame.Rect(x0, 0, x1 - x0, bars_h))
    for x in range(w):
        grey = 255 * x // max(w - 1, 1)
        surface.fill((grey, grey, grey), pygame.Rect(x, bars_h, 1, h - bars_h))
    pygame.draw.rect(surface, (255, 255, 255), surface.get_rect(), 1)
    pygame.draw.line(surface, (255, 0, 0), (w // 2, h // 3), (w // 2, h * 5 // 6))
    pygame.draw.line(surface, (255, 0, 0), (w // 4, bars_h), (w * 3 // 4, bars_h))
    _label(surface, f"smartdowel selftest {w}x{h}")


def _label(surface: Any, text: str) -> None:
    """The mode in words; a pattern without it is still a pattern (fonts may be missing)."""
    import pygame
    try:
        pygame.font.init()
        img = pygame.font.Font(None, max(16, surface.get_height() // 12)).render(text, True, (0, 0, 0),
                                                                                (255, 255, 255))
        surface.blit(img, img.get_rect(center=(surface.get_width() // 2, surface.get_height() // 3)))
    except (pygame.error, OSError):
        pass


def check_screen(opts: Options, simulated: bool, show_s: float = 2.0) -> Result:
    """The test pattern on the display SDL opens (kmsdrm on the Pi); skipped when headless."""
    if opts.headless:
        return Result("screen", SKIP, "headless: no test pattern shown")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    try:
        pygame.display.init()
        fullscreen = os.environ.get("SDL_VIDEODRIVER") == "kmsdrm"
        surface = pygame.display.set_mode((0, 0) if fullscreen else (480, 320),
                                          pygame.FULLSCREEN if fullscreen else 0)
        driver = pygame.display.get_driver()
        draw_test_pattern(surface)
        pygame.display.flip()
        _pump(pygame, show_s if not opts.interactive else 0.2)
        if driver in ("dummy", "offscreen"):
            return Result("screen", WARN, f"pattern drawn on SDL's {driver!r} driver: nothing to see")
        w, h = surface.get_size()
        return _confirm("screen", f"test pattern shown at {w}x{h} ({driver})",
                        "Do you see colour bars inside a white border?",
                        "pattern not seen: check the display cable and config.txt's display settings",
                        opts, simulated)
    except pygame.error as exc:
        return Result.failed(Problem("screen", "no_display", f"cannot open the display ({exc}): check "
                                     "/dev/dri/card*, the video and render groups, and that no desktop "
                                     "holds the screen"))
    finally:
        pygame.display.quit()


def _pump(pygame: Any, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pygame.event.pump()
        time.sleep(0.02)


# --------------------------------------------------------------------------- data, clock


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


# --------------------------------------------------------------------------- the runs


def quick_check(hw: Any, cfg: Config) -> list[Problem]:
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


def run_selftest(hw: Any, cfg: Config, opts: Options, presser: Any = None,
                 done: Sequence[Result] = ()) -> list[Result]:
    """Every check in turn, each printed as it finishes; `done` are results found earlier."""
    results = list(done)
    emit = _emitter(results, opts.out)
    seen = {r.check for r in results}
    if hw is not None:
        _hardware_checks(hw, cfg, opts, presser, emit, seen)
    emit(check_data_dir(data_dir(cfg)))
    emit(check_clock())
    return results


def _emitter(results: list[Result], out: TextIO) -> Callable[[Result], None]:
    def emit(result: Result) -> None:
        results.append(result)
        out.write(format_result(result) + "\n")
        out.flush()
    return emit


def _hardware_checks(hw: Any, cfg: Config, opts: Options, presser: Any,
                     emit: Callable[[Result], None], seen: set[str]) -> None:
    adc_result = probe_adc(hw, cfg)
    emit(adc_result)
    if "mpu6050" not in seen:
        emit(probe_imu(hw, cfg))
    if adc_result.status != FAIL:
        _pad_checks(hw, cfg, opts, presser or _presser_for(hw, cfg, opts), emit)
    emit(check_buzzer(hw, cfg, opts))
    emit(check_screen(opts, hw.kind == "sim"))


def _pad_checks(hw: Any, cfg: Config, opts: Options, presser: Any,
                emit: Callable[[Result], None]) -> None:
    """Rest levels first (shorted, stuck), then presses on the pads that passed."""
    adc = presser.wrap(hw.adc)
    if presser.automatic or opts.interactive:
        presser.prepare()  # pads free, so the rest levels below are at rest
    channels = check_channels(hw, cfg, opts.reads, adc)
    for r in channels:
        emit(r)
    if not all(r.check.startswith("fsr:") for r in channels):
        return  # the ADC itself failed: nothing to press against
    failed = {r.problem.contact for r in channels if r.problem is not None and r.problem.contact}
    if len(failed) < len(CONTACTS):
        for r in check_pads(hw, cfg, adc, presser, opts, failed):
            emit(r)


def _presser_for(hw: Any, cfg: Config, opts: Options) -> Any:
    return SimPresser(hw.dowel) if hw.dowel is not None else HumanPresser(cfg, opts.out)


def format_result(r: Result) -> str:
    return f"  {r.status:<5} {r.check:<16} {r.detail}"


def summary(results: Sequence[Result]) -> tuple[str, int]:
    """The closing line and the exit code: 1 if anything failed."""
    failed = [r for r in results if r.status == FAIL]
    warned = sum(r.status == WARN for r in results)
    if failed:
        names = ", ".join(r.check for r in failed)
        return f"selftest FAILED: {len(failed)} problem(s): {names}", 1
    extra = f" ({warned} warning(s))" if warned else ""
    return f"selftest passed{extra}", 0


# --------------------------------------------------------------------------- the command


FAULTS = ("missing-adc", "missing-imu", "shorted:CONTACT", "stuck:CONTACT", "dead:CONTACT")


def add_subcommand(subparsers: Any) -> argparse.ArgumentParser:
    """Register `smartdowel selftest` on the CLI's subparsers."""
    p = subparsers.add_parser("selftest", help="check chips, pads, buzzer, screen, storage and clock")
    p.add_argument("--hardware", choices=("real", "sim"), help="force the real board or the simulator")
    p.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")
    p.add_argument("-y", "--yes", action="store_true",
                   help="no questions: skip pressing the pads (with a warning), do not ask about beep or screen")
    p.add_argument("--headless", action="store_true", help="no screen: skip the test pattern")
    p.add_argument("--timeout", type=float, help="seconds to press each pad (default 10, simulator 1.5)")
    p.add_argument("--data-dir", help="check this data directory instead of the configured one")
    p.add_argument("--scenario", default="manual", help="simulated athlete (simulator only)")
    p.add_argument("--seed", type=int, help="simulated athlete's seed (simulator only)")
    p.add_argument("--fault", action="append", default=[], metavar="FAULT",
                   help="simulator only, repeatable: " + ", ".join(FAULTS))
    p.set_defaults(func=cmd_selftest)
    return p


def cmd_selftest(args: argparse.Namespace) -> int:
    """Build the hardware, run every check, print the report; 1 if anything failed."""
    from device.app.hardware import choose
    cfg = load_config(args.config)
    if args.data_dir:
        cfg.data.dir = args.data_dir
    kind = choose(args.hardware, cfg)
    if args.fault and kind != "sim":
        raise _usage("--fault works on the simulator only (--hardware sim)")
    for spec in args.fault:
        parse_fault(spec)
    out = sys.stdout
    interactive = not args.yes and sys.stdin.isatty()
    timeout = args.timeout if args.timeout is not None else (1.5 if kind == "sim" else 10.0)
    opts = Options(interactive=interactive, headless=args.headless, press_timeout_s=timeout, out=out)
    out.write(f"smartdowel selftest: {'simulated dowel' if kind == 'sim' else 'real board'}, "
              f"config {cfg.source}\n")
    hw, done = _build(kind, cfg, args)
    try:
        results = run_selftest(hw, cfg, opts, done=done)
    finally:
        if hw is not None:
            hw.close()
    line, code = summary(results)
    out.write(line + "\n")
    return code


def _usage(message: str) -> Exception:
    from device.cli.main import UsageError
    return UsageError(message)


def _build(kind: str, cfg: Config, args: argparse.Namespace) -> tuple[Any, list[Result]]:
    if kind == "sim":
        from device.app.hardware import build_sim
        try:
            hw = build_sim(cfg, args.scenario, args.seed)
        except ValueError as exc:
            raise _usage(str(exc)) from None
        for spec in args.fault:
            apply_fault(hw, cfg, spec)
        return hw, []
    return build_real_checked(cfg)


def parse_fault(spec: str) -> tuple[str, str | None]:
    """'shorted:head' -> ('shorted', 'head'); UsageError naming the known faults otherwise."""
    kind, _, contact = spec.partition(":")
    if kind in ("missing-adc", "missing-imu") and not contact:
        return kind, None
    if kind in ("shorted", "stuck", "dead") and contact in CONTACTS:
        return kind, contact
    raise _usage(f"unknown fault {spec!r} (known: {', '.join(FAULTS)}; contacts: {', '.join(CONTACTS)})")


FAULT_COUNTS = {"shorted": 26100, "stuck": 12000, "dead": 12}  # at the supply, mid-scale flat, idle


def apply_fault(hw: Any, cfg: Config, spec: str) -> None:
    """Break the simulated hardware the way a wire or a part breaks (see FAULTS)."""
    kind, contact = parse_fault(spec)
    if kind == "missing-adc":
        hw.adc.bus.address ^= 0x01  # nothing answers at the configured address: errno 121
    elif kind == "missing-imu":
        if hw.tilt is not None:
            hw.tilt.imu.bus.address ^= 0x01
    else:
        channel = cfg.hardware.channels[CONTACTS.index(contact)]  # type: ignore[arg-type]
        hw.adc.bus.set_counts(channel, FAULT_COUNTS[kind])


def build_real_checked(cfg: Config) -> tuple[Any, list[Result]]:
    """The real board; a missing IMU or bus becomes a result instead of a traceback."""
    from device.app.hardware import build_real
    from drivers.errors import SensorError
    try:
        return build_real(cfg), []
    except SensorError as exc:
        if exc.sensor != "mpu6050":
            raise
        first = Result.failed(Problem("mpu6050", exc.reason, str(exc)))
        without = copy.deepcopy(cfg)
        without.hardware.imu = False
        hw, more = build_real_checked(without)
        return hw, [first] + more
    except OSError as exc:
        return None, [Result.failed(Problem("i2c", "no_bus", _bus_advice(cfg, exc)))]
    except Exception as exc:  # the pin factory: lgpio missing, no /dev/gpiochip, pins busy
        return None, [Result.failed(Problem("gpio", "no_gpio", f"GPIO unavailable ({exc}): check "
                                            "python3-lgpio, /dev/gpiochip* and the gpio group"))]


def _bus_advice(cfg: Config, exc: OSError) -> str:
    dev = f"/dev/i2c-{cfg.hardware.i2c_bus}"
    if exc.errno == errno.ENOENT:
        return (f"{dev} does not exist: enable I2C (dtparam=i2c_arm=on in /boot/firmware/config.txt, "
                "systemd/install.sh does it) and reboot")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{dev} is not accessible: add the user to the i2c group"
    return f"{dev}: {exc}"
