"""The `smartdowel` command: replay, simulate, run.

Bad input ends with one line naming the file and line and exit code 2, never a
traceback: a coach or a script reading the output needs to know what to fix.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from device.app.config import ConfigError, load_config
from device.core.detector import Detector
from device.core.events import to_json, to_row
from device.store.trace import TraceError, TraceReader

EXIT_BAD_INPUT = 2


def cmd_replay(args: argparse.Namespace) -> int:
    """Run the detector over a recorded trace and print its events."""
    fmt = to_row if args.format == "table" else to_json
    out = sys.stdout
    with TraceReader(args.trace) as reader:
        detector = Detector(reader.chain)
        feed = detector.feed
        for sample in reader:
            events = feed(sample)
            if events:
                for e in events:
                    out.write(fmt(e) + "\n")
    return 0


SIM_OVERRIDES = {  # CLI flag -> Scenario field
    "rate": "rate_hz", "reps": "reps", "faults": "faults", "jitter": "jitter",
    "stall_every": "stall_every_s", "noise": "noise", "drift": "drift", "sags": "sags",
    "bounces": "bounces", "glitches_per_min": "glitches_per_min", "dips": "dips",
}


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a trace (and its truth) from the simulated athlete."""
    import dataclasses
    import json
    from drivers.simulated_dowel import PRESETS, simulate
    from device.core.signal import Sample, SignalChain
    from device.store.trace import TraceWriter, atomic_write_text
    if args.scenario not in PRESETS:
        raise UsageError(f"unknown scenario {args.scenario!r} (known: {', '.join(sorted(PRESETS))})")
    changes = {field: getattr(args, flag) for flag, field in SIM_OVERRIDES.items()
               if getattr(args, flag) is not None}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.no_imu:
        changes["imu"] = False
    if args.light_head:
        changes["light_head"] = True
    try:
        scenario = dataclasses.replace(PRESETS[args.scenario], **changes)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"scenario {args.scenario}: {exc}") from None
    rows, truth = simulate(scenario)
    chain = SignalChain(pga_v=scenario.pga_v, vcc_v=scenario.vcc_v, divider_ohm=scenario.divider_ohm,
                        rate_hz=scenario.rate_hz)
    with TraceWriter(args.out, chain, has_pitch=scenario.imu) as writer:
        for row in rows:
            writer.write(Sample(*row))
    truth_path = args.truth or (args.out[:-4] if args.out.endswith(".csv") else args.out) + ".truth.json"
    if args.out != "-" or args.truth:
        atomic_write_text(truth_path, json.dumps(truth, indent=1) + "\n")
    return 0


class UsageError(Exception):
    """A command-line value that cannot be used."""


def cmd_run(args: argparse.Namespace) -> int:
    """The appliance: the real board when there is one, else the simulated dowel."""
    from device.app.appliance import Appliance, install_signal_handlers
    from device.app.hardware import build_sim, choose
    cfg = load_config(args.config)
    if args.rate is not None:
        cfg.sampler.rate_hz = args.rate
    kind = choose(args.hardware, cfg)
    off = None
    if kind == "real":
        from device.selftest.checks import build_real_checked
        from drivers.power import power_off
        hw, problems = build_real_checked(cfg)
        if hw is None:
            raise UsageError("; ".join(r.detail for r in problems))
        off = power_off
    else:
        hw = build_sim(cfg, args.scenario, args.seed, args.fail_rate)
    app = Appliance(cfg, hw, power_off=off)
    if not args.headless:
        from ui.display import open_display
        app.display, why = open_display(_window(args.window), args.fullscreen)
        print(to_json({"t": 0.0, "type": "display", "detail": why}), flush=True)
    install_signal_handlers(app)
    return app.run(duration=args.duration)


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


def cmd_screenshots(args: argparse.Namespace) -> int:
    """Render every screen in a few states and sizes to PNG files."""
    from ui.screenshots import render_all
    print(f"wrote {len(render_all(args.dir))} screenshots to {args.dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smartdowel", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("replay", help="print the events the detector finds in a trace")
    r.add_argument("trace", help="a smartdowel-trace v1 file")
    r.add_argument("--format", choices=("json", "table"), default="json")
    r.set_defaults(func=cmd_replay)

    sim = sub.add_parser("simulate", help="write a trace from the simulated athlete")
    sim.add_argument("--scenario", default="typical", help="preset (typical, clean, fast, no_imu, noisy, hard, ...)")
    sim.add_argument("--seed", type=int)
    sim.add_argument("-o", "--out", default="-", help="trace file (default stdout)")
    sim.add_argument("--truth", help="where the truth JSON goes (default beside the trace)")
    sim.add_argument("--rate", type=float, help="samples per second")
    sim.add_argument("--reps", type=int)
    sim.add_argument("--faults", type=int, help="number of real contact losses")
    sim.add_argument("--dips", type=int, help="shallow dips that are no reps")
    sim.add_argument("--jitter", type=float, help="sample period jitter, fraction of the period")
    sim.add_argument("--stall-every", type=float, help="mean seconds between 100 ms sampler stalls")
    sim.add_argument("--noise", choices=("low", "normal", "high"))
    sim.add_argument("--drift", type=float, help="sensitivity drift over the set, e.g. 0.35")
    sim.add_argument("--sags", type=int, help="pressure sags to 20-35 %% that still touch")
    sim.add_argument("--bounces", type=int, help="bounces of 5-30 ms")
    sim.add_argument("--glitches-per-min", type=float, help="lone glitch samples per minute")
    sim.add_argument("--no-imu", action="store_true", help="no pitch column")
    sim.add_argument("--light-head", action="store_true", help="head contact under 1 N")
    sim.set_defaults(func=cmd_simulate)

    run = sub.add_parser("run", help="run the appliance (real board if found, else the simulated dowel)")
    run.add_argument("--hardware", choices=("real", "sim"), help="force the real board or the simulator")
    run.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")
    run.add_argument("--headless", action="store_true", help="no screen")
    run.add_argument("--duration", type=float, help="stop after this many seconds")
    run.add_argument("--rate", type=float, help="samples per second per contact (0 = flat out)")
    run.add_argument("--scenario", default="demo", help="simulated athlete (simulator only)")
    run.add_argument("--seed", type=int, help="simulated athlete's seed (simulator only)")
    run.add_argument("--fail-rate", type=float, default=0.0,
                     help="fraction of I2C transactions that fail (simulator only)")
    run.add_argument("--fullscreen", action="store_true", help="full screen (automatic on the Pi console)")
    run.add_argument("--window", help="window size WIDTHxHEIGHT, e.g. 480x320")
    run.set_defaults(func=cmd_run)

    shots = sub.add_parser("screenshots", help="render every screen to PNG files")
    shots.add_argument("dir", help="folder for the PNGs (made if missing)")
    shots.set_defaults(func=cmd_screenshots)

    from device.selftest.checks import add_subcommand
    from device.cli.store_commands import add_subcommands
    add_subcommand(sub)
    add_subcommands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (TraceError, ConfigError, UsageError) as exc:
        sys.stdout.flush()
        print(f"smartdowel: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
