"""A coach and an athlete through a real window: X key events in, event lines and screenshots out.

`smartdowel run --window 480x320 --scenario manual` runs on a virtual X
server (Xvfb) and is driven only with key presses sent through X (xdotool),
as a person at the keyboard would: add an athlete by typing with B and A,
place the dowel, hinge with a fault and without, open the menu mid-set while
the set ends and a new one starts, end the set, look at History, change
settings, restart and find them kept, plug a stick and export. Each step
asserts on the app's own event lines (the `screen` it reports included) and
on the pixels of a screenshot where the markers, the cue and the count must
be. Screenshots are kept in the test's folder for a person to look at.
"""
from __future__ import annotations

import csv
import glob
import json
import os
import subprocess
import sys
import time

import pytest

from support.xwindow import ROOT, App, Xvfb, count_colour, missing_tools

pytestmark = [pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())}"),
              pytest.mark.slow]  # a real window, played at a person's pace: started early in parallel runs

VERMILLION, GREEN, TEXT = (213, 94, 0), (0, 158, 115), (246, 246, 246)
COUNTER = (0, 0, 170, 150)  # the rep count's corner of the live screen at 480x320
FIGURE = (170, 0, 200, 185)  # the athlete and the contact markers
BAND = (0, 185, 480, 135)  # the cue band
WHEEL = [*"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "Space", "-", "Delete", "Save", "Cancel"]


def type_name(app: App, name: str) -> None:
    """Two-button text entry: B turns the wheel to the letter, A types it; then Save."""
    at = 0
    for item in [*name.upper(), "Save"]:
        want = WHEEL.index(item)
        app.keys(*["b"] * ((want - at) % len(WHEEL)), gap=0.05)
        app.keys("space")
        at = want


def hinge(app: App, lift: str | None = None) -> dict:
    """One rep: down to about 45 degrees (a contact off and back at the bottom if asked), up again.

    With `lift`, the screenshot taken while the contact is off is `app.cue_shot`."""
    start = app.mark()
    app.keys(*["Down"] * 9, gap=0.06)
    app.wait_type("rep_started", 5, start)
    if lift:
        key = {"head": "1", "upper_back": "2", "sacrum": "3"}[lift]
        app.keys(key)
        app.wait_type("contact_lost", 5, start, contact=lift)
        time.sleep(0.25)  # a frame or two
        app.cue_shot = app.shot("live-cue")
        app.keys(key)
        app.wait_type("contact_restored", 5, start, contact=lift)
    app.keys(*["Up"] * 10, gap=0.06)
    return app.wait_type("rep_completed", 8, start)


def test_a_session_as_a_coach_and_an_athlete_would_play_it(tmp_path):
    began = time.monotonic()
    shots = tmp_path / "shots"
    shots.mkdir()
    media = tmp_path / "media"
    media.mkdir()
    config = tmp_path / "box.toml"
    mounts = tmp_path / "mounts"  # the box's table of mounted sticks, as /proc/mounts lists them
    mounts.write_text("")
    config.write_text(f'[data]\ndir = "{tmp_path / "data"}"\nusb_roots = ["{media}"]\n'
                      f'mounts_file = "{mounts}"\n')
    x = Xvfb()
    app = None
    try:
        app = App(x, str(config), shots)
        assert app.screen() == "place"

        # an athlete added on the box: menu, Athlete, Add athlete, typed with B and A
        app.keys("b", "b", "b", "space")
        app.wait_screen("athletes")
        app.keys("b", "space")
        app.wait_screen("name")
        mark = app.mark()
        type_name(app, "Sam")
        app.wait_type("command", 5, mark, do="add_athlete", name="Sam")
        app.wait_screen("place", after=mark)

        # the dowel placed with a key; a rep with the sacrum off, a clean one
        mark = app.mark()
        app.keys("d")
        app.wait_type("ready", 10, mark)
        app.wait_screen("live", after=mark)
        first = hinge(app, lift="sacrum")
        assert first["faults"] == ["sacrum"]
        cue = app.cue_shot
        assert count_colour(cue, FIGURE, VERMILLION) > 40, "no X on the sacrum marker"
        assert count_colour(cue, BAND, TEXT) > 2000, "no cue words in the band"
        assert hinge(app)["faults"] == []
        live = app.shot("live-2-reps")
        assert count_colour(live, COUNTER, TEXT) > 1500, "no rep count where it must be"
        assert count_colour(live, FIGURE, GREEN) > 200, "contact markers not green in contact"

        # finding 1: the menu open while the set ends and a new one starts; Back must not end it
        app.keys("b")
        app.wait_screen("menu")
        mark = app.mark()
        app.keys("d")  # dowel off: set 1 ends behind the menu
        app.wait_type("dowel_removed", 5, mark)
        time.sleep(1.0)  # the dowel is off a moment, as a person would take it off
        app.keys("d")  # and on again: set 2 starts behind the menu
        app.wait_type("ready", 10, mark)
        time.sleep(0.3)
        assert app.screen() == "menu"
        menu = app.shot("menu-set-running")
        assert count_colour(menu, (240, 0, 240, 40), VERMILLION) > 10, "no set-running mark"
        app.keys("space")  # Back, as the menu showed
        app.wait_screen("live", after=mark)
        assert not app.since(mark, "set_ended"), "a press meant for the menu ended the set"
        assert hinge(app)["rep"] == 1
        mark = app.mark()
        app.keys("space")  # A on the live screen: end the set
        assert app.wait_type("set_ended", 5, mark)["reps"] == 1
        app.wait_screen("summary", after=mark)
        summary = app.shot("summary")
        assert count_colour(summary, (0, 30, 220, 60), TEXT) > 300, "no rep count on the summary"

        # History: Sam's sets, newest first; the newest opened with its summary
        mark = app.mark()
        app.keys("b", "b", "space")
        app.wait_screen("history", after=mark)
        app.keys("b", "space")
        app.wait_type("command", 5, mark, do="open_set")
        app.wait_screen("past_set", after=mark)
        app.shot("past-set")
        app.keys("space", "b", "b", "space")  # back to History, down to Back, to the menu
        app.wait_screen("menu", after=mark)

        # settings: feedback by hand to "fading" (from the plan's, through "every rep"), sound muted; then quit
        mark = app.mark()
        app.keys("b", "b", "space")
        app.wait_screen("settings", after=mark)
        app.keys("space", "space", "b", "space")
        app.wait_type("command", 5, mark, do="setting", key="mute")
        app.shot("settings")
        assert app.quit() == 0

        # restart: the athlete and the settings are still there
        app = App(x, str(config), shots)
        restored = app.wait_type("restored", 5)  # the store opens behind the cues
        assert restored["athlete"] == "Sam"
        assert restored["settings"]["schedule"] == "faded" and restored["settings"]["mute"] is True
        mark = app.mark()
        app.keys("d")
        app.wait_type("ready", 10, mark)
        hinge(app)
        app.keys("d")
        app.wait_type("dowel_removed", 5, mark)
        app.wait_screen("summary", after=mark)

        # a stick (a folder under the configured roots) with athletes.csv: imported, then export
        mark = app.mark()
        stick = media / "STICK"
        stick.mkdir()
        (stick / "athletes.csv").write_text("name\nAlex\n")
        mounts.write_text(f"/dev/sdz1 {stick} vfat rw,nosuid,nodev,noexec 0 0\n")
        app.wait_type("usb", 10, mark)
        app.wait_screen("export", after=mark)
        done = app.wait_type("export", 60, mark)
        assert done["ok"], done
        time.sleep(0.3)
        exported = app.shot("export-done")
        assert count_colour(exported, (0, 0, 480, 320), GREEN) > 2000, "no green tick / safe to remove"
        assert app.quit() == 0
        app = None
    finally:
        if app is not None:
            app.kill()
        x.close()

    # what the coach takes home: numbers per athlete and the settings each set ran with
    sets = _sets_csv(stick)
    sam = [r for r in sets if r["athlete"] == "Sam"]
    assert [r["athlete_set_number"] for r in sam] == ["1", "2", "3"]
    assert [(r["schedule"], r["mute"]) for r in sam] == [("every", "0"), ("every", "0"), ("faded", "1")]
    listed = json.loads(subprocess.run([sys.executable, "-m", "device.cli", "sessions", "--json", "--data",
                                        str(tmp_path / "data")], capture_output=True, text=True,
                                       cwd=ROOT, check=True).stdout)
    numbers = [s["athlete_set_number"] for session in listed["sessions"] for s in session["sets"]]
    assert numbers == [1, 2, 3]
    assert time.monotonic() - began < 180


def _sets_csv(stick) -> list[dict[str, str]]:
    folders = glob.glob(os.path.join(stick, "smartdowel-export-*"))
    assert len(folders) == 1, folders
    with open(os.path.join(folders[0], "sets.csv"), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
