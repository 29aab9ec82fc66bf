"""Telling systemd how the appliance is doing: READY=1, WATCHDOG=1, STOPPING=1.

The unit is `Type=notify` with `WatchdogSec=`: systemd waits for READY=1 before
it calls the box started, and restarts it when WATCHDOG=1 stops coming. The
protocol is one datagram of `KEY=value` lines to the AF_UNIX socket named in
$NOTIFY_SOCKET, so a few lines of the standard library do it and no
dependency (python-systemd, sdnotify) is needed on the Pi.

Why the watchdog is fed only while the sampler is alive: the main loop can be
perfectly healthy while the sampler thread is dead or stuck on the bus, and then
no cue ever sounds. systemd restarting the whole app is the right answer to
that, so the kick depends on the sampler, not on the main loop going round.

    >>> notify("READY=1", env={})            # not under systemd: nothing to tell
    False
    >>> dog = Watchdog(env={"WATCHDOG_USEC": "10000000"}, send=lambda state: True)
    >>> dog.interval()
    5.0
    >>> dog.kick_if_alive(True, now=100.0), dog.kick_if_alive(True, now=101.0)
    (True, False)
"""
from __future__ import annotations

import os
import socket
from typing import Any, Callable, Mapping

Send = Callable[[str], bool]


def socket_address(value: str) -> str | bytes | None:
    """The address to send to for a $NOTIFY_SOCKET value, or None if unusable.

    A leading '@' names an abstract socket (a NUL byte on the wire); a path
    starts with '/'. Anything else (systemd 254's vsock:...) is not for a Pi
    appliance and is ignored rather than guessed at.
    """
    if value.startswith("@") and len(value) > 1:
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return None


def notify(state: str, env: Mapping[str, str] | None = None) -> bool:
    """Send `state` ("READY=1", "WATCHDOG=1", "STATUS=...", several lines) to systemd.

    True if the datagram went out. False when not run by systemd or when the
    socket is gone: telling systemd must never take the appliance down.
    """
    env = os.environ if env is None else env
    address = socket_address(env.get("NOTIFY_SOCKET", ""))
    if address is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode("utf-8"), address)
    except OSError:
        return False
    return True


def ready(status: str = "", env: Mapping[str, str] | None = None) -> bool:
    """READY=1 (and a STATUS= line `systemctl status` shows), once sensors and screen are up."""
    return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), env)


def stopping(env: Mapping[str, str] | None = None) -> bool:
    """STOPPING=1 at SIGTERM, so `systemctl status` says "deactivating" while the set is saved."""
    return notify("STOPPING=1", env)


class Watchdog:
    """Feeds systemd's watchdog at half its timeout, and only while the sampler lives.

    `interval()` is None when systemd asked for no watchdog (no WATCHDOG_USEC,
    or WATCHDOG_PID names another process): then `kick_if_alive` never sends.
    Call `kick_if_alive` from every turn of the main loop; it rate-limits itself.
    """

    def __init__(self, env: Mapping[str, str] | None = None, send: Send | None = None,
                 pid: int | None = None) -> None:
        self._env = os.environ if env is None else env
        self._send = send or (lambda state: notify(state, self._env))
        self._pid = os.getpid() if pid is None else pid
        self._last: float | None = None

    def interval(self) -> float | None:
        """Seconds between kicks: half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises."""
        usec = self._env.get("WATCHDOG_USEC", "")
        owner = self._env.get("WATCHDOG_PID", "")
        if owner and owner != str(self._pid):
            return None
        try:
            value = int(usec)
        except ValueError:
            return None
        return value / 2e6 if value > 0 else None

    def kick_if_alive(self, sampler_alive: bool, now: float) -> bool:
        """Send WATCHDOG=1 if the sampler is alive and a kick is due; True if sent."""
        interval = self.interval()
        if interval is None or not sampler_alive:
            return False
        if self._last is not None and now - self._last < interval:
            return False
        if self._send("WATCHDOG=1"):
            self._last = now
            return True
        return False


def sampler_is_alive(sampler: Any, now: float, stale_s: float = 2.0) -> bool:
    """True while the sampler thread runs and went round its loop within `stale_s`.

    `now` is time.monotonic() (the sampler's clock). A thread that is alive but
    blocked on a hung I2C read stops updating `alive_at`: that counts as dead,
    since no cue can sound either way.
    """
    return bool(sampler.running) and now - float(sampler.alive_at) <= stale_s
