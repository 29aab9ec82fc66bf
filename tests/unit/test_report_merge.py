"""The report's reading and merging: folders from several boxes, athletes by name, sets seen twice, the CSVs."""
from __future__ import annotations

import csv
import io
import os
import shutil

import pytest

from device.cli.main import main
from device.export.report import ReportError, write_report
from device.export.report.merge import find_exports, merge, read_all
from device.export.report.reading import name_key, read_export
from device.export.report.tables import COACH_COLUMNS, athlete_csvs
from support.exports import small_export

DAY = "2026-03-02T17:0{}:00+01:00"


def starts(*minutes: int) -> list[str]:
    return [DAY.format(m) for m in minutes]


def rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheet programs read UTF-8 names right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_reads_an_export_without_the_newer_columns(tmp_path):
    folder = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0, 5))
    got = read_export(folder)
    assert got.box_id == "" and [s.set_id for s in got.sets] == [1, 2]
    assert [(len(s.reps), s.clean_reps, s.stage) for s in got.sets] == [(2, 1, ""), (2, 1, "")]
    assert got.plan == []


def test_athletes_match_by_name_across_boxes(tmp_path):
    a = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana Ruiz", starts(0), "aaaaaaaaaaaa")
    b = small_export(str(tmp_path / "smartdowel-export-2026-03-03T18-00-00"), "  ana   RUIZ", starts(7),
                     "bbbbbbbbbbbb")
    c = small_export(str(tmp_path / "smartdowel-export-2026-03-04T18-00-00"), "Ben", starts(1), "bbbbbbbbbbbb",
                     first_id=9)
    merged = read_all([a, b, c])
    assert [x.key for x in merged.athletes] == ["ana ruiz", "ben"]
    ana = merged.athletes[0]
    assert [(s.box_id, s.set_id) for s in ana.sets] == [("aaaaaaaaaaaa", 1), ("bbbbbbbbbbbb", 1)]  # oldest first
    assert ana.name == "  ana   RUIZ" and ana.boxes == {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}
    assert name_key("'=Ana") == name_key("=ANA")  # the export's formula quote is not part of the name


def test_sets_seen_twice_are_counted_once(tmp_path):
    first = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0, 5))
    again = str(tmp_path / "stick2" / "smartdowel-export-2026-03-02T18-00-00")
    shutil.copytree(first, again)  # the same export on two sticks
    later = small_export(str(tmp_path / "smartdowel-export-2026-03-05T18-00-00"), "Ana", starts(0, 5, 9))  # --all
    merged = read_all([first, again, later])
    assert (merged.sets_read, merged.duplicates) == (7, 4)
    assert [s.set_id for s in merged.athletes[0].sets] == [1, 2, 3]
    assert all(s.folder == later for s in merged.athletes[0].sets)  # the newest copy is kept


def test_box_and_number_name_a_set_but_not_across_a_new_database(tmp_path):
    old = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0), "aaaaaaaaaaaa")
    new_db = small_export(str(tmp_path / "smartdowel-export-2026-03-09T18-00-00"), "Ana", starts(3),
                          "aaaaaaaaaaaa")  # set 1 again: the database was moved aside
    other = small_export(str(tmp_path / "smartdowel-export-2026-03-10T18-00-00"), "Ana", starts(4),
                         "cccccccccccc")  # set 1 of another box
    merged = read_all([old, new_db, other])
    assert merged.duplicates == 0 and len(merged.athletes[0].sets) == 3


def test_an_old_export_and_a_new_one_of_the_same_set_are_one(tmp_path):
    old = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0))
    new = small_export(str(tmp_path / "smartdowel-export-2026-03-09T18-00-00"), "Ana", starts(0), "aaaaaaaaaaaa")
    merged = read_all([old, new])
    assert merged.duplicates == 1 and merged.athletes[0].sets[0].box_id == "aaaaaaaaaaaa"


def test_only_the_newest_export_of_each_box_is_new(tmp_path):
    a1 = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0), "aaaaaaaaaaaa")
    a2 = small_export(str(tmp_path / "smartdowel-export-2026-03-03T18-00-00"), "Ana", starts(6), "aaaaaaaaaaaa",
                      first_id=2)
    b1 = small_export(str(tmp_path / "smartdowel-export-2026-03-01T18-00-00"), "Ana", starts(8), "bbbbbbbbbbbb")
    merged = merge([read_export(p) for p in (a1, a2, b1)])
    assert {(s.box_id, s.set_id): s.new for s in merged.athletes[0].sets} == {
        ("aaaaaaaaaaaa", 1): False, ("aaaaaaaaaaaa", 2): True, ("bbbbbbbbbbbb", 1): True}


def test_a_folder_of_exports_is_read_whole_and_partials_refused(tmp_path):
    stick = tmp_path / "stick"
    small_export(str(stick / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0))
    small_export(str(stick / "smartdowel-export-2026-03-03T18-00-00"), "Ana", starts(5), first_id=2)
    (stick / "smartdowel-export-2026-03-04T18-00-00.partial").mkdir()
    assert [os.path.basename(p) for p in find_exports([str(stick)])] == [
        "smartdowel-export-2026-03-02T18-00-00", "smartdowel-export-2026-03-03T18-00-00"]
    with pytest.raises(ReportError, match=r"\.partial.*did not finish"):
        find_exports([str(stick / "smartdowel-export-2026-03-04T18-00-00.partial")])


def test_the_cumulative_csvs_coach_first_engineering_apart(tmp_path):
    folder = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0, 5),
                          "aaaaaaaaaaaa", reps=[[(50.0, True)] * 3 + [(40.0, False)], [(60.0, True)] * 2],
                          losses=[(0, "sacrum", "bottom"), (0, "sacrum", "bottom"), (0, "head", "ascent")],
                          extra={"plan_stage": "fade", "schedule": "faded", "future_column": "kept"})
    (ana,) = read_all([folder]).athletes
    coach, eng = (rows(x) for x in athlete_csvs(ana))
    assert list(coach[0]) == [c for c, _ in COACH_COLUMNS]
    assert [(r["reps"], r["clean_reps"], r["clean_pct"], r["mean_depth_deg"]) for r in coach] == [
        ("4", "3", "75.0", "47.5"), ("2", "2", "100.0", "60.0")]
    assert (coach[0]["sacrum_losses"], coach[0]["head_losses"], coach[0]["breaks_most"]) == \
        ("2", "1", "sacrum, at the bottom")
    assert (coach[0]["plan_stage"], coach[0]["cues"], coach[0]["session"]) == ("fade", "faded", "1")
    assert [r["set_ref"] for r in eng] == [r["set_ref"] for r in coach] == ["aaaaaaaaaaaa/1", "aaaaaaaaaaaa/2"]
    assert eng[0]["future_column"] == "kept" and eng[0]["export_folder"] == os.path.basename(folder)
    assert "baseline_head_us" not in coach[0]


def test_write_report_makes_a_self_contained_page(tmp_path):
    folder = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Zoë =Smith", starts(0, 5))
    result = write_report([folder], str(tmp_path / "out"))
    html = open(result.html, encoding="utf-8").read()
    assert sorted(os.listdir(tmp_path / "out")) == ["report.html", "zoe-smith-sets-engineering.csv",
                                                    "zoe-smith-sets.csv"]
    for banned in ("<script", "http://", "https://", " src=", " href=", "@import", "url("):
        assert banned not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), banned
    assert 'id="sessions-zoe-smith"' in html and "Zoë =Smith" in html


@pytest.mark.parametrize("damage, words", [
    (lambda f: os.remove(os.path.join(f, "reps.csv")), "reps.csv: missing"),
    (lambda f: _replace(f, "sets.csv", "20.0", "twenty"), "sets.csv:2: column duration_s: 'twenty' is not a number"),
    (lambda f: _replace(f, "sets.csv", "set_id,", "id,"), "sets.csv:1: missing column set_id"),
    (lambda f: _replace(f, "sets.csv", "+01:00", ""), "has no UTC offset"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, damage, words):
    folder = small_export(str(tmp_path / "smartdowel-export-2026-03-02T18-00-00"), "Ana", starts(0))
    damage(folder)
    assert main(["report", folder, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and folder in err


def test_not_an_export_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    assert "not a smartdowel export" in capsys.readouterr().err


def _replace(folder: str, name: str, old: str, new: str) -> None:
    path = os.path.join(folder, name)
    text = open(path, encoding="utf-8-sig").read()
    assert old in text
    open(path, "w", encoding="utf-8").write(text.replace(old, new, 1))
