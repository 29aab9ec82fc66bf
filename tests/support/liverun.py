"""The appliance in a child process (`smartdowel run --hardware sim --headless`), its event lines
read as they come, each with the moment it was read; for tests that give it a card that fails."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable

from support.repo import REPO


class LiveBox:
    """`smartdowel run` on the simulated dowel in a child (under `prefix`, e.g. a private tmpfs)."""

    def __init__(self, data: str, *, seconds: float, scenario: str = "clean", prefix: list[str] | None = None,
                 env: dict[str, str] | None = None, config: str | None = None) -> None:
        argv = [sys.executable, "-m", "device.cli", "run", "--hardware", "sim", "--headless", "--scenario",
                scenario, "--duration", str(seconds), "--data", data]
        if config:
            argv += ["--config", config]
        env = dict(os.environ if env is None else env, PYTHONPATH=str(REPO))
        env.pop("NOTIFY_SOCKET", None)
        self._err = tempfile.TemporaryFile("w+")
        self.p = subprocess.Popen([*(prefix or []), *argv], cwd=REPO, env=env, stdout=subprocess.PIPE,
                                  stderr=self._err, text=True)
        self.lines: list[tuple[float, dict]] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self._seen:
                self.lines.append((time.monotonic(), event))
                self._seen.notify_all()

    def wait_for(self, want: Callable[[dict], bool], timeout: float = 30.0) -> tuple[float, dict]:
        """The first line `want` accepts (waiting for it), with when it was read."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for seen_at, event in self.lines:
                    if want(event):
                        return seen_at, event
                left = deadline - time.monotonic()
                if left <= 0 or self.p.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"no such line; got {[e.get('type') for _, e in self.lines]}; "
                                         f"stderr: {self.stderr()[-2000:]}")
                self._seen.wait(min(left, 0.2))

    def finish(self, timeout: float = 120.0) -> int:
        code = self.p.wait(timeout)
        self._reader.join(5)
        return code

    def stderr(self) -> str:
        self._err.seek(0)
        return self._err.read()

    def events(self, kind: str | None = None) -> list[dict]:
        return [e for _, e in self.lines if kind is None or e.get("type") == kind]
