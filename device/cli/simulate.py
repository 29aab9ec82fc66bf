"""`smartdowel simulate`: a realistic trace (and its truth) from the simulated athlete."""
from __future__ import annotations

import argparse
import json
from typing import Any

from device.cli.errors import UsageError
from device.cli.options import scenario_help

SIM_OVERRIDES = {  # CLI flag -> Scenario field
    "rate": "rate_hz", "reps": "reps", "faults": "faults", "jitter": "jitter",
    "stall_every": "stall_every_s", "noise": "noise", "drift": "drift", "sags": "sags",
    "bounces": "bounces", "glitches_per_min": "glitches_per_min", "dips": "dips",
}


def add_parser(sub: Any) -> None:
    sim = sub.add_parser("simulate", help="write a trace from the simulated athlete")
    sim.add_argument("--scenario", default="typical", help=scenario_help("typical"))
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


def cmd_simulate(args: argparse.Namespace) -> int:
    """Write a trace (and its truth) from the simulated athlete."""
    from device.app.hardware import simulate_trace
    from device.store.files import atomic_write_text
    from device.store.trace import TraceWriter
    import os
    folder = os.path.dirname(os.path.abspath(args.out))
    if args.out != "-" and not os.path.isdir(folder):
        raise UsageError(f"-o {args.out}: no folder {folder}")
    changes = {field: getattr(args, flag) for flag, field in SIM_OVERRIDES.items()
               if getattr(args, flag) is not None}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.no_imu:
        changes["imu"] = False
    if args.light_head:
        changes["light_head"] = True
    try:
        trace = simulate_trace(args.scenario, **changes)
    except ValueError as exc:
        raise UsageError(f"scenario {args.scenario}: {exc}" if "unknown scenario" not in str(exc)
                         else str(exc)) from None
    with TraceWriter(args.out, trace.chain, has_pitch=trace.has_pitch, has_roll=trace.has_roll) as writer:
        for sample in trace.samples:
            writer.write(sample)
    truth_path = args.truth or (args.out[:-4] if args.out.endswith(".csv") else args.out) + ".truth.json"
    if args.out != "-" or args.truth:
        atomic_write_text(truth_path, json.dumps(trace.truth, indent=1) + "\n")
    return 0
