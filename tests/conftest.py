"""Fixtures the tests share, the marking of each test with its tier, and the run's order.

Helpers (signals, clocks, waiting, stores, children...) live in tests/support/,
one of each; this file keeps only what pytest itself must find here.

`./dev test` runs the tests on pytest-xdist's workers (a worker per core and
one more; `-n 0` runs them in one process). Tests are independent of order, and ordered for the
run: `timing` ones first, one at a time and before anything else starts
(support/alone.py); then `slow` ones (long real-time scenarios, mostly waiting
on a child), so they overlap the rest; then the rest as collected.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from support.alone import TimingFirst, run_folder, timing_before
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


def pytest_configure(config):
    """The controller of a parallel run names the run, so it can clean up where its workers met."""
    if not hasattr(config, "workerinput") and config.getoption("numprocesses", None):
        config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and config.getoption("testrunuid", None):
        shutil.rmtree(run_folder(config.option.testrunuid), ignore_errors=True)


PHASES = pytest.StashKey[TimingFirst]()
TIMING_BEFORE = pytest.StashKey[dict]()  # nodeid -> (its index, the indices of the timing tests before it)


def pytest_collection_finish(session):
    """A worker of a parallel run has collected: it says so, for the timing tests."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if uid and hasattr(session.config, "workerinput"):
        session.config.stash[PHASES] = TimingFirst(run_folder(uid))
        session.config.stash[TIMING_BEFORE] = timing_before(session.items)
        session.config.stash[PHASES].collected(os.environ.get("PYTEST_XDIST_WORKER", "?"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """In a parallel run: timing tests alone and first, every other test after them."""
    if PHASES not in item.config.stash:  # one process: nothing runs beside a test anyway
        yield
        return
    phases = item.config.stash[PHASES]
    index, earlier = item.config.stash[TIMING_BEFORE][item.nodeid]
    if item.get_closest_marker("timing"):
        phases.wait_for_workers(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
        with phases.alone(index):
            yield
    else:
        phases.wait_for(set(earlier))
        yield


def pytest_collection_modifyitems(config, items):
    """Each test is marked with its tier, the folder it lives in: `-m unit` runs the fast tier alone.

    Then the order: timing first, then slow, then the rest as collected (a stable sort)."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        tier = next((t for t in TIERS if t in parts), "unit")  # the modules' doctests are unit tests
        item.add_marker(getattr(pytest.mark, tier))
    items.sort(key=lambda item: 0 if item.get_closest_marker("timing") else
               1 if item.get_closest_marker("slow") else 2)
