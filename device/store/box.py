"""This box's id: made once, at random, kept in the data folder, carried by every exported set.

Why: a gym with several boxes and no network merges their exports by USB
stick. Set and session numbers are per box (and restart if a database is
moved aside), so "set 12" names a set only together with the box it came
from. Why random and not the board's serial number: the data folder moves
with the SD card, and so should the id; and a serial number would say which
physical unit an athlete used, which nobody needs.

The first process to need it (the appliance or an export) creates it: written
under a temporary name, fsynced, then hard-linked to the final name, which
fails if another process won the race; both then read the same id.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> a = box_id(folder)
    >>> a == box_id(folder), len(a), valid_box_id(a)
    (True, 12, True)
"""
from __future__ import annotations

import os
import re
import secrets

from device.store.files import fsync_dir, temp_name
from device.store.errors import StoreError

BOX_ID_FILE = "box-id"
_ID = re.compile(r"[0-9a-f]{12}")


def valid_box_id(text: str) -> bool:
    """Twelve lowercase hex digits: short in a CSV, safe in any file name."""
    return bool(_ID.fullmatch(text))


def box_id(data_dir: str) -> str:
    """The id kept in `data_dir`, made now if there is none; StoreError if the file is damaged."""
    path = os.path.join(data_dir, BOX_ID_FILE)
    found = _read(path)
    if found is None:
        _create(path, secrets.token_hex(6))
        found = _read(path)
    if found is None or not valid_box_id(found):
        raise StoreError(f"{path}: not a box id (expected 12 hex digits): move the file aside and a "
                         f"new id is made (exports after that count as another box)")
    return found


def box_id_or_why(data_dir: str) -> tuple[str, str]:
    """(id, "") or ("", why not): for callers that carry on without one (the box cues regardless)."""
    try:
        return box_id(data_dir), ""
    except StoreError as exc:
        return "", str(exc)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read(64).strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the box id: {exc.strerror}") from None


def _create(path: str, new_id: str) -> None:
    """Durably, and never over an id another process made first."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = f"{temp_name(path)}.{new_id}"  # unique per caller, threads included
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(new_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won: its id stands
        finally:
            os.unlink(tmp)
        fsync_dir(folder)
    except OSError as exc:
        raise StoreError(f"{path}: cannot keep the box id: {exc.strerror}") from None
