"""Two boxes, one athlete who improves over two weeks, real exports, and the report over them.

Box A records the athlete's sessions (support/athletes.py: the real Plan picks
each set's schedule and its state and stage changes are kept in the store as
the box keeps them) and is exported by the real `smartdowel export`, which
writes the box id and the plan's columns: the first week, the same again with
--all (every set seen twice), then the second week's new sets on another
stick. Box B is a box from before the plan (no plan in its store, every fault
cued): the athlete's name typed in another case, and a second athlete.
`smartdowel report` reads all three folders.

    python tests/support/report_scene.py --docs    # refresh docs/report-example.png
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from device.store.box import box_id  # noqa: E402
from device.store.store import Store  # noqa: E402
from support.athletes import DAYS, ImprovingAthlete, PlanLog, improving_athlete  # noqa: E402
from support.processes import run_cli  # noqa: E402
from support.repo import REPO  # noqa: E402

START = datetime(2026, 3, 2, 17, 0)
ATHLETE, ATHLETE_ON_B = "Ana Ruiz", "ana RUIZ"


@dataclass
class Scene:
    data: dict[str, str]  # box name -> data folder
    exports: list[str]  # the folders the report reads
    log: PlanLog
    box_a: str
    out: str


def smartdowel(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, as a person types it."""
    return run_cli(*args, timeout=300)


def _export(data: str, stick: str, *more: str) -> str:
    os.makedirs(stick, exist_ok=True)
    before = set(os.listdir(stick))
    done = smartdowel("export", stick, "--data", data, *more)
    assert done.returncode == 0, done.stderr
    (new,) = set(os.listdir(stick)) - before
    return os.path.join(stick, new)


def build(root: str) -> Scene:
    """Stores, exports and the report under `root`."""
    data_a, data_b = os.path.join(root, "box-a"), os.path.join(root, "box-b")
    a = box_id(data_a)
    stick_1, stick_2 = os.path.join(root, "stick-1"), os.path.join(root, "stick-2")
    with Store.open(data_a) as store:
        athlete = ImprovingAthlete(store, ATHLETE, START)
        log = athlete.train(DAYS[:6])
    first = _export(data_a, stick_1)
    again = _export(data_a, stick_1, "--all")  # the same sets again
    with Store.open(data_a) as store:
        athlete.store = store
        athlete.train(DAYS[6:])
    latest = _export(data_a, stick_2)
    with Store.open(data_b) as store:  # a box from before the plan: every fault cued, no plan kept
        improving_athlete(store, ATHLETE_ON_B, START + timedelta(hours=3), days=(3,), sets_per_day=2, seed=3,
                          keep_plan=False)
        improving_athlete(store, "Ben Okafor", START + timedelta(days=3), days=(0, 2, 7), sets_per_day=3, seed=11,
                          keep_plan=False)
    older_box = _export(data_b, stick_2)
    out = os.path.join(root, "report")
    done = smartdowel("report", stick_1, stick_2, "-o", out)
    assert done.returncode == 0, done.stderr
    return Scene({"a": data_a, "b": data_b}, [first, again, latest, older_box], log, a, out)


def main() -> int:
    """--docs: the report of this scene with four set charts, Ana's section, as docs/report-example.png."""
    import tempfile

    import pygame

    from support.browser import open_page
    if sys.argv[1:] != ["--docs"]:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as root:
        scene = build(root)
        done = smartdowel("report", *scene.exports, "-o", scene.out, "--charts", "4")
        assert done.returncode == 0, done.stderr
        page = open_page(os.path.join(scene.out, "report.html"),
                         measure="document.getElementById('athlete-ben-okafor').offsetTop")
        assert not (page.failed or page.console_errors), (page.failed, page.console_errors)
        shot = os.path.join(root, "page.png")
        with open(shot, "wb") as fh:
            fh.write(page.png)
        full = pygame.image.load(shot)
        crop = full.subsurface((0, 0, page.size[0], int(page.measured) - 30))
        target = os.path.join(str(REPO), "docs", "report-example.png")
        pygame.image.save(crop, target + ".tmp.png")
        os.replace(target + ".tmp.png", target)
    print(f"{target}: {crop.get_width()}x{crop.get_height()}, {os.path.getsize(target) / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
