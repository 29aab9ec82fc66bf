"""A pytest plugin (tests/conftest.py loads it): a test module with a CHECKS record
(tests/system/test_booted_systemd.py) gets its stages, each check's result and
time, notes, and one closing line printed after the run."""
from __future__ import annotations

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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for module in _modules.values():
        checks = module.CHECKS
        write = terminalreporter.write_line
        counts = {o: sum(1 for _, out, _ in checks.results if out == o) for o in ("passed", "failed", "skipped")}
        if counts["skipped"] == len(checks.results):  # the machine cannot: one line says why
            write(f"{checks.title}: {'; '.join(checks.notes) or 'skipped'}")
            continue
        terminalreporter.section(checks.title, sep="-")
        for stage, seconds in checks.stages.items():
            write(f"  stage  {seconds:7.1f} s  {stage}")
        for name, outcome, seconds in checks.results:
            write(f"  {outcome:6} {seconds:7.1f} s  {name}")
        for note in checks.notes:
            write(f"  note   {note}")
        for item in getattr(module, "NOT_CHECKED", []):
            write(f"  not checked in a container: {item}")
        total = time.monotonic() - _started.get(module.__name__, time.monotonic())
        write(f"{checks.title}: {counts['passed']} checks passed, {counts['failed']} failed, "
              f"{counts['skipped']} skipped in {total:.0f} s")
