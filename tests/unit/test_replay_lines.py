"""The event lines of `smartdowel replay` are a fixed interface: byte for byte, on recorded traces.

tests/data/replay/ holds simulated traces (gzip) and the lines replay printed for
them; a change to the detector that changes a line must be made on purpose, and
then the expected lines are regenerated from the decompressed trace with
`smartdowel replay NAME.csv > NAME.jsonl`, and the change explained in the commit.
"""
from __future__ import annotations

import gzip

import pytest

from support.repo import REPO
from device.cli.main import main

DATA = REPO / "tests" / "data" / "replay"
NAMES = sorted(p.name[:-len(".csv.gz")] for p in DATA.glob("*.csv.gz"))


def test_there_are_recorded_traces():
    assert len(NAMES) >= 4


@pytest.mark.parametrize("name", NAMES)
def test_replay_prints_the_same_lines(name, tmp_path, capsys):
    trace = tmp_path / f"{name}.csv"
    trace.write_bytes(gzip.decompress((DATA / f"{name}.csv.gz").read_bytes()))
    assert main(["replay", str(trace)]) == 0
    assert capsys.readouterr().out == (DATA / f"{name}.jsonl").read_text()
