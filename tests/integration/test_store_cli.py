"""`smartdowel sessions` and `smartdowel export` from the terminal, and the app's background export."""
from __future__ import annotations

import argparse
import csv
import json
import os

import pytest

from device.core.signal import SignalChain
from device.export.job import ExportJob
from device.cli.main import main
from device.cli import export, sessions
from device.store.recorder import SetRecorder
from device.store.store import Store
from support.recording import fake_set
from support.stores import ATHLETE, build_store


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="smartdowel")
    sub = p.add_subparsers(dest="command", required=True)
    sessions.add_parser(sub)  # what device/cli/main.py does
    export.add_parser(sub)
    return p


@pytest.fixture
def data(tmp_path):
    folder = str(tmp_path / "data")
    build_store(folder).close()
    return folder


def test_sessions_table_and_json(data, capsys):
    assert main(["sessions", "--data", data]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"session 1  {ATHLETE}"
    assert len(out) == 4 and all("  4 reps" in line and "dowel_removed" in line and line.endswith("new")
                                 for line in out[1:])
    assert main(["sessions", "--json", "--data", data]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["data_dir"] == data and [s["athlete"] for s in doc["sessions"]] == [ATHLETE]
    sets = doc["sessions"][0]["sets"]
    assert [(s["set_id"], s["reps"], s["contact_losses"], s["exported"]) for s in sets] == \
        [(1, 4, 2, False), (2, 4, 2, False), (3, 4, 2, False)]


def test_sessions_with_nothing_recorded(tmp_path, capsys):
    assert main(["sessions", "--data", str(tmp_path)]) == 0
    assert "no sessions yet" in capsys.readouterr().out
    assert main(["sessions", "--json", "--data", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["sessions"] == []
    assert not os.listdir(tmp_path)  # listing creates nothing


def test_export_command(data, tmp_path, capsys):
    stick = tmp_path / "stick"
    stick.mkdir()
    args = parser().parse_args(["export", str(stick), "--data", data])
    assert args.func(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    folder = os.path.join(str(stick), os.listdir(stick)[0])
    assert out[-1].startswith(f"exported 3 sets (12 reps, 1 session) to {folder} in ")
    assert out[-1].endswith("safe to remove the stick")
    assert main(["export", str(stick), "--data", data]) == 0
    assert capsys.readouterr().out.strip() == "nothing new to export (--all exports every set again)"
    assert main(["sessions", "--data", data]) == 0
    assert capsys.readouterr().out.count("exported") == 3
    assert main(["export", str(stick), "--all", "--data", data, "--progress"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["progress 1/3", "progress 2/3", "progress 3/3"] and "exported 3 sets" in out[-1]


def test_export_to_bad_media_is_one_line_and_exit_2(data, tmp_path, capsys):
    assert main(["export", str(tmp_path / "nowhere" / "deeper"), "--data", data]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smartdowel: export failed: no folder") and "nowhere" in err[0]
    assert main(["export", str(tmp_path), "--data", str(tmp_path / "nodata")]) == 2
    assert "no database here yet" in capsys.readouterr().err


def test_a_broken_database_is_reported_not_moved(tmp_path, capsys):
    (tmp_path / "smartdowel.db").write_bytes(b"not a database" * 100)
    assert main(["sessions", "--data", str(tmp_path)]) == 2
    assert "cannot open the database" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["smartdowel.db", "traces"]


def test_the_background_export_job(data, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    job = ExportJob(data, str(stick)).start()
    assert job.wait(60) and job.ok, job.message
    assert job.message.startswith("exported 3 sets") and job.progress == (3, 3)
    bad = ExportJob(data, str(tmp_path / "gone")).start()
    assert bad.wait(60) and not bad.ok
    assert bad.message.startswith("smartdowel: export failed: no folder")


def test_an_empty_set_is_in_neither_sessions_nor_the_export(tmp_path, capsys):
    """Finding 10: a set only placed and taken off (no rep, no loss) on a working card was kept as
    "0 reps", numbered, listed and exported."""
    data = str(tmp_path / "data")
    with Store.open(data) as store:
        rec = SetRecorder(store, SignalChain(), clock=lambda: 1_700_000_000.0)
        t = fake_set(rec, 10.0, 2)
        t = fake_set(rec, t + 5, 0)  # placed, calibrated, taken off: nothing in it
        fake_set(rec, t + 5, 1)
        rec.close()
        assert rec.errors == 0, rec.last_error
    assert main(["sessions", "--json", "--data", data]) == 0
    sets = [s for session in json.loads(capsys.readouterr().out)["sessions"] for s in session["sets"]]
    assert [(s["reps"], s["number"], s["athlete_set_number"]) for s in sets] == [(2, 1, 1), (1, 2, 2)]
    assert main(["sessions", "--data", data]) == 0
    listed = capsys.readouterr().out.splitlines()[1:]
    assert len(listed) == 2 and not any(" 0 reps" in line for line in listed)
    assert len(os.listdir(os.path.join(data, "traces"))) == 2  # its trace went with it
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--data", data]) == 0
    (folder,) = stick.iterdir()
    with open(folder / "sets.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["reps"], r["athlete_set_number"]) for r in rows] == [("2", "1"), ("1", "2")]


def _screen_says_done(box) -> int:
    """N of "Set N done", as the summary screen draws it."""
    import pygame
    from ui.render import render
    vm = box.app.view.build()
    assert vm.screen == "summary", vm.screen
    said = [t.text for t in render(vm, pygame.Surface((480, 320))).texts]
    (heading,) = [t for t in said if t.startswith("Set ") and t.endswith(" done")]
    return int(heading.split()[1])


def test_the_screens_set_number_is_the_one_sessions_and_the_export_give(tmp_path, capsys):
    """Finding 11: the screen's "Set N done" counted per power-on while `sessions` and sets.csv
    numbered the athlete's sets; here two athletes' sets interleave across a restart."""
    from device.view.commands import AddAthlete, PickAthlete
    from support.simbox import SimBox, WallClock, at
    clock = WallClock(at(0))
    shown: list[tuple[str, int]] = []
    box = SimBox(str(tmp_path), clock)
    try:
        box.set()
        shown.append(("Guest", _screen_says_done(box)))
        box.app.submit(AddAthlete("Ana"))
        box.app.step(0)
        for _ in range(2):
            box.set(lost_at=(1,))
            shown.append(("Ana", _screen_says_done(box)))
    finally:
        box.close()
    box = SimBox(str(tmp_path), clock)  # a restart: Ana is still chosen
    try:
        box.set()
        shown.append(("Ana", _screen_says_done(box)))
        box.app.submit(PickAthlete("Guest"))
        box.app.step(0)
        box.set()
        shown.append(("Guest", _screen_says_done(box)))
    finally:
        box.close()
    assert shown == [("Guest", 1), ("Ana", 1), ("Ana", 2), ("Ana", 3), ("Guest", 2)]
    assert main(["sessions", "--json", "--data", box.data]) == 0
    listed = [(session["athlete"], s["athlete_set_number"])
              for session in json.loads(capsys.readouterr().out)["sessions"] for s in session["sets"]]
    assert listed == shown
    stick = tmp_path / "stick"
    stick.mkdir()
    assert main(["export", str(stick), "--data", box.data]) == 0
    (folder,) = stick.iterdir()
    with open(folder / "sets.csv", encoding="utf-8-sig", newline="") as fh:
        exported = [(r["athlete"], int(r["athlete_set_number"])) for r in csv.DictReader(fh)]
    assert exported == shown
