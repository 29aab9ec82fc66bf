"""The `smartdowel` command: one module per subcommand in device/cli/.

Bad input ends with one line naming the file and line and exit code 2, never a
traceback: a coach or a script reading the output needs to know what to fix.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from device.app.config import ConfigError
from device.cli import export, replay, report, run, screenshots, selftest, sessions, simulate
from device.cli.errors import EXIT_BAD_INPUT, UsageError
from device.store.trace import TraceError

COMMANDS = (run, replay, simulate, selftest, screenshots, sessions, export, report)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smartdowel", description="Hip-hinge dowel trainer: the appliance "
                                "and its tools.")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
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
