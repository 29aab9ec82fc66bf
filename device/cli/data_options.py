"""What `smartdowel sessions` and `smartdowel export` share: where the data is, and how they fail.

Both only read the store (the export marks its sets at the very end), so they
are safe to run while the appliance records. A problem is one line on stderr
and exit code 2, like the other commands: a coach or a script reading the
output needs to know what to fix, not a traceback.
"""
from __future__ import annotations

import argparse
import sys

from device.app.config import data_dir, load_config
from device.cli.errors import EXIT_BAD_INPUT
from device.store.errors import StoreError
from device.store.store import Store


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="data folder (default: config, SMARTDOWEL_DATA, "
                   "/var/lib/smartdowel for the service, ~/.local/share/smartdowel)")
    p.add_argument("--config", help="TOML config (default /etc/smartdowel/config.toml if present)")


def data_folder(args: argparse.Namespace) -> str:
    """--data, else the config's (or the environment's, or the default) data folder."""
    return args.data or data_dir(load_config(args.config))


def fail(message: str) -> int:
    """One line on stderr (after what was printed so far), and the exit code for bad input."""
    sys.stdout.flush()
    print(f"smartdowel: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def open_for_reading(folder: str) -> Store:
    """The store as the box left it, also on a card that went read-only or full.

    First as usual (so an older schema is upgraded); if that cannot write,
    read-only: the sets can always be taken off the box."""
    try:
        return Store.open(folder, create=False, recover=False)
    except StoreError as first:
        try:
            return Store.open(folder, read_only=True)
        except StoreError:
            raise first from None
