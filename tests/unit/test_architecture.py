"""The house's rules a reader relies on: small modules, each saying why it exists.

The layers' arrows are import-linter's contracts (pyproject.toml), run by
tests/integration/test_static_checks.py; here is what no linter checks.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from support.repo import REPO

pytestmark = pytest.mark.unit

PACKAGES = ("device", "drivers", "ui", "bench")
MAX_LINES = 400  # "about 400": export.py was 1,214 lines doing eight jobs; a module past this is doing two


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py"))


def test_there_are_modules_to_check() -> None:
    assert len(_modules()) > 100


def test_no_module_is_doing_two_jobs() -> None:
    long = {str(p.relative_to(REPO)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def test_every_module_says_why_it_exists() -> None:
    bare = [str(p.relative_to(REPO)) for p in _modules()
            if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text()))]
    assert not bare, f"modules without a docstring: {bare}"
