"""`smartdowel selftest`: every check in turn, printed as it finishes; exit 1 if any failed."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from typing import TYPE_CHECKING

from device.cli.errors import UsageError
from device.cli.options import add_data_option, scenario_help
from device.selftest.options import FAULTS
from device.store.lock import LockHeld

if TYPE_CHECKING:
    from device.app.checks import Result
    from device.app.config import Config
    from device.app.hardware import Hardware


def add_parser(subparsers: Any) -> None:
    """Register `smartdowel selftest` on the CLI's subparsers."""
    p = subparsers.add_parser("selftest", help="check chips, pads, buzzer, screen, storage and clock")
    p.add_argument("--hardware", choices=("real", "sim"), help="force the real board or the simulator")
    p.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")
    p.add_argument("-y", "--yes", action="store_true",
                   help="no questions: skip pressing the pads (with a warning), do not ask about beep or screen")
    p.add_argument("--headless", action="store_true", help="no screen: skip the test pattern")
    p.add_argument("--timeout", type=float, help="seconds to press each pad (default 10, simulator 1.5)")
    add_data_option(p)
    p.add_argument("--data-dir", dest="data", help=argparse.SUPPRESS)  # the old name, still read
    p.add_argument("--scenario", default="manual", help=scenario_help("manual"))
    p.add_argument("--seed", type=int, help="simulated athlete's seed (simulator only)")
    p.add_argument("--fault", action="append", default=[], metavar="FAULT",
                   help="simulator only, repeatable: " + ", ".join(FAULTS))
    p.set_defaults(func=cmd_selftest)


def cmd_selftest(args: argparse.Namespace) -> int:
    """Build the hardware, run every check, print the report; 1 if anything failed."""
    from device.app.config import load_config
    from device.app.hardware import choose
    from device.selftest.options import Options
    from device.selftest.run import parse_fault, run_selftest, summary
    cfg = load_config(args.config)
    if args.data:
        cfg.data.dir = args.data
    kind = choose(args.hardware, cfg)
    if args.fault and kind != "sim":
        raise UsageError("--fault works on the simulator only (--hardware sim)")
    for spec in args.fault:
        try:
            parse_fault(spec)
        except ValueError as exc:
            raise UsageError(f"--fault: {exc}") from None
    out = sys.stdout
    interactive = not args.yes and sys.stdin.isatty()
    timeout = args.timeout if args.timeout is not None else (1.5 if kind == "sim" else 10.0)
    opts = Options(interactive=interactive, headless=args.headless, press_timeout_s=timeout, out=out,
                   show_pattern=_show_pattern)
    out.write(f"smartdowel selftest: {'simulated dowel' if kind == 'sim' else 'real board'}, "
              f"config {cfg.source}\n")
    try:
        hw, done = _build(kind, cfg, args)
    except LockHeld as exc:
        raise UsageError(str(exc)) from None
    try:
        results = run_selftest(hw, cfg, opts, done=done)
    finally:
        if hw is not None:
            hw.close()
    line, code = summary(results)
    out.write(line + "\n")
    return code


def _build(kind: str, cfg: Config, args: argparse.Namespace) -> tuple[Hardware | None, list[Result]]:
    from device.app.hardware import build_sim
    from device.selftest.run import apply_fault, build_real_checked
    if kind == "sim":
        try:
            hw = build_sim(cfg, args.scenario, args.seed)
        except ValueError as exc:
            raise UsageError(f"--scenario: {exc}") from None
        for spec in args.fault:
            apply_fault(hw, cfg, spec)
        return hw, []
    return build_real_checked(cfg)


def _show_pattern(seconds: float) -> tuple[str, tuple[int, int]]:
    """The selftest's screen check: ui's test pattern; no display is a ScreenError."""
    import pygame

    from device.selftest.options import ScreenError
    from ui.testpattern import show_test_pattern
    try:
        return show_test_pattern(seconds)
    except pygame.error as exc:
        raise ScreenError(str(exc)) from None
