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
from device.cli.options import OneLineParser
from device.store.trace import TraceError

COMMANDS = (run, replay, simulate, selftest, screenshots, sessions, export, report)


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="smartdowel", description="Hip-hinge dowel trainer: the appliance "
                      "and its tools. Every command takes --help.")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named with its command, not with the top-level usage
        sub = f"smartdowel {args.command}"
        OneLineParser(prog=sub).error(f"unrecognized argument{'s' if len(extra) > 1 else ''} {' '.join(extra)}")
    try:
        return int(args.func(args))
    except (TraceError, ConfigError, UsageError) as exc:
        return _one_line(str(exc))
    except OSError as exc:  # a path given on the command line that cannot be used
        where = exc.filename or ""
        return _one_line(f"{where}: {exc.strerror or exc}" if where else str(exc))
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def _one_line(message: str) -> int:
    sys.stdout.flush()
    print(f"smartdowel: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
