"""Fixtures the tests share and the marking of each test with its tier.

Helpers (signals, clocks, waiting, stores, children...) live in tests/support/,
one of each; this file keeps only what pytest itself must find here.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from support.signals import Shape, of_type, run, make_samples, with_placement

pytest_plugins = ["support.summary"]  # the booted-systemd checks' summary after the run
TIERS = ("unit", "integration", "system")


@pytest.fixture
def set_of(request):
    """Build, run and return the events of a set with the given contact shapes."""
    def build(shapes: dict[str, Shape] | None = None, duration: float = 8.0, **kw) -> list[dict]:
        events = run(make_samples(with_placement(shapes or {}), duration, **kw))
        assert of_type(events, "ready"), "the set never became ready"
        return events
    return build


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory, monkeypatch):
    """Sets recorded by an appliance under test go to a temporary folder, never the user's."""
    monkeypatch.setenv("SMARTDOWEL_DATA", str(tmp_path_factory.mktemp("data")))


def pytest_collection_modifyitems(config, items):
    """Each test is marked with its tier, the folder it lives in: `-m unit` runs the fast tier alone."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        tier = next((t for t in TIERS if t in parts), "unit")  # the modules' doctests are unit tests
        item.add_marker(getattr(pytest.mark, tier))
