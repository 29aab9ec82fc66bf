"""report.html from real exports of two boxes, opened in headless Chromium: nothing fetched, no console
errors, a full-page PNG, and the numbers on the page equal to the stores' own."""
from __future__ import annotations

import csv
import os
import sqlite3
from datetime import datetime

import pytest

from support.browser import Page, Tables, check_self_contained, chromium, open_page
from support.report_scene import ATHLETE, Scene, build

# Skips on a machine without Chromium; in CI (.ci/run installs it) a missing browser fails instead.
pytestmark = pytest.mark.skipif(chromium() is None and not os.environ.get("CI"),
                                reason="chromium missing (apt-get install chromium)")


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> Scene:
    return build(str(tmp_path_factory.mktemp("report-scene")))


@pytest.fixture(scope="module")
def page(scene) -> Page:
    return open_page(os.path.join(scene.out, "report.html"))


@pytest.fixture(scope="module")
def tables(page) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(page.dom)
    return parser.tables


def store_sessions(scene: Scene, athlete_key: str) -> list[tuple[str, int, int, int, float, float]]:
    """(start, sets, reps, clean reps, clean %, mean depth) of the athlete's sessions on both boxes, in order."""
    out = []
    for data in scene.data.values():
        db = sqlite3.connect(os.path.join(data, "smartdowel.db"))
        out += db.execute(
            "SELECT se.started_at, COUNT(DISTINCT st.id), COUNT(r.rep), SUM(r.faults = ''), AVG(r.depth_deg) "
            "FROM sessions se JOIN athletes a ON a.id = se.athlete_id JOIN sets st ON st.session_id = se.id "
            "JOIN reps r ON r.set_id = st.id WHERE lower(a.name) = ? GROUP BY se.id", (athlete_key,)).fetchall()
        db.close()
    out.sort()
    return [(datetime.fromtimestamp(t).astimezone().strftime("%Y-%m-%d %H:%M"), sets, reps, clean,
             round(100.0 * clean / reps, 1), round(depth, 1)) for t, sets, reps, clean, depth in out]


def test_the_page_loads_alone_and_renders(scene, page):
    check_self_contained(page, "file://" + os.path.join(scene.out, "report.html"))
    assert page.png.startswith(b"\x89PNG") and page.size[0] == 1100 and page.size[1] > 5000
    with open(os.path.join(scene.out, "report.png"), "wb") as fh:  # kept with the report, to look at
        fh.write(page.png)


def test_a_page_that_asks_for_anything_fails_the_check(tmp_path):
    (tmp_path / "style.css").write_text("p{color:red}")
    for body in ('<link rel="stylesheet" href="style.css">', '<img src="http://192.0.2.1/x.png">'):
        path = tmp_path / "page.html"
        path.write_text(f"<!DOCTYPE html><html><head>{body}</head><body><p>x</p></body></html>")
        with pytest.raises(AssertionError):
            check_self_contained(open_page(str(path)), f"file://{path}")


def test_session_numbers_on_the_page_are_the_stores(scene, tables):
    rows = tables["sessions-ana-ruiz"]
    expected = store_sessions(scene, ATHLETE.lower())
    assert len(rows) == len(expected) == 11  # ten on box A, one on box B, none twice
    for row, (start, sets, reps, clean, pct, depth) in zip(rows, expected):
        assert (row[0], int(row[4]), int(row[5]), int(row[6]), float(row[7]), float(row[8])) == \
            (start, sets, reps, clean, pct, depth)
    weeks = tables["weeks-ana-ruiz"]  # week, from, sessions, sets, reps, clean reps, ...
    assert (sum(int(r[4]) for r in weeks), sum(int(r[5]) for r in weeks)) == \
        (sum(e[2] for e in expected), sum(e[3] for e in expected))


def test_the_plan_on_the_page_is_the_plans(scene, tables, page):
    (ana,) = [r for r in tables["athletes"] if r[0] == ATHLETE]
    assert ana[1] == "mastered" and int(ana[3]) == 42
    assert [(r[1], r[2]) for r in tables["plan-ana-ruiz"]] == [(e.from_stage, e.to_stage) for _, e in scene.log.changes]
    reasons = [r[4] for r in tables["plan-ana-ruiz"]]
    assert any("retention test failed" in r for r in reasons) and reasons[-1].startswith("retention tests passed")


def test_contact_losses_on_the_page_are_the_stores(scene, tables):
    counts = {"Head": 0, "Upper back": 0, "Sacrum": 0}
    names = {"head": "Head", "upper_back": "Upper back", "sacrum": "Sacrum"}
    for data in scene.data.values():
        db = sqlite3.connect(os.path.join(data, "smartdowel.db"))
        for contact, n in db.execute(
                "SELECT l.contact, COUNT(*) FROM contact_losses l JOIN sets st ON st.id = l.set_id JOIN sessions se "
                "ON se.id = st.session_id JOIN athletes a ON a.id = se.athlete_id WHERE lower(a.name) = ? "
                "GROUP BY l.contact", (ATHLETE.lower(),)):
            counts[names[contact]] += n
        db.close()
    assert {r[0]: int(r[-2]) for r in tables["contacts-ana-ruiz"]} == counts


def test_the_cumulative_csv_shows_the_plan(scene):
    with open(os.path.join(scene.out, "ana-ruiz-sets.csv"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 42
    tests = [r["retention_test"] for r in rows if r["retention_test"]]
    assert tests[:2] == ["failed", "failed"] and tests[-1] == "passed" and "passed" in tests
    assert [r["plan_stage"] for r in rows if r["plan_stage"]][-1] == "mastered"
    assert {r["cues"] for r in rows if r["retention_test"]} == {"retention"}
