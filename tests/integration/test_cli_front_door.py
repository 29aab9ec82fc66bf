"""The commands as a newcomer meets them: bad input is one line and exit 2, help says it all.

Each case is the issue's (finding 12 and 13): it printed a traceback, a screen of
usage, or nothing at all before.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from support.xwindow import ROOT


def smartdowel(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    return subprocess.run([sys.executable, "-m", "device.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**base, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=timeout)


@pytest.mark.parametrize("args", [
    ["run", "--scenario", "nope"], ["run", "--rate", "-1"], ["run", "--duration", "-5"],
    ["run", "--fail-rate", "2"], ["run", "--bogus"], ["simulate", "-o", "/nonexistent/dir/x.csv"],
    ["replay", "/nonexistent.csv"], ["selftest", "--scenario", "nope", "--yes"],
])
def test_bad_input_is_one_line_and_exit_2(args):
    got = smartdowel(*args)
    assert got.returncode == 2, (args, got.stdout, got.stderr)
    lines = got.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in got.stderr, got.stderr


def test_screenshots_refuses_a_file_in_one_line(tmp_path):
    f = tmp_path / "taken"
    f.write_text("x")
    got = smartdowel("screenshots", str(f))
    assert got.returncode == 2 and len(got.stderr.strip().splitlines()) == 1


def test_help_lists_every_command_and_run_lists_every_scenario():
    top = smartdowel("--help").stdout
    for command in ("run", "replay", "simulate", "selftest", "screenshots", "sessions", "export"):
        assert f"    {command} " in top, command
    run = smartdowel("run", "--help").stdout.replace("\n", " ")
    for scenario in ("demo", "manual", "typical", "clean", "no_imu"):
        assert scenario in run
    for command in ("run", "selftest", "sessions", "export"):
        assert "--data DIR" in smartdowel(command, "--help").stdout, command


def test_replay_reads_an_exported_gzip_trace(tmp_path):
    trace = tmp_path / "set.csv"
    assert smartdowel("simulate", "--scenario", "clean", "-o", str(trace)).returncode == 0
    packed = tmp_path / "set-000001.csv.gz"
    packed.write_bytes(gzip.compress(trace.read_bytes()))
    plain, zipped = smartdowel("replay", str(trace)), smartdowel("replay", str(packed))
    assert zipped.returncode == 0, zipped.stderr
    assert zipped.stdout == plain.stdout and '"rep_completed"' in zipped.stdout


def test_no_display_runs_headless_and_says_so(tmp_path):
    # a data folder of its own: a fixed one under /tmp is shared by every checkout and run
    got = smartdowel("run", "--hardware", "sim", "--duration", "1", "--data", str(tmp_path / "data"),
                     env={"XDG_RUNTIME_DIR": ""})
    assert got.returncode == 0, got.stderr
    assert "running headless" in got.stderr and "XDG_RUNTIME_DIR" not in got.stderr


def test_export_makes_its_destination_folder(tmp_path):
    from support.stores import build_store
    build_store(str(tmp_path / "data"), sets=1).close()
    dest = tmp_path / "new"
    got = smartdowel("export", str(dest), "--data", str(tmp_path / "data"))
    assert got.returncode == 0, got.stderr
    assert any(n.startswith("smartdowel-export-") for n in os.listdir(dest))
