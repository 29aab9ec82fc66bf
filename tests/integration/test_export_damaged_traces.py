"""Exports that wait and say: a trace cut short, a trace that is not a file, a chart that could not
be drawn. The export still finishes; the README names each; nothing is listed that is not there."""
from __future__ import annotations

import csv
import os
import threading

import pytest

from device.export.run import export
from support.stores import build_store
from ui.chart_png import render_png

NOW = 1_700_000_500.0


def rows(folder: str) -> list[dict[str, str]]:
    with open(os.path.join(folder, "sets.csv"), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def readme(folder: str) -> str:
    return open(os.path.join(folder, "README.txt"), encoding="utf-8").read()


@pytest.fixture
def store(tmp_path):
    s = build_store(str(tmp_path / "data"), sets=3)
    yield s
    s.close()


def trace_of(store, set_id: int) -> str:
    return os.path.join(store.data_dir, store.set_row(set_id)["trace"])


def test_a_trace_cut_short_is_named_and_its_set_taken_again(store, tmp_path):
    path = trace_of(store, 2)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])  # the card lost the end of it
    first = export(store, str(tmp_path), chart=render_png, workers=0, now=NOW)
    assert first.sets == 3 and first.unmarked == [2]
    assert "set 2: its trace is cut short or damaged" in readme(first.folder)
    again = export(store, str(tmp_path), chart=render_png, workers=0, now=NOW + 5)
    assert again.sets == 1 and [r["set_id"] for r in rows(again.folder)] == ["2"]  # still new


def test_a_fifo_in_place_of_a_trace_is_refused_not_read(store, tmp_path):
    path = trace_of(store, 1)
    os.unlink(path)
    os.mkfifo(path)  # opened for reading, a FIFO with no writer blocks for ever
    done: list = []
    worker = threading.Thread(target=lambda: done.append(export(store, str(tmp_path), workers=0, now=NOW)),
                              daemon=True)
    worker.start()
    worker.join(30)
    assert done, "the export hung on the FIFO"
    result = done[0]
    assert result.sets == 3 and "set 1: trace not kept (not a regular file" in readme(result.folder)
    assert rows(result.folder)[0]["trace_file"] == "" and result.unmarked == [1]


def test_a_chart_that_cannot_be_drawn_is_not_listed(store, tmp_path):
    path = trace_of(store, 3)
    data = bytearray(open(path, "rb").read())
    data[20:60] = b"\x00" * 40  # damaged early: no series to draw
    open(path, "wb").write(bytes(data))
    result = export(store, str(tmp_path), chart=render_png, workers=0, now=NOW)
    listed = {r["set_id"]: r["chart_file"] for r in rows(result.folder)}
    assert listed["3"] == "" and listed["1"] and listed["2"]
    for name in listed.values():
        assert not name or os.path.exists(os.path.join(result.folder, name))
    assert "set 3: no chart" in readme(result.folder)
