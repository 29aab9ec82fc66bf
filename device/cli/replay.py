"""`smartdowel replay TRACE`: the detector over a recorded trace, its events on stdout."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from device.core.detector import Detector
from device.core.events import to_row
from device.store.gztrace import open_trace
from device.store.trace import TraceReader


def add_parser(sub: Any) -> None:
    r = sub.add_parser("replay", help="print the events the detector finds in a trace")
    r.add_argument("trace", help="a smartdowel-trace v1 file, plain or gzip (.csv.gz, as exported)")
    r.add_argument("--format", choices=("json", "table"), default="json")
    r.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """Run the detector over a recorded trace and print its events."""
    table = args.format == "table"
    out = sys.stdout
    with TraceReader(_source(args.trace), name=args.trace) as reader:
        feed = Detector(reader.chain).feed
        for sample in reader:
            events = feed(sample)
            if events:
                for e in events:
                    out.write((to_row(e) if table else e.to_json()) + "\n")
    return 0


def _source(path: str) -> Any:
    """The path itself, or a text stream of it when it is gzip (an exported or recorded trace)."""
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
    except OSError:
        return path  # TraceReader says what is wrong with it, in one line
    return open_trace(path) if gz else path
