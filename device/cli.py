"""The `smartdowel` command: replay, simulate, run.

Bad input ends with one line naming the file and line and exit code 2, never a
traceback: a coach or a script reading the output needs to know what to fix.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from device.detector import Detector
from device.events import to_json, to_row
from device.trace import TraceError, TraceReader

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smartdowel", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("replay", help="print the events the detector finds in a trace")
    r.add_argument("trace", help="a smartdowel-trace v1 file")
    r.add_argument("--format", choices=("json", "table"), default="json")
    r.set_defaults(func=cmd_replay)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TraceError as exc:
        sys.stdout.flush()
        print(f"smartdowel: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
