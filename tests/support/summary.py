"""A pytest plugin (tests/conftest.py loads it): a test module with a CHECKS record
(tests/system/test_booted_systemd.py) gets its stages, each check's result and
time, notes, and one closing line printed after the run.

In a parallel run (pytest-xdist) the module runs in a worker: the worker hands
its summary over in `workeroutput`, and the controller prints it."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest


@dataclass
class Checks:
    """What the summary prints: the stages' times and each check's result and time."""
    title: str
    stages: dict[str, float] = field(default_factory=dict)
    results: list[tuple[str, str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        started = time.monotonic()
        try:
            return fn()
        finally:
            self.stages[stage] = time.monotonic() - started


_modules: dict[str, Any] = {}
_started: dict[str, float] = {}  # monotonic time of each module's first test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    module = getattr(item, "module", None)  # doctest items have none
    checks = getattr(module, "CHECKS", None)
    if module is None or checks is None:
        return
    _modules[module.__name__] = module
    _started.setdefault(module.__name__, call.start - (time.time() - time.monotonic()))
    if report.when == "call" or (report.when == "setup" and not report.passed):
        checks.results.append((item.name, report.outcome, report.duration))
    if report.skipped and isinstance(report.longrepr, tuple) and not checks.notes:
        checks.notes.append(f"skipped: {report.longrepr[2].removeprefix('Skipped: ')}")


_from_workers: list[tuple[str | None, list[str]]] = []
WORKER_KEY = "smartdowel_check_summaries"


def _render(module: Any) -> tuple[str | None, list[str]]:
    """(a section's title, or None for a single line; the lines)."""
    checks = module.CHECKS
    counts = {o: sum(1 for _, out, _ in checks.results if out == o) for o in ("passed", "failed", "skipped")}
    if counts["skipped"] == len(checks.results):  # the machine cannot: one line says why
        return None, [f"{checks.title}: {'; '.join(checks.notes) or 'skipped'}"]
    lines = [f"  stage  {seconds:7.1f} s  {stage}" for stage, seconds in checks.stages.items()]
    lines += [f"  {outcome:6} {seconds:7.1f} s  {name}" for name, outcome, seconds in checks.results]
    lines += [f"  note   {note}" for note in checks.notes]
    lines += [f"  not checked in a container: {item}" for item in getattr(module, "NOT_CHECKED", [])]
    total = time.monotonic() - _started.get(module.__name__, time.monotonic())
    lines.append(f"{checks.title}: {counts['passed']} checks passed, {counts['failed']} failed, "
                 f"{counts['skipped']} skipped in {total:.0f} s")
    return checks.title, lines


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker of a parallel run: its summaries go to the controller."""
    out = getattr(session.config, "workeroutput", None)
    if out is not None and _modules:
        out[WORKER_KEY] = json.dumps([_render(m) for m in _modules.values()])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller of a parallel run: a worker ended; keep what it summarised."""
    _from_workers.extend(json.loads(getattr(node, "workeroutput", {}).get(WORKER_KEY, "[]")))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for title, lines in [_render(m) for m in _modules.values()] + _from_workers:
        if title is not None:
            terminalreporter.section(title, sep="-")
        for line in lines:
            terminalreporter.write_line(line)
