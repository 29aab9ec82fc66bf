"""arm64 check: systemd/install.sh in an arm64 Debian Bookworm under qemu-user-static,
then the appliance 20 s headless; how long each step took.

    sudo .venv/bin/python bench/arm64_bench.py [--seconds 20] [--keep]

The same install a Raspberry Pi OS Bookworm (arm64) box would run, on the CPU
architecture of a Pi Zero 2 W to a Pi 5, emulated: the root file system is
made with debootstrap for arm64 (cached like the booted-systemd test's, under
~/.cache/smartdowel/rootfs), the kernel is told to run arm64 programs through
qemu-user-static (binfmt_misc, as systemd-binfmt does at boot), and the script
runs in a chroot, as an image builder runs it. Not the demo box: the real
board's install, so lgpio comes from PyPI as an arm64 wheel and must import.
Then `smartdowel run --hardware sim --headless` runs for `--seconds` as the
service user, and its sampling rate and events are reported.

Emulation is 5 to 20 times slower than a Pi, so the times say how the steps
compare, not how long they take on the box. Needs root, debootstrap and
qemu-user-static; says what is missing in one line otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.rootfs import (base_rootfs, chroot_mounts, copy_clone, fresh_copy, in_chroot,  # noqa: E402
                            missing_tools, remove_tree, trust_host_certificates)

ARCH = "arm64"
CLONE = "/home/pi/smartdowel"
APP = "/opt/smartdowel/venv/bin/smartdowel"


def timed(steps: list[tuple[str, float]], name: str, fn: Callable[[], Any]) -> Any:
    started = time.monotonic()
    try:
        return fn()
    finally:
        steps.append((name, time.monotonic() - started))
        print(f"  {steps[-1][1]:7.1f} s  {name}", flush=True)


def run_app(root: Path, seconds: float) -> dict[str, Any]:
    """The app headless on the simulated dowel as the service user; what its event lines say."""
    r = in_chroot(root, ["runuser", "-u", "smartdowel", "--", "env", "SMARTDOWEL_DATA=/tmp/smartdowel-bench",
                         "PYGAME_HIDE_SUPPORT_PROMPT=1", APP, "run", "--hardware", "sim", "--headless",
                         "--duration", str(seconds)], timeout=seconds * 20 + 600, check=False)
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    stopped = next((e for e in events if e["type"] == "stopped"), {})
    return {"exit": r.returncode, "events": len(events),
            "reps": sum(1 for e in events if e["type"] == "rep_completed"),
            "samples": stopped.get("samples"), "interval_p50_ms": stopped.get("interval_p50_ms"),
            "interval_p99_ms": stopped.get("interval_p99_ms"), "overruns": stopped.get("overruns"),
            "error": r.stderr.strip().splitlines()[-1] if r.returncode and r.stderr.strip() else ""}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the app runs")
    parser.add_argument("--keep", action="store_true", help="keep the installed root file system")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("arm64 bench: needs root (debootstrap, chroot, binfmt_misc)")
        return 2
    missing = missing_tools(ARCH)
    if missing:
        print(f"arm64 bench: missing {', '.join(missing)} (apt-get install debootstrap qemu-user-static "
              "systemd-container)")
        return 2
    steps: list[tuple[str, float]] = []
    print(f"arm64 bench: install.sh in Debian Bookworm {ARCH} under qemu-user-static")
    base, built = timed(steps, "root fs (debootstrap, or the cache)", lambda: base_rootfs(ARCH))
    print(f"           {'built' if built else 'cached'}: {base}")
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"smartdowel-arm64-{os.getpid()}"
    root = work / "root"
    work.mkdir(parents=True)
    try:
        timed(steps, "copy the base and the clone", lambda: (fresh_copy(base, root), trust_host_certificates(root),
                                                             copy_clone(root, CLONE)))
        with chroot_mounts(root):
            command = ["sh", "-c", f"cd {CLONE} && systemd/install.sh"]
            first = timed(steps, "install.sh, first run (apt, venv, pip, units)",
                          lambda: in_chroot(root, command, 3600, check=False))
            second = timed(steps, "install.sh, second run", lambda: in_chroot(root, command, 1800, check=False))
            app = timed(steps, f"app {args.seconds:.0f} s headless, start to exit",
                        lambda: run_app(root, args.seconds))
    finally:
        if not args.keep:
            remove_tree(work)
    print(f"first install: exit {first.returncode}; second: exit {second.returncode}, "
          f"changes: {sum(1 for ln in second.stdout.splitlines() if ln.startswith('  + '))}")
    for out in (first, second):
        if out.returncode:
            print("  " + (out.stderr.strip().splitlines() or ["?"])[-1])
    print("lgpio from PyPI: " + ("yes" if "lgpio comes from PyPI" in first.stdout else "no"))
    print("app: " + ", ".join(f"{k} {v}" for k, v in app.items()))
    ok = first.returncode == 0 and second.returncode == 0 and app["exit"] == 0 and app["samples"]
    print(f"arm64 bench: {'ok' if ok else 'FAILED'} in {sum(s for _, s in steps):.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
