"""simulate -> replay end to end: the CLI pair a newcomer runs, scored against the truth."""
import json
import sys

import pytest

from support.repo import REPO

sys.path.insert(0, str(REPO / "bench"))

from device.cli.main import main  # noqa: E402
from score import score_trace  # noqa: E402


def replay_events(path, capsys):
    assert main(["replay", path]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("scenario, extra", [
    ("typical", []), ("no_imu", []), ("hard", []), ("fast", []),
    ("typical", ["--rate", "50", "--jitter", "0.2", "--stall-every", "3", "--sags", "4",
                 "--bounces", "6", "--drift", "0.35", "--light-head"]),
])
def test_simulated_sets_are_replayed_exactly(tmp_path, capsys, scenario, extra):
    path = str(tmp_path / f"{scenario}.csv")
    assert main(["simulate", "--scenario", scenario, "--seed", "5", "-o", path] + extra) == 0
    with open(path[:-4] + ".truth.json") as fh:
        truth = json.load(fh)
    events = replay_events(path, capsys)
    score = score_trace(truth, events)
    assert score.found == score.faults and score.false_alarms == 0
    assert score.cause_ok == score.found
    assert max(score.latencies, default=0.0) <= 0.15  # stalls aside, most are under 20 ms
    if truth["imu"]:
        assert score.exact_traces == 1
    else:
        assert not [e for e in events if e["type"].startswith("rep_")]
    assert events[-1]["type"] == "dowel_removed"


def test_simulate_to_stdout_is_a_trace(capsys):
    assert main(["simulate", "--scenario", "clean", "--seed", "1", "--reps", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "# smartdowel-trace v1" and out[2] == "t,head,upper_back,sacrum,pitch"
    assert len(out) > 500


def test_simulate_unknown_scenario_is_a_clear_error(capsys):
    assert main(["simulate", "--scenario", "nope"]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err


def test_same_seed_same_trace(tmp_path):
    a, b = str(tmp_path / "a.csv"), str(tmp_path / "b.csv")
    main(["simulate", "--seed", "3", "-o", a])
    main(["simulate", "--seed", "3", "-o", b])
    assert open(a).read() == open(b).read()


def test_replay_reads_gzip_traces_as_the_box_keeps_them_even_cut_short(tmp_path, capsys):
    import gzip
    plain = str(tmp_path / "set.csv")
    assert main(["simulate", "--scenario", "typical", "--seed", "2", "-o", plain]) == 0
    data = open(plain, "rb").read()
    packed = tmp_path / "set.csv.gz"
    packed.write_bytes(gzip.compress(data))
    expected = replay_events(plain, capsys)
    assert replay_events(str(packed), capsys) == expected
    cut = tmp_path / "cut.csv.gz"  # a power cut: no trailer, the last block cut in half
    cut.write_bytes(packed.read_bytes()[: len(packed.read_bytes()) * 2 // 3])
    partial = replay_events(str(cut), capsys)
    assert partial and partial == expected[:len(partial)] and len(partial) < len(expected)
    named = tmp_path / "set.trace"  # told by its first bytes, not its name
    named.write_bytes(packed.read_bytes())
    assert replay_events(str(named), capsys) == expected
