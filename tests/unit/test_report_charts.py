"""The report's charts: sizes, labelled axes, a legend, and the pressure floor clear of the tilt labels."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from device.export.report.charts import contacts_chart, date_ticks, day_number
from device.export.report.reading import Loss, Rep, SetRec
from device.export.report.setchart import Series, _reduce, set_chart

WHEN = datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc)


def a_set() -> SetRec:
    s = SetRec("f", {"set_number": "1"}, "Ana", WHEN, WHEN, "", 1)
    s.reps = [Rep(1.0, 3.4, 50.0, 2.4, 1.0, 0.4, 1.0, True), Rep(4.0, 6.4, 48.0, 2.4, 1.0, 0.4, 1.0, False)]
    s.losses = [Loss("sacrum", "bottom", 5.0, 0.4)]
    return s


def texts(svg: str) -> list[tuple[float, str]]:
    return [(float(y), t) for y, t in re.findall(r'<text x="[^"]+" y="([^"]+)"[^>]*>([^<]*)</text>', svg)]


def test_set_chart_is_large_labelled_and_keeps_the_floor_clear():
    t = [i / 10 for i in range(-20, 80)]
    series = Series(t, {c: [100.0] * len(t) for c in ("head", "upper_back", "sacrum")}, [3.0 + 40 * (x > 1) for x in t])
    svg = set_chart(a_set(), series, "a set")
    w, h = map(float, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    assert w > 600 and h > 250
    words = [t for _, t in texts(svg)]
    for label in ("time from the start of the set (s)", "tilt (°)", "pressure (% of standing)", "Head", "Upper back",
                  "Sacrum", "tilt"):
        assert label in words, label
    floor = max(y for y, t in texts(svg) if t == "0 %")
    tilt_labels = [y for y, t in texts(svg) if t.endswith("°") and t[:-1].isdigit()]
    assert min(tilt_labels) - floor > 40  # the pressure's 0 % and the tilt's top label never meet
    assert svg.count('fill-opacity="0.25"') == 1  # the one loss, shaded


def test_reduction_keeps_a_dip_shorter_than_a_bucket():
    rows = [(i / 100, [1e-4, 1e-4, 0.0 if 500 <= i < 503 else 1e-4], 10.0) for i in range(2000)]
    series = _reduce(rows, [1e-4] * 3, 100)
    assert len(series.t) == 100 and min(series.pressure["sacrum"]) == 0.0
    assert min(series.pressure["head"]) > 99.0  # no dip where there was none


def test_date_ticks_stay_in_range_and_name_the_year():
    lo, hi = day_number(WHEN), day_number(WHEN) + 300
    ticks = date_ticks(lo, hi)
    assert 4 <= len(ticks) <= 12 and all(lo - 1 <= x <= hi + 1 for x, _ in ticks)
    assert "2026" in ticks[0][1]


def test_contact_bars_end_inside_the_frame_on_a_tick():
    table = {"head": {"descent": 0, "bottom": 0, "ascent": 3, "standing": 0, "": 0},
             "upper_back": {"descent": 15, "bottom": 0, "ascent": 0, "standing": 0, "": 0},
             "sacrum": {"descent": 0, "bottom": 22, "ascent": 0, "standing": 0, "": 0}}
    svg = contacts_chart(table)
    labels = [t for _, t in texts(svg)]
    assert "25" in labels and "22" in labels and "at the bottom" in labels
