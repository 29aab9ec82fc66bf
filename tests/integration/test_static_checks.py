"""The checks a reviewer would run, run on every test run: lint, types, the layers' arrows.

Each is the tool itself on the checkout, as CI and a developer run it, so a
new import against the layers (docs/adr/0008), an unused name or a type
error fails the build with the tool's own message. The tools come with the
`test` extra; a clone without them says how to get them instead of passing.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.repo import REPO

pytestmark = pytest.mark.integration


def _tool(name: str) -> str:
    """The tool beside this interpreter (the venv's), else on PATH; missing is a failure."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def _run(*argv: str) -> None:
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}"


def test_ruff_finds_nothing() -> None:
    _run(_tool("ruff"), "check", "--no-cache", "device", "drivers", "ui", "tests", "bench")


def test_mypy_finds_nothing() -> None:
    """The whole project as pyproject.toml says (the core with every strict flag)."""
    _run(_tool("mypy"), "--cache-dir", "/dev/null")


def test_the_layers_arrows_hold() -> None:
    """The import-linter contracts in pyproject.toml (one-way layers, a pure core, drivers only
    through device.app.hardware)."""
    _run(_tool("lint-imports"), "--no-cache")
