"""A root file system booted under systemd-nspawn: systemd as PID 1, reached with nsenter.

The flags are the ones that work on a host that does not run systemd itself
(a build machine, a CI runner): `--register=no` (no machined to register with)
and `--keep-unit` (no host systemd to make a scope unit). The container shares
the host's network, so apt and pip inside reach what the host reaches.

Commands run inside through `nsenter --all` into the container's PID 1, with a
clean environment, so they see the container's systemd, D-Bus and files
exactly as a shell on the box would.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from support.rootfs import HOSTNAME

PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
REBOOT_EXIT = 133  # what systemd-nspawn exits with when the container asked for a reboot


class BootFailed(RuntimeError):
    pass


class Container:
    """One boot of `root`; `boot()` again after a power-off or reboot boots it anew."""

    def __init__(self, root: Path, console_log: Path, name: str = HOSTNAME) -> None:
        self.root, self.console_log, self.name = root, console_log, name
        self.proc: subprocess.Popen | None = None
        self.leader = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def boot(self, timeout: float = 90.0) -> float:
        """Start systemd in the container; seconds until it reports running (or degraded)."""
        started = time.monotonic()
        log = open(self.console_log, "ab")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "--quiet", "--boot", "--register=no", "--keep-unit",
             f"--machine={self.name}", "-D", str(self.root)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.leader = self._find_leader(started + timeout)
        state = ""
        while state not in ("running", "degraded") and time.monotonic() < started + timeout:
            # Empty until PID 1 listens on its socket: asked again until it answers.
            state = self.run("systemctl", "is-system-running", "--wait", timeout=timeout, check=False).stdout.strip()
            if not state:
                time.sleep(0.1)
        if state not in ("running", "degraded"):
            raise BootFailed(f"system state {state!r}: {self.tail()}")
        return time.monotonic() - started

    def _find_leader(self, deadline: float) -> int:
        """The container's PID 1 as the host sees it: nspawn's child whose own PID namespace calls it 1."""
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BootFailed(f"systemd-nspawn exited {self.proc.returncode}: {self.tail()}")
            for pid in _children(self.proc.pid):
                if _ns_pid(pid) == 1:
                    return pid
            time.sleep(0.05)
        raise BootFailed(f"no PID 1 in the container after the timeout: {self.tail()}")

    def wait_exit(self, timeout: float) -> int:
        """nspawn's exit code once the container is gone (0 power-off, 133 reboot)."""
        assert self.proc is not None
        code = self.proc.wait(timeout=timeout)
        self.leader = 0
        return code

    def kill(self) -> None:
        """Stop whatever is left of it (a test that failed half-way): nspawn's group only."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # nspawn asks the container to shut down
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.leader = 0

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.console_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- inside --------------------------------------------------------------------------------
    def run(self, *cmd: str, timeout: float = 120.0, check: bool = True,
            env: dict[str, str] | None = None, cwd: str = "/") -> subprocess.CompletedProcess:
        """`cmd` inside the container, as root, in `cwd`, with a clean environment."""
        assert self.leader, "the container is not running"
        words = [f"{k}={v}" for k, v in {"PATH": PATH, "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}.items()]
        inner = ["env", "-i", *words, "sh", "-c", 'cd "$0" && exec "$@"', cwd, *cmd]
        r = subprocess.run(["nsenter", "--target", str(self.leader), "--all", *inner],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        return r

    def mknod(self, device: str) -> None:
        """Make a host block device (a loop device) appear in the container's /dev."""
        st = os.stat(device)
        self.run("mknod", "-m", "660", device, "b", str(os.major(st.st_rdev)), str(os.minor(st.st_rdev)))

    def write(self, path: str, text: str) -> None:
        """A file inside (under /run too, which is the container's own tmpfs)."""
        r = subprocess.run(["nsenter", "--target", str(self.leader), "--mount", "--",
                            "sh", "-c", 'mkdir -p "$(dirname "$0")" && cat > "$0"', path],
                           input=text, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"writing {path}: {r.stderr}")

    def show(self, unit: str, *props: str) -> dict[str, str]:
        """`systemctl show` properties of a unit."""
        out = self.run("systemctl", "show", unit, *(f"--property={p}" for p in props)).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, what: str, check, timeout: float, step: float = 0.1):
        """Poll `check()` until it returns something true; that value, or AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(step)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _ns_pid(pid: int) -> int | None:
    """The PID a process has in its own (innermost) PID namespace."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except OSError:
        pass
    return None
