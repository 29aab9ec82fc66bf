"""`smartdowel replay TRACE`: the detector over a recorded trace, its events on stdout."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from device.core.detector import Detector
from device.core.events import to_row
from device.store.gztrace import read_trace


def add_parser(sub: Any) -> None:
    r = sub.add_parser("replay", help="print the events the detector finds in a trace")
    r.add_argument("trace", help="a smartdowel-trace v1 file, plain or gzip (.csv.gz, as the box keeps them)")
    r.add_argument("--format", choices=("json", "table"), default="json")
    r.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """Run the detector over a recorded trace and print its events."""
    table = args.format == "table"
    out = sys.stdout
    with read_trace(args.trace) as reader:
        feed = Detector(reader.chain).feed
        for sample in reader:
            events = feed(sample)
            if events:
                for e in events:
                    out.write((to_row(e) if table else e.to_json()) + "\n")
    return 0
