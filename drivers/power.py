"""Power off through logind (D-Bus), as the unprivileged service user may: no sudo.

logind decides through polkit whether the `smartdowel` user may power off; the
install script grants that for this user alone. `busctl` ships with systemd.
"""
from __future__ import annotations

import subprocess

LOGIND_POWEROFF = ["busctl", "call", "org.freedesktop.login1", "/org/freedesktop/login1",
                   "org.freedesktop.login1.Manager", "PowerOff", "b", "false"]
# logind may start the shutdown before its reply reaches us: the bus goes down with the system and
# the call ends in one of these. The request was taken; it is no refusal.
GONE_WITH_THE_BUS = ("Connection reset by peer", "Remote peer disconnected", "Transport endpoint is not connected",
                     "Broken pipe")


def power_off(run=subprocess.run) -> tuple[bool, str]:
    """Ask logind to power the box off; (ok, message) for the log and the screen."""
    try:
        proc = run(LOGIND_POWEROFF, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"power off failed: {exc}"
    if proc.returncode != 0:
        said = proc.stderr.strip()
        if any(words in said for words in GONE_WITH_THE_BUS):
            return True, f"powering off (the bus went down before logind's reply: {said})"
        return False, f"power off refused by logind: {said or proc.returncode}"
    return True, "powering off"
