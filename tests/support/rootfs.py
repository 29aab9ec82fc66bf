"""Debian Bookworm root file systems for the booted-systemd test and the arm64 bench.

Made with debootstrap once per architecture and recipe, then kept in a cache
folder outside the clone ($XDG_CACHE_HOME or ~/.cache, under smartdowel/rootfs),
since a cold build costs a minute or more. The cached base holds a booting
Debian (systemd, dbus, udev, sudo) plus the .deb files of the packages
systemd/install.sh asks apt for, downloaded but not installed, so the install a
test runs is the real one (apt-get update and install) without fetching them
again. A run never changes the base: it works on a copy (`fresh_copy`).

Raspberry Pi OS Bookworm is this same Debian underneath; what only its archive
has (python3-lgpio) is what install.sh stands in for elsewhere.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator


REPO = Path(__file__).resolve().parents[2]  # the checkout
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = ("systemd", "systemd-sysv", "dbus", "udev", "sudo", "ca-certificates")
HOSTNAME = "smartdowel-test"  # the container's name too (support/container.py)
RECIPE = 2  # bump when the way the base is made changes: a new cache entry is built
INSTALL_SCRIPT = REPO / "systemd" / "install.sh"
Log = Callable[[str], None]


def cache_root() -> Path:
    """Where bases are kept: chosen here, never inside the clone."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smartdowel" / "rootfs"


def _script_list(name: str) -> list[str]:
    match = re.search(rf"^{name}=\(([^)]*)\)", INSTALL_SCRIPT.read_text(), re.M)
    assert match, f"{name} not found in install.sh"
    return match.group(1).split()


def install_packages() -> list[str]:
    """The apt packages install.sh asks for on Debian, read from the script itself (one list):
    its Pi-only ones (in Raspberry Pi OS's archive alone) left out."""
    pi_only = set(_script_list("PI_ONLY_PACKAGES"))
    return [p for p in _script_list("APT_PACKAGES") if p not in pi_only]


def base_name(arch: str) -> str:
    recipe = f"{RECIPE} {SUITE} {arch} {MIRROR} {' '.join(BASE_PACKAGES)} {' '.join(install_packages())}"
    return f"{SUITE}-{arch}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def missing_tools(arch: str = "amd64") -> list[str]:
    """Host tools a build and a boot need; [] when all are there."""
    tools = ["debootstrap", "systemd-nspawn", "nsenter", "chroot", "losetup", "mkfs.ext4", "mknod"]
    if arch != host_arch():
        tools.append(f"qemu-{qemu_name(arch)}-static")
    return [t for t in tools if shutil.which(t) is None]


def host_arch() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def qemu_name(arch: str) -> str:
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(arch, arch)


def base_rootfs(arch: str = "amd64", log: Log = print) -> tuple[Path, float]:
    """The cached base for `arch`, built when missing; (path, seconds spent building, 0 if cached)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / base_name(arch)
    with _locked(root / f"{target.name}.lock"):  # two test runs at once build it once
        if (target / ".complete").exists():
            return target, 0.0
        started = time.monotonic()
        _build(target, arch, log)
        return target, time.monotonic() - started


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _build(target: Path, arch: str, log: Log) -> None:
    work = target.with_name(target.name + ".partial")
    remove_tree(work)
    if arch != host_arch():
        enable_binfmt(arch)
    log(f"rootfs: debootstrap {SUITE} {arch} into {work}")
    _run(["debootstrap", f"--arch={arch}", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
          SUITE, str(work), MIRROR], timeout=1800)
    (work / "etc" / "apt" / "sources.list").write_text(f"deb {MIRROR} {SUITE} main\n")
    with chroot_mounts(work):
        log("rootfs: downloading install.sh's packages (not installing them)")
        in_chroot(work, ["apt-get", "update", "-qq"], timeout=600)
        in_chroot(work, ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                         "--download-only", "--no-install-recommends", *install_packages()], timeout=1200)
        in_chroot(work, ["rm", "-rf", "/var/lib/apt/lists/partial"], timeout=60)
    # The lists go: install.sh must see a fresh system and run apt-get update itself.
    for lists in (work / "var" / "lib" / "apt" / "lists").glob("*_*"):
        lists.unlink()
    (work / "etc" / "hostname").write_text(f"{HOSTNAME}\n")
    with open(work / "etc" / "hosts", "a") as hosts:  # sudo looks its own name up
        hosts.write(f"127.0.1.1\t{HOSTNAME}\n")
    (work / ".complete").write_text(f"{base_name(arch)}\n")
    work.rename(target)


def _run(cmd: list[str], timeout: float) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... failed ({r.returncode}): {(r.stdout + r.stderr)[-2000:]}")


# --- copies, chroots, removal ------------------------------------------------------------


def fresh_copy(base: Path, dest: Path) -> Path:
    """A copy of the base to boot or install into (the base stays as built)."""
    remove_tree(dest)
    subprocess.run(["cp", "-a", "--reflink=auto", str(base), str(dest)], check=True, timeout=600)
    (dest / ".complete").unlink(missing_ok=True)
    return dest


def trust_host_certificates(root: Path) -> None:
    """The host's trusted CAs trusted inside too, so pip reaches PyPI through whatever
    TLS-inspecting proxy the host's own network has (a stock Debian would refuse it)."""
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if not bundle.exists():
        return
    dest = root / "usr" / "local" / "share" / "ca-certificates" / "host-trust.crt"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle, dest)
    subprocess.run(["chroot", str(root), "update-ca-certificates"], capture_output=True, check=True, timeout=120)


def copy_clone(root: Path, dest: str = "/home/pi/smartdowel") -> str:
    """The clone's files (tracked and new, not ignored ones) at `dest` inside `root`."""
    target = root / dest.lstrip("/")
    target.mkdir(parents=True, exist_ok=True)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, timeout=60)
    if listed.returncode == 0:
        names = [n for n in listed.stdout.decode().split("\0") if n and (REPO / n).exists()]
        for name in names:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name, follow_symlinks=False)
    else:  # not a git checkout (a tarball): everything but the venv and caches
        shutil.copytree(REPO, target, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache"))
    return dest


CHROOT_MOUNTS = (("proc", "proc", ["-t", "proc"]), ("sys", "sys", ["-t", "sysfs"]),
                 ("/dev", "dev", ["--bind"]), ("/dev/pts", "dev/pts", ["--bind"]))


@contextlib.contextmanager
def chroot_mounts(root: Path) -> Iterator[None]:
    """/proc, /sys, /dev and the host's resolv.conf in `root`, as an image builder sets up a chroot."""
    done: list[Path] = []
    resolv = root / "etc" / "resolv.conf"
    try:
        for source, where, how in CHROOT_MOUNTS:
            point = root / where
            point.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *how, source, str(point)], check=True, timeout=60)
            done.append(point)
        if resolv.is_symlink():
            resolv.unlink()
        shutil.copyfile("/etc/resolv.conf", resolv)
        yield
    finally:
        for point in reversed(done):
            subprocess.run(["umount", "--lazy", str(point)], timeout=60)


def in_chroot(root: Path, cmd: list[str], timeout: float, env: dict[str, str] | None = None,
              check: bool = True) -> subprocess.CompletedProcess:
    """`cmd` inside `root` with a clean environment (the host's pip settings stay out)."""
    clean = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root", **(env or {})}
    r = subprocess.run(["chroot", str(root), *cmd], capture_output=True, text=True, timeout=timeout, env=clean)
    if check and r.returncode != 0:
        raise RuntimeError(f"in chroot: {' '.join(cmd[:4])} failed ({r.returncode}): {(r.stdout + r.stderr)[-2000:]}")
    return r


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (what must be gone before it is removed)."""
    prefix = str(path.resolve())
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1].replace("\\040", " ") for line in fh]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]


def remove_tree(path: Path) -> None:
    """rm -rf that refuses while anything is mounted below (a bound /dev must never be emptied)."""
    if not path.exists():
        return
    busy = mounts_under(path)
    if busy:
        raise RuntimeError(f"not removing {path}: still mounted there: {busy}")
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=True, timeout=600)


# --- other architectures -------------------------------------------------------------------


BINFMT = Path("/proc/sys/fs/binfmt_misc")


def enable_binfmt(arch: str) -> None:
    """Let the kernel run `arch` programs through qemu-user-static, as systemd-binfmt would."""
    name = f"qemu-{qemu_name(arch)}"
    if (BINFMT / name).exists():
        return
    if not (BINFMT / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True, timeout=30)
    if (BINFMT / name).exists():
        return
    conf = Path(f"/usr/lib/binfmt.d/{name}-static.conf")
    if not conf.exists():
        conf = Path(f"/usr/lib/binfmt.d/{name}.conf")
    line = next(ln for ln in conf.read_text().splitlines() if ln.startswith(":"))
    (BINFMT / "register").write_text(line)
