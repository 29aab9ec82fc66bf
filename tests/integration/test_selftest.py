"""`smartdowel selftest` and the boot-time quick check, on the simulated dowel with faults
injected the way wires and parts fail."""
from __future__ import annotations

import io
import os
import subprocess
import time
from pathlib import Path

import pytest

from device.app.config import Config
from device.app.hardware import Hardware, build_sim
from device.app.checks import (FAIL, OK, SKIP, WARN, Problem, Result, check_clock, check_data_dir,
                               quick_check)
from device.selftest.devices import check_buzzer, check_screen
from device.selftest.options import Options
from device.selftest.pads import HumanPresser
from device.selftest.run import apply_fault, build_real_checked, run_selftest, summary
from ui.testpattern import draw_test_pattern, show_test_pattern
from support.filesystems import read_only_prefix
from support.processes import run_cli



@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    c = Config()
    c.data.dir = str(tmp_path / "data")
    return c


def sim(cfg: Config, *faults: str, scenario: str = "manual") -> Hardware:
    hw = build_sim(cfg, scenario)
    for fault in faults:
        apply_fault(hw, cfg, fault)
    return hw


def run(cfg: Config, hw: Hardware, **kw) -> tuple[dict[str, Result], str, int]:
    out = io.StringIO()
    opts = Options(headless=True, press_timeout_s=1.5, out=out, **kw)
    try:
        results = run_selftest(hw, cfg, opts)
    finally:
        hw.close()
    line, code = summary(results)
    return {r.check: r for r in results}, out.getvalue() + line, code


def failures(results: dict[str, Result]) -> list[str]:
    return [name for name, r in results.items() if r.status == FAIL]


# --------------------------------------------------------------------------- the whole run


def test_passes_on_the_simulated_dowel(cfg):
    results, text, code = run(cfg, sim(cfg))
    assert code == 0, text
    assert failures(results) == []
    for contact in ("head", "upper_back", "sacrum"):
        assert results[f"fsr:{contact}"].status == OK
        assert results[f"pad:{contact}"].status == OK
        assert "when pressed" in results[f"pad:{contact}"].detail
    assert results["ads1115"].status == OK and results["mpu6050"].status == OK
    assert results["buzzer"].status == OK and "GPIO 18" in results["buzzer"].detail
    assert results["screen"].status == SKIP
    assert results["data_dir"].status == OK and results["clock"].status == OK
    assert text.rstrip().endswith("selftest passed")


def test_missing_adc_is_errno_121_and_says_what_to_check(cfg):
    from drivers.ads1115 import ADS1115
    from drivers.fake_ads1115 import FakeADS1115Bus
    hw = sim(cfg)
    hw.adc = ADS1115(FakeADS1115Bus(address=0x49), address=0x48)  # a chip, but not where expected
    results, text, code = run(cfg, hw)
    assert code == 1
    assert failures(results) == ["ads1115"]
    detail = results["ads1115"].detail
    assert "0x48" in detail and "errno 121" in detail and "wiring" in detail and "i2cdetect -y 1" in detail
    assert not any(name.startswith(("fsr:", "pad:")) for name in results)  # nothing to read them with


def test_missing_imu(cfg):
    results, text, code = run(cfg, sim(cfg, "missing-imu"))
    assert code == 1 and failures(results) == ["mpu6050"]
    assert "MPU6050 at 0x68" in results["mpu6050"].detail and "errno 121" in results["mpu6050"].detail
    assert results["pad:sacrum"].status == OK  # the pads do not need the IMU


def test_shorted_fsr(cfg):
    results, text, code = run(cfg, sim(cfg, "shorted:head"))
    assert code == 1 and failures(results) == ["fsr:head"]
    r = results["fsr:head"]
    assert r.problem.reason == "shorted" and r.problem.contact == "head"
    assert "A0" in r.detail and "3.26 V" in r.detail and "supply" in r.detail
    assert results["pad:head"].status == SKIP
    assert results["pad:upper_back"].status == OK


def test_stuck_fsr(cfg):
    results, _, code = run(cfg, sim(cfg, "stuck:sacrum"))
    assert code == 1 and failures(results) == ["fsr:sacrum"]
    assert results["fsr:sacrum"].problem.reason == "stuck"
    assert "exactly 12000 counts" in results["fsr:sacrum"].detail


@pytest.mark.slow  # waits out real time: a press that never comes
def test_unresponsive_pad(cfg):
    results, text, code = run(cfg, sim(cfg, "dead:upper_back"))
    assert code == 1 and failures(results) == ["pad:upper_back"]
    r = results["pad:upper_back"]
    assert r.problem.reason == "no_response" and r.problem.contact == "upper_back"
    assert "A1" in r.detail and "did not respond within 1.5 s" in r.detail and "10 kOhm" in r.detail
    assert results["fsr:upper_back"].status == OK  # idle and plausible: only pressing shows it


@pytest.mark.slow  # waits out real time: a press that never comes
def test_swapped_wires_are_named(cfg):
    hw = sim(cfg)
    bus = hw.adc.bus
    bus.set_input(0, lambda t: bus.source(1, t))  # head's FSR wired to A1 and the other way round
    bus.set_input(1, lambda t: bus.source(0, t))
    results, _, code = run(cfg, hw)
    assert code == 1
    assert "moved upper_back (A1) instead of A0" in results["pad:head"].detail
    assert "swapped" in results["pad:head"].detail


def test_read_only_data_directory_in_the_run(cfg, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cfg.data.dir = str(blocker / "data")
    results, text, code = run(cfg, sim(cfg))
    assert code == 1 and failures(results) == ["data_dir"]
    assert str(blocker / "data") in results["data_dir"].detail


def test_pads_need_a_person_on_real_hardware_without_prompts(cfg):
    hw = sim(cfg)
    hw.dowel, hw.kind = None, "real"  # the same chips, but nobody to press for us
    results, text, code = run(cfg, hw, interactive=False)
    assert results["pads"].status == WARN and "needs a person" in results["pads"].detail
    assert results["buzzer"].status == WARN and "not confirmed" in results["buzzer"].detail
    assert code == 0


# --------------------------------------------------------------------------- quick check at boot


def test_quick_check_is_quiet_and_fast_when_all_is_well(cfg, monkeypatch):
    import drivers.buzzer

    def no_beeps(*a, **k):
        raise AssertionError("quick_check must not beep")
    monkeypatch.setattr(drivers.buzzer, "BuzzerPlayer", no_beeps)
    hw = sim(cfg, scenario="demo")
    try:
        t0 = time.perf_counter()
        problems = quick_check(hw, cfg)
        took = time.perf_counter() - t0
    finally:
        hw.close()
    assert problems == []
    assert took < 1.0, f"quick_check took {took:.2f} s"


@pytest.mark.parametrize("fault, check, reason", [
    ("missing-adc", "ads1115", "no_ack"),
    ("missing-imu", "mpu6050", "no_ack"),
    ("shorted:head", "fsr:head", "shorted"),
    ("stuck:upper_back", "fsr:upper_back", "stuck"),
])
def test_quick_check_reports_each_fault(cfg, fault, check, reason):
    hw = sim(cfg, fault)
    try:
        problems = quick_check(hw, cfg)
    finally:
        hw.close()
    assert [(p.check, p.reason) for p in problems] == [(check, reason)]
    assert all(isinstance(p, Problem) and p.message for p in problems)


def test_quick_check_reports_an_unwritable_data_dir(cfg, tmp_path):
    (tmp_path / "file").write_text("x")
    cfg.data.dir = str(tmp_path / "file" / "data")
    hw = sim(cfg)
    try:
        assert [p.check for p in quick_check(hw, cfg)] == ["data_dir"]
    finally:
        hw.close()


# --------------------------------------------------------------------------- single checks


def test_clock_before_2024_or_before_install_fails():
    jan_2023, install = 1672531200.0, 1767225600.0  # 2023-01-01, 2026-01-01
    r = check_clock(now=jan_2023, not_before=0.0)
    assert r.status == FAIL and "2023-01-01" in r.detail and "date -s" in r.detail
    assert check_clock(now=install - 86400, not_before=install).status == FAIL
    assert check_clock(now=install + 5, not_before=install).status == OK
    assert check_clock(now=install - 60, not_before=install).status == OK  # within the slack
    assert check_clock().status == OK


def test_data_dir_is_created_and_left_clean(tmp_path):
    target = tmp_path / "a" / "b"
    assert check_data_dir(str(target)).status == OK
    assert target.is_dir() and list(target.iterdir()) == []


def selftest_cli(*args: str, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return run_cli("selftest", *args, prefix=prefix, env={"SDL_VIDEODRIVER": "dummy"}, timeout=60)


def test_cli_passes_on_the_simulator(tmp_path):
    r = selftest_cli("--hardware", "sim", "--yes", "--headless", "--data-dir", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "simulated dowel" in r.stdout and r.stdout.rstrip().endswith("selftest passed")


def test_cli_fails_with_the_fault_named(tmp_path):
    r = selftest_cli("--hardware", "sim", "--yes", "--headless", "--data-dir", str(tmp_path),
                     "--fault", "shorted:sacrum", "--fault", "missing-imu")
    assert r.returncode == 1
    assert "FAIL  fsr:sacrum" in r.stdout and "FAIL  mpu6050" in r.stdout
    assert "selftest FAILED: 2 problem(s): mpu6050, fsr:sacrum" in r.stdout


def test_cli_refuses_unknown_faults_and_faults_on_real_hardware(tmp_path):
    r = selftest_cli("--hardware", "sim", "--fault", "loose:knee")
    assert r.returncode == 2 and "unknown fault 'loose:knee'" in r.stderr
    r = selftest_cli("--hardware", "real", "--fault", "missing-adc")
    assert r.returncode == 2 and "simulator only" in r.stderr


def test_cli_read_only_data_directory(tmp_path):
    data = tmp_path / "ro"
    data.mkdir()
    prefix = read_only_prefix(data)
    if prefix is None:
        pytest.skip("no way to make a read-only directory here (root without unshare)")
    try:
        r = selftest_cli("--hardware", "sim", "--yes", "--headless", "--data-dir", str(data), prefix=prefix)
    finally:
        data.chmod(0o755)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL  data_dir" in r.stdout and f"{data} is not writable" in r.stdout
    assert "Read-only file system" in r.stdout or "Permission denied" in r.stdout


def test_real_board_without_i2c_bus_says_how_to_enable_it(cfg):
    cfg.hardware.pin_factory = "mock"  # no GPIO chip here either; the bus is what is checked
    if Path(f"/dev/i2c-{cfg.hardware.i2c_bus}").exists():
        pytest.skip("this machine has an I2C bus")
    hw, done = build_real_checked(cfg)
    assert hw is None
    assert [r.check for r in done] == ["i2c"]
    assert "dtparam=i2c_arm=on" in done[0].detail and "reboot" in done[0].detail
    results = run_selftest(hw, cfg, Options(out=io.StringIO()), done=done)
    assert [r.check for r in results] == ["i2c", "data_dir", "clock"]


# --------------------------------------------------------------------------- buzzer and screen


def test_buzzer_heard_or_not(cfg):
    hw = sim(cfg)
    hw.kind = "real"
    try:
        heard = check_buzzer(hw, cfg, Options(interactive=True, ask=lambda q, t: True, out=io.StringIO()))
        deaf = check_buzzer(hw, cfg, Options(interactive=True, ask=lambda q, t: False, out=io.StringIO()))
        silent = check_buzzer(hw, cfg, Options(interactive=True, ask=lambda q, t: None, out=io.StringIO()))
    finally:
        hw.close()
    assert heard.status == OK
    assert deaf.status == FAIL and "transistor" in deaf.detail
    assert silent.status == WARN


def test_buzzer_on_a_busy_pin_fails_with_advice(cfg):
    from gpiozero import OutputDevice
    hw = sim(cfg)
    holder = OutputDevice(cfg.buzzer.pin, pin_factory=hw.pin_factory)  # someone else has GPIO 18
    try:
        r = check_buzzer(hw, cfg, Options(out=io.StringIO()))
    finally:
        holder.close()
        hw.close()
    assert r.status == FAIL and "GPIO 18" in r.detail and "systemctl stop smartdowel" in r.detail


def test_test_pattern_fills_any_screen():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    for size in ((480, 320), (800, 480)):
        surface = pygame.Surface(size)
        draw_test_pattern(surface)
        w, h = size
        assert surface.get_at((0, h // 2))[:3] == (255, 255, 255)            # border
        assert surface.get_at((w - 1, 5))[:3] == (255, 255, 255)
        assert surface.get_at((w // 16, h // 2))[:3] == (255, 255, 255)      # first bar
        assert surface.get_at((w * 3 // 16, h // 2 + 20))[:3] == (255, 255, 0)  # second bar
        assert surface.get_at((w * 13 // 16, 5))[:3] == (0, 0, 255)           # seventh bar
        left, right = surface.get_at((2, h - 3))[0], surface.get_at((w - 3, h - 3))[0]
        assert left < 10 and right > 245                                      # grey ramp


def test_screen_on_sdl_dummy_driver_is_drawn_but_not_seen(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    r = check_screen(Options(headless=False, out=io.StringIO(), show_pattern=show_test_pattern),
                     simulated=True, show_s=0.0)
    assert r.status == WARN and "nothing to see" in r.detail
    assert check_screen(Options(headless=True), simulated=True).status == SKIP


def test_a_person_is_told_which_pad_to_press(cfg):
    """The real-board flow: a prompt per pad, and the press seen on that pad's input."""
    hw = sim(cfg)
    hw.dowel, hw.kind = None, "real"
    bus = hw.adc.bus
    channels = dict(zip(("head", "upper_back", "sacrum"), cfg.hardware.channels))

    def idle(channel: int) -> None:  # an open FSR: a few counts of offset and noise
        bus.set_input(channel, lambda t: 0.0016 + 0.0002 * ((t * 997) % 1.0))

    class Finger(HumanPresser):
        def press(self, contact, timeout_s):
            super().press(contact, timeout_s)
            bus.set_counts(channels[contact], 16000)

        def release(self, contact):
            super().release(contact)
            idle(channels[contact])

    for ch in channels.values():
        idle(ch)
    out = io.StringIO()
    opts = Options(interactive=True, headless=True, press_timeout_s=2.0, out=out, ask=lambda q, t: True)
    try:
        results = {r.check: r for r in run_selftest(hw, cfg, opts, presser=Finger(cfg, out, settle_s=0.0))}
    finally:
        hw.close()
    text = out.getvalue()
    assert "Lay the dowel down" in text
    assert "Press and hold the HEAD pad (A0)" in text and "Press and hold the SACRUM pad (A2)" in text
    assert all(results[f"pad:{c}"].status == OK for c in channels), text
    assert "rose 2.00 V" in results["pad:upper_back"].detail  # 16000 counts = 2.0 V, from ~0 V
    assert results["buzzer"].status == OK  # the person said yes
