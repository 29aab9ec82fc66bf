"""Power off through logind (D-Bus), as the unprivileged service user may: no sudo.

logind decides through polkit whether the `smartdowel` user may power off; the
install script grants that for this user alone. `busctl` ships with systemd.
"""
from __future__ import annotations

import subprocess

LOGIND_POWEROFF = ["busctl", "call", "org.freedesktop.login1", "/org/freedesktop/login1",
                   "org.freedesktop.login1.Manager", "PowerOff", "b", "false"]


def power_off(run=subprocess.run) -> tuple[bool, str]:
    """Ask logind to power the box off; (ok, message) for the log and the screen."""
    try:
        proc = run(LOGIND_POWEROFF, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"power off failed: {exc}"
    if proc.returncode != 0:
        return False, f"power off refused by logind: {proc.stderr.strip() or proc.returncode}"
    return True, "powering off"
