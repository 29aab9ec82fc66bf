"""`smartdowel selftest`: is every wire where it should be? The whole run, check by check.

Besides the boot checks (device/app/checks.py: chips, FSR channels, storage,
clock) it asks each pad to be pressed, beeps the buzzer and shows a test
pattern; the run ends non-zero if any check failed. On the simulator, faults
can be injected (`--fault shorted:head`) to see what a coach would be told.
"""
from __future__ import annotations

import copy
import errno
from typing import Any, Callable, Sequence, TextIO

from device.app.checks import (FAIL, WARN, Problem, Result, check_channels, check_clock,
                               check_data_dir, probe_adc, probe_imu)
from device.app.config import Config, data_dir
from device.app.hardware import Hardware, SensorError, build_real
from device.core.contacts import CONTACTS
from device.selftest.devices import check_buzzer, check_screen
from device.selftest.options import FAULTS, Options
from device.store.lock import LockHeld
from device.selftest.pads import HumanPresser, Presser, SimPresser, check_pads



def run_selftest(hw: Hardware | None, cfg: Config, opts: Options, presser: Presser | None = None,
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


def _hardware_checks(hw: Hardware, cfg: Config, opts: Options, presser: Presser | None,
                     emit: Callable[[Result], None], seen: set[str]) -> None:
    adc_result = probe_adc(hw, cfg)
    emit(adc_result)
    if "mpu6050" not in seen:
        emit(probe_imu(hw, cfg))
    if adc_result.status != FAIL:
        _pad_checks(hw, cfg, opts, presser or _presser_for(hw, cfg, opts), emit)
    emit(check_buzzer(hw, cfg, opts))
    emit(check_screen(opts, hw.kind == "sim"))


def _pad_checks(hw: Hardware, cfg: Config, opts: Options, presser: Presser,
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


def _presser_for(hw: Hardware, cfg: Config, opts: Options) -> Presser:
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


def parse_fault(spec: str) -> tuple[str, str | None]:
    """'shorted:head' -> ('shorted', 'head'); UsageError naming the known faults otherwise."""
    kind, _, contact = spec.partition(":")
    if kind in ("missing-adc", "missing-imu") and not contact:
        return kind, None
    if kind in ("shorted", "stuck", "dead") and contact in CONTACTS:
        return kind, contact
    raise ValueError(f"unknown fault {spec!r} (known: {', '.join(FAULTS)}; contacts: {', '.join(CONTACTS)})")


FAULT_COUNTS = {"shorted": 26100, "stuck": 12000, "dead": 12}  # at the supply, mid-scale flat, idle


def apply_fault(hw: Hardware, cfg: Config, spec: str) -> None:
    """Break the simulated hardware the way a wire or a part breaks (see FAULTS)."""
    kind, contact = parse_fault(spec)
    adc: Any = hw.adc
    if kind == "missing-adc":
        adc.bus.address ^= 0x01  # nothing answers at the configured address: errno 121
    elif kind == "missing-imu":
        if hw.tilt is not None:
            tilt: Any = hw.tilt
            tilt.imu.bus.address ^= 0x01
    else:
        channel = cfg.hardware.channels[CONTACTS.index(str(contact))]
        adc.bus.set_counts(channel, FAULT_COUNTS[kind])


def build_real_checked(cfg: Config) -> tuple[Hardware | None, list[Result]]:
    """The real board; a missing IMU or bus becomes a result instead of a traceback."""
    try:
        return build_real(cfg), []
    except LockHeld:
        raise  # another process has the bus: not a wiring fault, the caller says so
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
