"""Done when: an athlete on the box goes from cued practice to Mastered over days, through a failed and a
passed retention test, and the screens, the export's CSVs and the rendered report show it.

The real appliance (support/simbox.py: its live loop, cue policy, recorder,
store, coach, navigation and screens; simulated sets, a clock the test moves
from day to day), then the real `smartdowel export` to a stick folder, whose
report.html is opened in headless Chromium. Screenshots of the box and of the
page are kept in the test's folder (and in $SMARTDOWEL_SHOTS if set).
"""
from __future__ import annotations

import csv
import glob
import os
import sqlite3
import subprocess
import sys

import pytest

from device.view.commands import AddAthlete
from support.browser import Tables, check_self_contained, chromium, open_page
from support.shots import keep
from support.simbox import SimBox, WallClock, at

pytestmark = pytest.mark.skipif(chromium() is None and not os.environ.get("CI"),
                                reason="chromium missing (apt-get install chromium)")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATHLETE = "Ana Ruiz"
MOVES = [("learn", "fade"), ("fade", "test"), ("test", "fade"), ("fade", "test"), ("test", "mastered")]


def shots_dir(tmp_path) -> str:
    folder = str(tmp_path / "shots")
    os.makedirs(folder)
    return folder


def test_an_athlete_reaches_mastered_through_a_failed_and_a_passed_test(tmp_path):
    shots = shots_dir(tmp_path)

    def shot(name: str) -> None:
        keep(box.shot(os.path.join(shots, f"{name}-480x320.png")))

    box = SimBox(str(tmp_path / "box"), WallClock(at(0, 16)))
    try:
        # the coach adds Ana and sets her depth target on the Plan screen: menu, Plan, Depth target, A twice
        box.app.submit(AddAthlete(ATHLETE))
        box.press("b", *["b"] * 5, "a")
        assert box.screen() == "plan"
        box.press(*["b"] * 4, "a", "a")
        assert box.app.view.build().plan.target_deg == 45.0
        shot("plan-target")
        box.press("b", "a", "b", "b", "a")  # Back to the menu, then the menu's Back
        assert box.screen() == "place"

        # day 1: learn (every fault cued) until 70 % good reps over 3 sets, then fade until 85 %
        box.day(at(0))
        box.set(lost_at=(2, 5), during=[(16.0, lambda: shot("live-learn"))])
        shot("summary-learn")
        for _ in range(2):
            box.set(lost_at=(2, 5))
        assert box.app.view.build().plan.stage == "fade"
        for _ in range(3):
            box.set(lost_at=(4,))
        shot("summary-to-test")
        assert box.app.view.build().plan.stage == "test"
        box.press("a")  # the summary read: the place screen says what comes next
        shot("place-test")

        # day 2: the retention test fails (no cues; faults still logged), back to fade; fade again, a test passes
        box.day(at(1))
        box.set(lost_at=(2, 6), during=[(5.0, lambda: shot("live-test"))])
        shot("summary-test-failed")
        assert box.app.view.build().plan.stage == "fade"
        for _ in range(3):
            box.set()
        box.set()
        shot("summary-test-passed")
        assert box.app.view.build().plan.stage == "test"

        # day 4: another passed test on another day: mastered, and the box suggests the next step
        box.day(at(3))
        box.set()
        shot("summary-mastered")
        plan = box.app.view.build().plan
        assert plan.stage == "mastered" and "loaded hinge" in plan.advice
        box.press("a")
        shot("place-mastered")

        # the progress screen: menu, Progress (chart), tempo and contacts, the plan's history
        box.press("b", *["b"] * 4, "a")
        assert box.screen() == "progress"
        shot("progress")
        box.press("b")
        shot("progress-tempo")
        box.press("b")
        shot("progress-history")
        progress = box.app.view.build().progress
        assert progress is not None and [(a, b) for _, a, b, _ in reversed(progress.history)] == MOVES
        assert [s.tests for s in progress.sessions] == [(), ("failed", "passed"), ("passed",)]
        assert [s.stage for s in progress.sessions] == ["fade", "test", "test"]  # the stage each ran in
        box.press("a", "b", "b", "b", "a")
    finally:
        box.close()

    # the log: every stage change a plan_stage line, each test's result a plan_set line
    moves = [(e["from_stage"], e["to_stage"], e["by"]) for e in box.out.events("plan_stage")]
    assert moves == [(a, b, "box") for a, b in MOVES]
    tests = [e["passed"] for e in box.out.events("plan_set") if e["retention"]]
    assert tests == [False, True, True]
    silent = [e for e in box.out.events("contact_lost") if e.get("cue")]
    assert len(silent) < len(box.out.events("contact_lost"))  # the test set's losses: logged, not cued

    # the export (the real command, as on the box's stick): plan.csv, the plan's columns, the report
    stick = tmp_path / "stick"
    stick.mkdir()
    done = subprocess.run([sys.executable, "-m", "device.cli", "export", str(stick), "--data", box.data],
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": REPO})
    assert done.returncode == 0, done.stderr
    (folder,) = glob.glob(str(stick / "smartdowel-export-*"))
    plan_rows = read_csv(folder, "plan.csv")
    assert [(r["from_stage"], r["to_stage"], r["by"]) for r in plan_rows] == [(a, b, "box") for a, b in MOVES]
    box_id = plan_rows[0]["box_id"]
    assert len(box_id) == 12 and all(r["set_id"] for r in plan_rows)
    sets = read_csv(folder, "sets.csv")
    assert len(sets) == 12 and {r["box_id"] for r in sets} == {box_id}
    assert [r["plan_result"] for r in sets if r["plan_result"]] == ["failed", "passed", "passed"]
    assert [r["schedule"] for r in sets if r["plan_result"]] == ["retention"] * 3
    assert sets[-1]["plan_stage"] == "test" and sets[-1]["depth_target_deg"] == "45.0"
    coach = read_csv(folder, "ana-ruiz-sets.csv")  # the cumulative CSV, coach's columns first
    assert len(coach) == 12 and [r["retention_test"] for r in coach if r["retention_test"]] == \
        ["failed", "passed", "passed"]
    with sqlite3.connect(os.path.join(box.data, "smartdowel.db")) as db:
        assert db.execute("SELECT stage FROM plan_state JOIN athletes a ON a.id = athlete_id "
                          "WHERE a.name = ?", (ATHLETE,)).fetchone() == ("mastered",)

    page = open_page(os.path.join(folder, "report.html"))
    check_self_contained(page, "file://" + os.path.join(folder, "report.html"))
    report_png = os.path.join(shots, "report.png")
    with open(report_png, "wb") as fh:
        fh.write(page.png)
    keep(report_png)
    tables = Tables()
    tables.feed(page.dom)
    (ana,) = [r for r in tables.tables["athletes"] if r[0] == ATHLETE]
    assert ana[1] == "mastered"
    assert [(r[1], r[2]) for r in tables.tables["plan-ana-ruiz"]] == MOVES


def read_csv(folder: str, name: str) -> list[dict[str, str]]:
    with open(os.path.join(folder, name), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
