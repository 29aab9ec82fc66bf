"""Trace files v1: round trip, and one clear line for every kind of bad input."""
import subprocess
import sys

import pytest

from device.cli.main import main
from device.core.signal import Sample, SignalChain
from device.store.trace import TraceError, TraceReader, TraceWriter

GOOD = ("# smartdowel-trace v1\n"
        "# adc=ads1115 pga_v=4.096 vcc_v=3.3 divider_ohm=10000 rate_hz=100\n"
        "t,head,upper_back,sacrum,pitch\n"
        "0.0000,14,13,14,0.95\n"
        "0.0100,15,12,-3,1.05\n")


def write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_round_trip(tmp_path):
    chain = SignalChain(rate_hz=50)
    samples = [Sample(0.0, 1, 2, 3, 4.5), Sample(0.02, -7, 26000, 5, None), Sample(0.04, 0, 0, 0, 1.0)]
    path = str(tmp_path / "x.csv")
    with TraceWriter(path, chain) as w:
        for s in samples:
            w.write(s)
    with TraceReader(path) as r:
        assert r.chain == chain and r.has_pitch
        assert list(r) == samples


def test_writer_is_atomic(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with TraceWriter(str(path), SignalChain()) as w:
            w.write(Sample(0.0, 1, 2, 3, 0.0))
            raise RuntimeError("power cut")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_unknown_keys_and_extra_columns_are_ignored(tmp_path):
    text = GOOD.replace("rate_hz=100", "rate_hz=100 board=pi5 note").replace(
        "sacrum,pitch", "sacrum,pitch,temp").replace("0.95\n", "0.95,21\n").replace("1.05\n", "1.05,21\n")
    with TraceReader(write(tmp_path, text)) as r:
        assert len(list(r)) == 2 and r.header["board"] == "pi5"


def test_no_pitch_column(tmp_path):
    text = GOOD.replace(",pitch", "").replace(",0.95", "").replace(",1.05", "")
    with TraceReader(write(tmp_path, text)) as r:
        assert not r.has_pitch and [s.pitch for s in r] == [None, None]


@pytest.mark.parametrize("text, line, words", [
    ("", 0, "empty file"),
    ("# smartdowel-trace v2\nt,head,upper_back,sacrum\n0,1,2,3\n", 1, "unknown trace version '2'"),
    ("t,head,upper_back,sacrum\n0,1,2,3\n", 1, "not a smartdowel trace"),
    (GOOD.replace("t,head,upper_back,sacrum,pitch", "t,head,sacrum,pitch"), 3, "missing column upper_back"),
    (GOOD.replace("0.0100,15,12,-3,1.05", "0.0100,15,x12,-3,1.05"), 5, "column upper_back: 'x12'"),
    (GOOD.replace("0.0100,15,12,-3,1.05", "0.0100,15,12"), 5, "3 values, expected 5"),
    (GOOD.replace("0.0100", "-0.0100"), 5, "time goes backwards"),
    (GOOD.replace("0.0100", "nan"), 5, "t is not a number"),
    (GOOD.replace("1.05", "1,05"), 5, None),  # extra cell: ignored as an extra column would be
    (GOOD.replace(",15,12,", ",15,99999,"), 5, "count outside the ads1115 range"),
    (GOOD.replace("pga_v=4.096", "pga_v=four"), 2, "header key pga_v: 'four' is not a number"),
    (GOOD.replace("vcc_v=3.3", "vcc_v=-3.3"), 2, "header key vcc_v"),
    (GOOD.replace("adc=ads1115", "adc=hx711"), 2, "header key adc"),
    ("\n".join(GOOD.splitlines()[:3]) + "\n", 3, "no samples"),
    ("# smartdowel-trace v1\n", 1, "no column line"),
])
def test_bad_input_names_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    if words is None:
        with TraceReader(path) as r:
            assert len(list(r)) == 2
        return
    with pytest.raises(TraceError) as err:
        with TraceReader(path) as r:
            list(r)
    assert err.value.line == line
    assert words in str(err.value)
    assert str(err.value).startswith(path)


def test_binary_junk_is_a_clear_error(tmp_path):
    p = tmp_path / "junk.csv"
    p.write_bytes(b"# smartdowel-trace v1\nt,head,upper_back,sacrum\n\xff\xfe\x00\x81\n")
    with pytest.raises(TraceError, match="not UTF-8"):
        list(TraceReader(str(p)))


def test_cli_bad_trace_one_line_exit_2(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("0.0100", "-0.0100"))
    assert main(["replay", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}:5: time goes backwards" in err
    assert "Traceback" not in err


def test_cli_missing_file(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "nope.csv")]) == 2
    assert "cannot open" in capsys.readouterr().err


def test_console_script_runs_without_traceback(tmp_path):
    path = write(tmp_path, "")
    p = subprocess.run([sys.executable, "-m", "device.cli", "replay", path],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "empty file" in p.stderr and "Traceback" not in p.stderr


def test_replay_table_format(tmp_path, capsys):
    from support.signals import make_samples, with_placement
    samples = make_samples(with_placement({}), 4.0)
    path = str(tmp_path / "s.csv")
    with TraceWriter(path, SignalChain()) as w:
        for s in samples:
            w.write(s)
    assert main(["replay", path, "--format", "table"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out] == ["calibrating", "ready"]
