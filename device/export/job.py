"""The export for the live appliance: `smartdowel export` in a child process, watched from a thread.

Why a child process and not a thread: a child has its own interpreter lock
and memory, and runs at lower priority (`--nice`), so the sampler and the
buzzer never wait for the export, and a crash in it cannot take the
appliance down. The child prints `progress DONE/TOTAL` lines and, last, one
line saying how it went; that line is what the screen and the log show.
"""
from __future__ import annotations

import subprocess
import sys
import threading


class ExportJob:
    """`smartdowel export` in a child process, for the appliance's main loop.

    Poll `done`; then `ok` and `message` (one line for the screen and the log).
    """

    def __init__(self, data_dir: str, dest: str, all_sets: bool = False) -> None:
        self.dest = dest
        self.argv = [sys.executable, "-m", "device.cli", "export", dest, "--data", data_dir,
                     "--progress", "--nice"]
        if all_sets:
            self.argv.append("--all")
        self.progress = (0, 0)
        self.ok = False
        self.message = ""
        self._proc: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    def start(self) -> "ExportJob":
        self._proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._thread = threading.Thread(target=self._watch, name="smartdowel-export-job", daemon=True)
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _watch(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        last = ""
        for line in proc.stdout:  # stdout and stderr together: the last line says how it went
            if line.startswith("progress "):
                done, _, total = line[9:].strip().partition("/")
                self.progress = (int(done), int(total))
            elif line.strip():
                last = line.strip()
        code = proc.wait()
        self.ok = code == 0
        self.message = last or f"export ended with exit code {code}"
        self._done.set()
