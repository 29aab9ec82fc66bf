"""Bad input everywhere a user or a stick can reach: traces, config files, athletes.csv.

Property: whatever the bytes, the reader either parses them or ends in its own
error type with a message naming the file (and the line, for traces); never
another exception, never a hang, never a file read whole when it has a limit.
Sizes are kept so the whole file runs in well under 20 s.
"""
from __future__ import annotations

import atexit
import contextlib
import io
import os
import random
import shutil
import tempfile

from hypothesis import HealthCheck, given, settings, strategies as st

from device.cli import main as cli
from device.app.config import Config, ConfigError, load_config
from device.store.trace import TraceError, TraceReader
from device.export.usb import MAX_ATHLETES, MAX_ATHLETES_BYTES, AthleteList, read_athletes
from drivers.sim import PRESETS, simulate

FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

# -- a good trace to cut and garble -------------------------------------------------------
HEADER = "# smartdowel-trace v1\n# adc=ads1115 pga_v=4.096 vcc_v=3.3 divider_ohm=10000 rate_hz=100\n"


def _good_trace(rows: int = 400) -> str:
    it, _ = simulate(PRESETS["clean"])
    lines = [HEADER, "t,head,upper_back,sacrum,pitch\n"]
    for i, (t, h, u, s, p) in enumerate(it):
        if i >= rows:
            break
        lines.append(f"{t:.4f},{h},{u},{s},{'' if p is None else f'{p:.2f}'}\n")
    return "".join(lines)


GOOD = _good_trace()
GOOD_BYTES = GOOD.encode()
TMP = tempfile.mkdtemp(prefix="fuzz-")
atexit.register(shutil.rmtree, TMP, True)  # the module's inputs, gone with the test process


def _write(name: str, data: bytes) -> str:
    path = os.path.join(TMP, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _read_all(path: str) -> int:
    """Parse the whole trace; TraceError must name the file and a line."""
    n = 0
    try:
        with TraceReader(path) as reader:
            for _ in reader:
                n += 1
    except TraceError as exc:
        text = str(exc)
        assert text.startswith(path), text
        assert exc.path == path
        # every content problem names the line (":N:"); an empty file has no line
        assert exc.line > 0 or "empty file" in text or "cannot open" in text, text
        assert f"{path}:{exc.line}:" in text or exc.line == 0, text
        return -1
    return n


def _replay(path: str) -> int:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["replay", path])
    assert code in (0, 2), code
    if code == 2:
        line = err.getvalue().strip()
        assert line.startswith("smartdowel: ") and "\n" not in line and path in line, line
        assert "Traceback" not in line
    return code


# -- mutations of a good trace ------------------------------------------------------------
CELLS = st.sampled_from(["", " ", "x", "1e309", "-1e309", "nan", "inf", "-inf", "1e400", "0x10",
                         "99999999999999999999999", "-32769", "32768", "1_0", "١٢", "½", "1.5",
                         "\x00", "\u2028", "﻿", "True", "None", "-0", "+5", " 7 "])


@st.composite
def mutated_traces(draw) -> bytes:
    data = GOOD_BYTES
    lines = data.split(b"\n")
    kind = draw(st.sampled_from(["truncate", "cell", "line", "junk", "encoding", "header", "combo"]))
    if kind in ("truncate", "combo"):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut]
        lines = data.split(b"\n")
    if kind in ("cell", "combo") and len(lines) > 3:
        i = draw(st.integers(2, len(lines) - 1))
        cells = lines[i].split(b",")
        j = draw(st.integers(0, max(0, len(cells) - 1)))
        cells[j] = draw(CELLS).encode("utf-8")
        lines[i] = b",".join(cells)
        data = b"\n".join(lines)
    if kind == "line" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.binary(max_size=60))
        data = b"\n".join(lines)
    if kind == "junk":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=200)) + data[at:]
    if kind == "encoding":
        enc = draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"]))
        text = data.decode()
        if enc in ("latin-1", "cp1252"):
            text = text.replace("sacrum", "sacrüm") if draw(st.booleans()) else "é" + text
        data = text.encode(enc)
    if kind == "header":
        head = draw(st.sampled_from([
            b"# smartdowel-trace v2", b"# smartdowel-trace v", b"# smartdowel-trace v1.0",
            b"# adc=mcp3008 pga_v=0 vcc_v=nan", b"# adc=ads1115 pga_v=1e308 vcc_v=1e-308",
            b"# rate_hz=-1", b"# divider_ohm=inf", b"# adc=\xff\xfe", b"t,t,t,t",
            b"t,head,upper_back", b"head,upper_back,sacrum,t,pitch,extra", b"",
        ]))
        i = draw(st.integers(0, min(3, len(lines) - 1)))
        lines[i] = head
        data = b"\n".join(lines)
    return data


@FAST
@given(mutated_traces())
def test_mutated_trace_parses_or_names_file_and_line(data):
    path = _write("mutated.csv", data)
    _read_all(path)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_are_a_trace_error(data):
    path = _write("junk.csv", data)
    assert _read_all(path) == -1 or data.startswith(b"# smartdowel-trace v1")


@FAST
@given(st.text(max_size=600))
def test_random_text_after_a_valid_header(text):
    path = _write("text.csv", (HEADER + "t,head,upper_back,sacrum,pitch\n" + text).encode("utf-8", "surrogatepass"))
    _read_all(path)


@st.composite
def typed_rows(draw) -> bytes:
    """Rows of the right shape with values of every type and size."""
    value = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                      st.sampled_from(["", "a", "--1", "1e5", "0.0000001"]))
    rows = draw(st.lists(st.tuples(value, value, value, value, value), min_size=0, max_size=30))
    body = "".join(",".join(str(v) for v in r) + "\n" for r in rows)
    return (HEADER + "t,head,upper_back,sacrum,pitch\n" + body).encode()


@FAST
@given(typed_rows())
def test_wrong_types_and_huge_values(data):
    path = _write("typed.csv", data)
    _read_all(path)


@SLOW
@given(st.one_of(mutated_traces(), typed_rows(), st.binary(max_size=300)))
def test_replay_cli_exits_0_or_2_never_raises(data):
    path = _write("replay.csv", data)
    _replay(path)


def test_replay_cli_on_paths_that_are_not_files(tmp_path):
    assert _replay(str(tmp_path)) == 2  # a folder
    assert _replay(str(tmp_path / "missing.csv")) == 2
    os.mkfifo(tmp_path / "fifo")
    link = tmp_path / "loop"
    os.symlink(link, link)  # a symlink loop
    assert _replay(str(link)) == 2


def test_replay_of_the_good_trace_and_every_truncation_of_its_head():
    assert _replay(_write("good.csv", GOOD_BYTES)) == 0
    for cut in range(0, 200, 3):  # every cut inside the header and column line
        _replay(_write("cut.csv", GOOD_BYTES[:cut]))


# -- config files -----------------------------------------------------------------------------
KEYS = {
    "hardware": ["adc", "i2c_bus", "ads1115_address", "pga_v", "adc_rate_sps", "channels", "vcc_v",
                 "divider_ohm", "imu", "imu_address", "pin_factory", "gpiochip", "bogus"],
    "sampler": ["rate_hz", "rate"],
    "buzzer": ["pin", "kind"],
    "buttons": ["a_pin", "b_pin", "long_press_s"],
    "cues": ["schedule", "mute", "clean_rep_chime", "bandwidth_s", "faded_start", "faded_end",
             "faded_over_reps", "patterns"],
    "detector": ["lost_ratio", "debounce_s", "depth_min_deg", "return_deg"],
    "data": ["dir", "usb_roots"],
}
TOML_VALUES = st.sampled_from([
    "1", "0", "-1", "99999999999999999999", "9223372036854775807", "1.5", "1e308", "-1e308", "nan",
    "inf", "-inf", "true", "false", '"x"', '""', '"ads1115"', '"mcp3008"', "[0, 1, 2]", "[0, 0, 0]",
    "[]", '["a"]', "[1.5, 2, 3]", "{}", "{a = 1}", "1979-05-27", "[[1]]", '"\\u0000"', "'''a\nb'''",
    '{ head = [[440, 0.1]] }', '{ head = "x" }',
])


@st.composite
def toml_docs(draw) -> bytes:
    parts = []
    for section in draw(st.lists(st.sampled_from(list(KEYS) + ["nope"]), max_size=4)):
        parts.append(f"[{section}]")
        for key in draw(st.lists(st.sampled_from(KEYS.get(section, ["x"])), max_size=4, unique=True)):
            parts.append(f"{key} = {draw(TOML_VALUES)}")
    text = "\n".join(parts) + "\n"
    data = text.encode()
    mode = draw(st.sampled_from(["plain", "plain", "truncate", "junk", "utf16", "bytes"]))
    if mode == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif mode == "junk":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    elif mode == "utf16":
        data = text.encode("utf-16")
    elif mode == "bytes":
        data = draw(st.binary(max_size=300))
    return data


def _load(data: bytes) -> Config | None:
    path = _write("config.toml", data)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        assert str(exc).startswith(path), str(exc)
        return None
    assert isinstance(cfg, Config)
    return cfg


@FAST
@given(toml_docs())
def test_config_is_a_config_or_a_config_error(data):
    _load(data)


@FAST
@given(st.binary(max_size=500))
def test_config_random_bytes(data):
    _load(data)


def test_config_huge_file():
    assert _load(b"[sampler]\nrate_hz = 100\n" + b"# padding\n" * 200_000) is not None
    _load(b"[cues]\npatterns = {" + b",".join(b"p%d = [[440, 0.1]]" % i for i in range(5000)) + b"}\n")


def test_config_deep_nesting_is_a_config_error():
    _load(b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n")


def test_config_deep_inline_tables_is_a_config_error():
    _load(b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000 + b"\n")


def test_config_nan_rate_is_a_config_error():
    assert _load(b"[sampler]\nrate_hz = nan\n") is None


def test_config_inf_divider_is_a_config_error():
    assert _load(b"[hardware]\ndivider_ohm = inf\n") is None


# -- athletes.csv -------------------------------------------------------------------------
@st.composite
def athlete_files(draw) -> bytes:
    names = st.one_of(st.text(max_size=50), st.sampled_from([
        "Anna", "  Ben  ", "Zoë", "李小龙", "a" * 41, "a" * 40, "\x00", "\u200b", "Ann\u200dA",
        '"Quoted, Name"', '"unclosed', "=cmd|' /C calc'!A0", "名前;12", "x\ty", "NAME"]))
    rows = draw(st.lists(names, max_size=60))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = eol.join(f"{n}{sep}{draw(st.integers(0, 99))}" for n in rows)
    if draw(st.booleans()):
        text = "name" + eol + text
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "junk"]))
    if enc == "junk":
        return draw(st.binary(max_size=800))
    return text.encode(enc, "replace") if enc != "utf-8" else text.encode("utf-8", "surrogatepass")


def _athletes(folder: str, data: bytes | None, name: str = "athletes.csv") -> AthleteList:
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    if data is not None:
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)
    result = read_athletes(folder)
    assert isinstance(result, AthleteList)
    assert len(result.names) <= MAX_ATHLETES
    assert len({n.casefold() for n in result.names}) == len(result.names)
    for n in result.names:
        assert n == n.strip() and 0 < len(n) <= 40 and "\x00" not in n
    return result


@FAST
@given(athlete_files(), st.sampled_from(["athletes.csv", "ATHLETES.CSV", "Athletes.Csv"]))
def test_athletes_csv_never_raises(data, name):
    _athletes(os.path.join(TMP, "stick"), data, name)


def test_athletes_csv_size_limit_is_not_read_whole(monkeypatch):
    folder = os.path.join(TMP, "big")
    big = (b"Name\n" + b"".join(b"Athlete %d\n" % i for i in range(1_000_000)))[:10 * 1024 * 1024]
    read_sizes: list[int] = []
    real_fdopen = os.fdopen

    def spy_fdopen(fd, *a, **kw):
        fh = real_fdopen(fd, *a, **kw)
        real_read = fh.read

        class Spy:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                fh.close()

            def read(self, n=-1):
                read_sizes.append(n)
                return real_read(n)
        return Spy()
    monkeypatch.setattr(os, "fdopen", spy_fdopen)
    result = _athletes(folder, big)
    assert result.names == [] and any("not read" in w for w in result.warnings), result.warnings
    assert all(0 < n <= MAX_ATHLETES_BYTES + 1 for n in read_sizes), read_sizes  # never read(-1)
    # exactly at the limit: read, but never more than the limit
    at_limit = (b"Name\n" + b"".join(b"A%06d\n" % i for i in range(20000)))[:MAX_ATHLETES_BYTES]
    result = _athletes(folder, at_limit)
    assert result.names and len(result.names) <= MAX_ATHLETES
    assert all(0 < n <= MAX_ATHLETES_BYTES + 1 for n in read_sizes), read_sizes


def test_athletes_csv_that_is_not_a_regular_file(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret Name\n")
    cases = {}
    for kind in ("symlink", "fifo", "dir", "dangling", "unreadable", "devnull"):
        folder = tmp_path / kind
        folder.mkdir()
        target = folder / "athletes.csv"
        if kind == "symlink":
            os.symlink(outside, target)
        elif kind == "fifo":
            os.mkfifo(target)  # O_NONBLOCK: opening it must not hang
        elif kind == "dir":
            target.mkdir()
        elif kind == "dangling":
            os.symlink(folder / "nowhere", target)
        elif kind == "unreadable":
            target.write_text("Anna\n")
            target.chmod(0)
        elif kind == "devnull":
            os.symlink("/dev/zero", target)
        cases[kind] = read_athletes(str(folder))
    for kind, result in cases.items():
        if kind == "unreadable" and os.geteuid() == 0:
            continue  # root reads anything
        assert result.names == [], (kind, result)
        assert result.warnings, kind
    assert "Secret Name" not in str(cases)


def test_athletes_on_a_folder_that_is_gone_or_not_a_folder(tmp_path):
    assert read_athletes(str(tmp_path / "gone")).warnings
    f = tmp_path / "file"
    f.write_text("x")
    assert read_athletes(str(f)).warnings
    r = read_athletes(str(tmp_path))  # no athletes.csv: nothing, no warning
    assert r.names == [] and r.warnings == []


def test_random_seeded_binary_athletes_files():
    rng = random.Random(7)
    folder = os.path.join(TMP, "rnd")
    for _ in range(200):
        size = rng.choice([0, 1, 10, 1000, MAX_ATHLETES_BYTES - 1, MAX_ATHLETES_BYTES, MAX_ATHLETES_BYTES + 1])
        _athletes(folder, rng.randbytes(size))
