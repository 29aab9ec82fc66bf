"""Fixtures the tests share, the marking of each test with its tier, and the run's order.

Helpers (signals, clocks, waiting, stores, children...) live in tests/support/,
one of each; this file keeps only what pytest itself must find here.

`./dev test` runs the tests on pytest-xdist's workers (`-n auto`; `-n 0` runs
them in one process). Tests are independent of order, and ordered for speed:
`slow` ones (long real-time scenarios, mostly waiting on a child) first, so
they overlap the rest; `timing` ones last, each alone (support/alone.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from support.alone import RunLock
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


@pytest.fixture(autouse=True)
def _alone_if_timing(request, tmp_path_factory):
    """Across xdist's workers: a `timing` test runs with no other test beside it."""
    if not hasattr(request.config, "workerinput"):  # one process: nothing runs beside it anyway
        yield
        return
    lock = RunLock(tmp_path_factory.getbasetemp().parent / "run-lock")  # one folder per run
    hold = lock.exclusive if request.node.get_closest_marker("timing") else lock.shared
    with hold():
        yield


def pytest_collection_modifyitems(config, items):
    """Each test is marked with its tier, the folder it lives in: `-m unit` runs the fast tier alone.

    Then the order: slow first, timing last, the rest as collected (a stable sort)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        tier = next((t for t in TIERS if t in parts), "unit")  # the modules' doctests are unit tests
        item.add_marker(getattr(pytest.mark, tier))
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else
               2 if item.get_closest_marker("timing") else 1)
