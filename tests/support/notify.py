"""A datagram socket standing in for systemd's notify socket ($NOTIFY_SOCKET).

What the appliance tells systemd (READY=1 once the sampler runs, STOPPING=1,
WATCHDOG=1) is also the surest sign, for a test, of where a child has got to.
"""
from __future__ import annotations

import socket
import time


class NotifyListener:
    def __init__(self, path: str) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(2.0)
        self.seen: list[str] = []

    def receive(self) -> str:
        """The next datagram (socket.timeout after 2 s)."""
        state = self.sock.recv(4096).decode()
        self.seen.append(state)
        return state

    def wait_for(self, line: str, timeout: float = 30.0) -> str:
        """Read datagrams until one has `line` (e.g. "READY=1") among its lines; that datagram."""
        end = time.monotonic() + timeout
        while True:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                state = self.receive()
            except socket.timeout:
                raise AssertionError(f"no {line} within {timeout:g} s (got {self.seen})") from None
            if line in state.splitlines():
                return state

    def close(self) -> None:
        self.sock.close()
