"""The simulator on a board's timing, and the ALERT/RDY pin wired through hardware.py."""
from __future__ import annotations

import subprocess
import sys

import pytest

from support.repo import REPO
from device.app.config import Config
from device.app.hardware import board_names, build_sim


def sim(alert_pin: int = 17, board: str = ""):
    cfg = Config()
    cfg.hardware.ads1115_alert_pin = alert_pin
    return build_sim(cfg, "manual", seed=1, board=board)


def test_the_simulator_wires_alert_rdy_and_uses_it():
    hw = sim()
    try:
        assert hw.adc.ready is not None and not hw.notices  # type: ignore[attr-defined]
        hw.adc.read_many((0, 1, 2))  # type: ignore[attr-defined]
        assert hw.adc.ready_hits >= 3  # type: ignore[attr-defined]
    finally:
        hw.close()


def test_not_wired_means_polling_without_a_notice():
    hw = sim(alert_pin=-1)
    try:
        assert hw.adc.ready is None and not hw.notices  # type: ignore[attr-defined]
    finally:
        hw.close()


def test_a_board_gives_the_bus_its_time():
    hw = sim(board="zero2w-100k")
    try:
        wire = hw.adc.bus.wire  # type: ignore[attr-defined]
        assert wire.board.name == "zero2w-100k"
        before = wire.busy_s
        hw.adc.read_many((0, 1, 2))  # type: ignore[attr-defined]
        # start, two start-and-fetch, and the last result read bare: the chip still points at it
        assert wire.busy_s - before == pytest.approx(4 * 80e-6 + (38 + 85 + 85 + 29) / 100_000)
    finally:
        hw.close()


def test_unknown_boards_are_refused_naming_the_known_ones():
    assert "zero2w-400k" in board_names() and "zero2w-mcp3008" not in board_names()
    with pytest.raises(ValueError, match="zero2w-400k"):
        sim(board="pi3")
    r = subprocess.run([sys.executable, "-m", "device.cli", "run", "--hardware", "sim", "--headless",
                        "--duration", "0.1", "--board", "pi3"], capture_output=True, text=True,
                       cwd=REPO, timeout=60)
    assert r.returncode == 2 and "--board" in r.stderr and "zero2w-100k" in r.stderr
