"""`smartdowel run`: the appliance, on the real board when there is one, else the simulated dowel.

The one place that picks a display from ui/ (the app only knows a `Screen`).
Imports happen when the command runs, so other commands start without them.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from device.cli.errors import UsageError
from device.cli.options import add_data_option, number, scenario_help
from device.store.lock import DataLock, LockHeld


def add_parser(sub: Any) -> None:
    run = sub.add_parser("run", help="run the appliance (real board if found, else the simulated dowel)")
    run.add_argument("--hardware", choices=("real", "sim"), help="force the real board or the simulator")
    run.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")
    add_data_option(run)
    run.add_argument("--headless", action="store_true", help="no screen (also when there is no display)")
    run.add_argument("--duration", type=number(0.0, low_open=True, what="seconds"),
                     help="stop after this many seconds")
    run.add_argument("--rate", type=number(0.0, 2000.0, what="samples a second"),
                     help="samples per second per contact, up to 2000 (0 = flat out)")
    from device.app.hardware import scenario_names
    run.add_argument("--scenario", default="demo", choices=scenario_names(), metavar="NAME",
                     help=scenario_help("demo") + "; manual: you place the dowel (d) and hinge with the keys")
    run.add_argument("--seed", type=int, help="simulated athlete's seed (simulator only)")
    run.add_argument("--fail-rate", type=number(0.0, 1.0, what="a fraction"), default=0.0,
                     help="fraction of I2C transactions that fail, 0 to 1 (simulator only)")
    from device.app.hardware import board_names
    run.add_argument("--board", default="", choices=["", *board_names()], metavar="PROFILE",
                     help="give each I2C transfer the time it takes on this board's bus: "
                          f"{', '.join(board_names())} (simulator only; default: no bus time)")
    run.add_argument("--fullscreen", action="store_true", help="full screen (automatic on the Pi console)")
    run.add_argument("--window", help="window size WIDTHxHEIGHT, e.g. 480x320")
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """The appliance: the real board when there is one, else the simulated dowel."""
    from device.app.appliance import Appliance, install_signal_handlers
    from device.app.config import load_config
    from device.app.events import Display
    from device.app.hardware import build_sim, choose, frame_rate
    from device.selftest.run import build_real_checked
    cfg = load_config(args.config)
    if args.rate is not None:
        cfg.sampler.rate_hz = args.rate
    if args.data:
        cfg.data.dir = args.data
    size = _window(args.window)
    lock = _lock_data(cfg)
    if choose(args.hardware, cfg) == "real":
        try:
            hw, problems = build_real_checked(cfg)
        except LockHeld as exc:
            raise UsageError(str(exc)) from None
        if hw is None:
            raise UsageError("; ".join(r.detail for r in problems))
    else:
        try:
            hw = build_sim(cfg, args.scenario, args.seed, args.fail_rate, args.board)
        except ValueError as exc:
            raise UsageError(f"--scenario: {exc}") from None
    display = None
    if not args.headless:
        from ui.display import open_display
        display, why = open_display(size, args.fullscreen, fps=frame_rate(cfg))
        print(Display(0.0, detail=why).to_json(), flush=True)
        if display is None:
            print(f"smartdowel: {why}", file=sys.stderr, flush=True)
    app = Appliance(cfg, hw, display=display, take_lock=lock is None)
    install_signal_handlers(app)
    try:
        return app.run(duration=args.duration)
    finally:
        if lock is not None:
            lock.release()


def _lock_data(cfg: Any) -> DataLock | None:
    """One appliance per data folder: a second is refused with who holds it (exit 2).

    A folder that cannot even hold the lock file (a read-only or full card) is
    no reason not to cue: the run goes on, the storage supervisor says what is
    wrong, and takes the lock itself before it first writes (device/app/storage.py)."""
    from device.app.config import data_dir
    folder = data_dir(cfg)
    try:
        os.makedirs(folder, exist_ok=True)
        return DataLock.acquire(folder, "smartdowel run")
    except LockHeld as exc:
        raise UsageError(str(exc)) from None
    except OSError:
        return None


def _window(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--window: expected WIDTHxHEIGHT like 480x320, not {text!r}") from None
    if w < 320 or h < 240:
        raise UsageError(f"--window: at least 320x240, not {text}")
    return w, h
