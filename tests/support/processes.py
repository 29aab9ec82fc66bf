"""The CLI (`python -m device.cli ...`) and small Python scripts in a child process.

Children run from the checkout with it on PYTHONPATH, so they find the same
code whether or not the package is installed, from whatever folder the tests
were started in.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from support.repo import REPO


def child_env(extra: Mapping[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment with the checkout on PYTHONPATH, `extra` set, `drop` removed."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.update(extra or {})
    for name in drop:
        env.pop(name, None)
    return env


def cli_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "device.cli", *args]


def run_cli(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120,
            prefix: tuple[str, ...] | list[str] = (), **kw: Any) -> subprocess.CompletedProcess:
    """Run `smartdowel ARGS` to the end; its output as text."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run([*prefix, *cli_argv(*args)], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=child_env(env), **kw)


def start_cli(*args: str, env: Mapping[str, str] | None = None, drop: tuple[str, ...] = (),
              **kw: Any) -> subprocess.Popen:
    """Start `smartdowel ARGS`; its stdout is a text pipe (stderr too unless given)."""
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen(cli_argv(*args), text=True, cwd=REPO, env=child_env(env, drop), **kw)


def start_script(source: str, *args: str, **kw: Any) -> subprocess.Popen:
    """Start `python -c SOURCE ARGS`; its stdout is a text pipe."""
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-c", source, *args], text=True, cwd=REPO,
                            env=child_env(), **kw)


def run_script(source: str, *args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess:
    """Run `python -c SOURCE ARGS` to the end; its output as text."""
    return subprocess.run([sys.executable, "-c", source, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=child_env(), **kw)


@contextmanager
def reaped(proc: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """The child, killed and waited for on the way out if it is still running (a failed assert)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
