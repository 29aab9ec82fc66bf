"""The export: what lands on the stick, that it reads back to the store's numbers, and bad media."""
from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime

import pytest

from device.export.charts import ChartPool
from device.export.columns import CSV_FILES, columns_markdown
from device.export.errors import ExportError
from device.export.layout import FOLDER_PREFIX, MANIFEST, PARTIAL, fat_safe
from device.export.media import Media
from device.export.report.tables import file_stem
from device.export.run import export
from device.store.box import box_id
from device.store.store import Store
from ui.chart_png import render_png
from support.stores import ATHLETE, STARTED, add_set, build_store, dump
from support.repo import REPO

ROOT = str(REPO)
NOW = 1_700_003_600.0
FOLDER = FOLDER_PREFIX + time.strftime("%Y-%m-%dT%H-%M-%S", time.localtime(NOW))


def read_csv(folder: str, name: str) -> list[dict[str, str]]:
    with open(os.path.join(folder, name), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def files_in(folder: str) -> list[str]:
    out = []
    for base, _dirs, files in os.walk(folder):
        out += [os.path.relpath(os.path.join(base, f), folder).replace(os.sep, "/") for f in files]
    return sorted(out)


def num(text: str) -> float | None:
    return None if text == "" else float(text)


@pytest.fixture
def store(tmp_path):
    s = build_store(str(tmp_path / "data"))
    yield s
    s.close()


@pytest.fixture
def stick(tmp_path):
    path = tmp_path / "stick"
    path.mkdir()
    return str(path)


def test_everything_lands_on_the_stick_and_reads_back_to_the_store(store, stick):
    result = export(store, stick, chart=render_png, workers=0, now=NOW)
    folder = os.path.join(stick, FOLDER)
    assert (result.folder, result.sets, result.reps, result.sessions) == (folder, 3, 12, 1)
    assert os.listdir(stick) == [FOLDER] and fat_safe(FOLDER)
    names = files_in(folder)
    assert all(fat_safe(part) for name in names for part in name.split("/"))
    stem = file_stem(ATHLETE, set())
    assert names == sorted([MANIFEST, "README.txt", "sessions.csv", "sets.csv", "reps.csv",
                            "contact_losses.csv", "plan.csv", "sessions/session-000001.json", "report.html",
                            f"{stem}-sets.csv", f"{stem}-sets-engineering.csv"]
                           + [f"charts/set-{i:06d}.png" for i in (1, 2, 3)]
                           + [f"traces/set-{i:06d}.csv.gz" for i in (1, 2, 3)])
    assert result.files == len(names) and result.warnings == []
    box = box_id(store.data_dir)
    assert {r["box_id"] for r in read_csv(folder, "sets.csv") + read_csv(folder, "sessions.csv")} == {box}

    lines = open(os.path.join(folder, MANIFEST)).read().splitlines()
    manifest = dict(reversed(line.split("  ", 1)) for line in lines)  # sha256sum's format
    assert sorted(manifest) == [n for n in names if n != MANIFEST]
    for name, digest in manifest.items():
        assert hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest() == digest

    for name, columns, _ in CSV_FILES:
        assert open(os.path.join(folder, name), "rb").read(3) == b"\xef\xbb\xbf"  # Excel reads UTF-8
        with open(os.path.join(folder, name), encoding="utf-8-sig", newline="") as fh:
            assert next(csv.reader(fh)) == [c for c, _ in columns]  # one header row, documented columns
    check_sets(store, folder)
    check_reps_and_losses(store, folder)
    sessions = read_csv(folder, "sessions.csv")
    assert [(s["session_id"], s["athlete"], s["sets"], s["reps"], s["clean_reps"], s["contact_losses"])
            for s in sessions] == [("1", ATHLETE, "3", "12", "9", "6")]
    assert datetime.fromisoformat(sessions[0]["started_at"]).timestamp() == STARTED

    doc = json.load(open(os.path.join(folder, "sessions/session-000001.json"), encoding="utf-8"))
    assert (doc["athlete"]["name"], doc["totals"]["reps"], len(doc["sets"])) == (ATHLETE, 12, 3)
    sets_csv = read_csv(folder, "sets.csv")
    for item, row in zip(doc["sets"], sets_csv):
        assert {k: "" if v is None else str(v) for k, v in item.items() if k in row} == row
        stored = store.reps_of(item["set_id"])
        assert [r["depth_deg"] for r in item["rep_list"]] == [r["depth_deg"] for r in stored]

    import pygame
    for i in (1, 2, 3):
        assert pygame.image.load(os.path.join(folder, f"charts/set-{i:06d}.png")).get_size() == (600, 250)
        source = os.path.join(store.data_dir, store.set_row(i)["trace"])
        copied = os.path.join(folder, f"traces/set-{i:06d}.csv.gz")
        assert open(copied, "rb").read() == open(source, "rb").read()
    readme = open(os.path.join(folder, "README.txt"), encoding="utf-8").read()
    for name, columns, _ in CSV_FILES:
        assert name in readme and all(f"\n{c} " in readme for c, _ in columns)
    marked = store.conn.execute("SELECT DISTINCT export_id FROM sets").fetchall()
    assert [tuple(r) for r in marked] == [(1,)]
    assert tuple(store.conn.execute("SELECT folder, sets FROM exports").fetchone()) == (FOLDER, 3)


def check_sets(store: Store, folder: str) -> None:
    for row in read_csv(folder, "sets.csv"):
        st = store.set_row(int(row["set_id"]))
        reps = store.reps_of(st["id"])
        losses = store.losses_of(st["id"])
        assert datetime.fromisoformat(row["started_at"]).timestamp() == int(st["started_at"])
        assert datetime.fromisoformat(row["ended_at"]).timestamp() == int(st["ended_at"])
        assert (float(row["duration_s"]), int(row["reps"]), int(row["contact_losses"]), int(row["dips"])) == \
            (st["duration_s"], len(reps), len(losses), st["dips"])
        assert int(row["clean_reps"]) == sum(1 for r in reps if not r["faults"])
        assert int(row["sacrum_losses"]) == sum(1 for x in losses if x["contact"] == "sacrum")
        assert float(row["max_depth_deg"]) == max(r["depth_deg"] for r in reps)
        assert float(row["mean_depth_deg"]) == round(sum(r["depth_deg"] for r in reps) / len(reps), 2)
        assert float(row["baseline_head_us"]) == st["baseline_head_us"]
        assert float(row["trace_ready_s"]) == st["trace_ready_s"]
        assert row["sensor_faults"] == st["sensor_faults"].replace(",", ";")
        assert (row["athlete"], int(row["set_number"]), row["end_reason"]) == \
            (ATHLETE, st["number"], "dowel_removed")


def check_reps_and_losses(store: Store, folder: str) -> None:
    reps = read_csv(folder, "reps.csv")
    stored = store.conn.execute("SELECT * FROM reps ORDER BY set_id, rep").fetchall()
    assert len(reps) == len(stored) == 12
    for row, r in zip(reps, stored):
        assert (int(row["set_id"]), int(row["rep"])) == (r["set_id"], r["rep"])
        for key in ("start_s", "end_s", "depth_deg", "duration_s", "descent_s", "bottom_s", "ascent_s"):
            assert num(row[key]) == r[key], key
        faults = r["faults"].split(",") if r["faults"] else []
        assert row["faults"] == ";".join(faults) and int(row["clean"]) == (not faults)
        assert [int(row[f"{c}_lost"]) for c in ("head", "upper_back", "sacrum")] == \
            [int(c in faults) for c in ("head", "upper_back", "sacrum")]
    losses = read_csv(folder, "contact_losses.csv")
    stored = store.conn.execute("SELECT * FROM contact_losses ORDER BY set_id, start_s, id").fetchall()
    assert len(losses) == len(stored) == 6
    for row, x in zip(losses, stored):
        assert (int(row["set_id"]), row["contact"], row["cause"], row["phase"], int(row["rep"])) == \
            (x["set_id"], x["contact"], x["cause"], x["phase"], x["rep"])
        assert (num(row["start_s"]), num(row["duration_s"]), int(row["restored"])) == \
            (x["start_s"], x["duration_s"], x["restored"])


def test_only_new_sets_unless_all(store, stick):
    assert export(store, stick, chart=render_png, workers=0, now=NOW).sets == 3
    session = store.conn.execute("SELECT id FROM sessions").fetchone()[0]
    add_set(store, session, 3)
    add_set(store, session, 4, finished=False)  # in progress: never exported
    second = export(store, stick, chart=render_png, workers=0, now=NOW)
    assert (second.sets, os.path.basename(second.folder)) == (1, FOLDER + "-2")
    assert [r["set_id"] for r in read_csv(second.folder, "sets.csv")] == ["4"]
    nothing = export(store, stick, chart=render_png, workers=0, now=NOW)
    assert nothing.folder is None and nothing.sets == 0 and len(os.listdir(stick)) == 2
    everything = export(store, stick, all_sets=True, chart=render_png, workers=0, now=NOW)
    assert [r["set_id"] for r in read_csv(everything.folder, "sets.csv")] == ["1", "2", "3", "4"]
    assert store.set_row(5)["export_id"] is None


def test_names_that_would_run_as_formulas_are_quoted_in_csv_only(tmp_path, stick):
    with build_store(str(tmp_path / "data"), sets=1, athlete="=HYPERLINK(1)") as store:
        result = export(store, stick, chart=render_png, workers=0)
    assert {r["athlete"] for r in read_csv(result.folder, "reps.csv")} == {"'=HYPERLINK(1)"}
    doc = json.load(open(os.path.join(result.folder, "sessions/session-000001.json")))
    assert doc["athlete"]["name"] == "=HYPERLINK(1)"


def test_a_missing_trace_is_a_note_not_a_failure(store, stick):
    os.unlink(os.path.join(store.data_dir, store.set_row(2)["trace"]))
    result = export(store, stick, chart=render_png, workers=0)
    assert result.sets == 3 and len(result.warnings) == 1 and "set 2: trace not kept" in result.warnings[0]
    row = read_csv(result.folder, "sets.csv")[1]
    assert (row["set_id"], row["trace_file"], row["chart_file"]) == ("2", "", "")
    assert not os.path.exists(os.path.join(result.folder, "charts/set-000002.png"))
    assert "set 2: trace not kept" in open(os.path.join(result.folder, "README.txt")).read()


def test_without_a_renderer_no_charts_are_drawn_and_the_export_says_so(store, stick):
    result = export(store, stick, workers=0, now=NOW)
    names = files_in(result.folder)
    assert (result.sets, result.warnings) == (3, []) and not any(n.startswith("charts") for n in names)
    assert not os.path.exists(os.path.join(result.folder, "charts"))
    assert [r["chart_file"] for r in read_csv(result.folder, "sets.csv")] == ["", "", ""]
    assert all(r["trace_file"] for r in read_csv(result.folder, "sets.csv"))
    readme = open(os.path.join(result.folder, "README.txt"), encoding="utf-8").read()
    assert "made without a chart renderer" in readme and "\ncharts/set-<set_id>.png\n" not in readme


def test_chart_workers_draw_the_same_charts(tmp_path, store):
    inline = export(store, str(tmp_path), chart=render_png, workers=0, now=NOW)
    pooled = export(store, str(tmp_path), all_sets=True, chart=render_png, workers=1, now=NOW)
    for i in (1, 2, 3):
        name = f"charts/set-{i:06d}.png"
        a, b = (open(os.path.join(r.folder, name), "rb").read() for r in (inline, pooled))
        assert a == b


def test_with_chart_workers_each_session_is_one_file_however_its_charts_come_back(tmp_path, store):
    """The last sets' charts are still in flight when the sets run out: their rows (and their
    session's file) were closed too early, and the session's file was then made again."""
    second = store.begin_session(store.add_athlete("Ben"), STARTED + 5_000)
    for i in range(3, 12):
        add_set(store, second, i)
    result = export(store, str(tmp_path), chart=render_png, workers=1, now=NOW)
    doc = json.load(open(os.path.join(result.folder, "sessions/session-000002.json"), encoding="utf-8"))
    assert result.sets == 12 and len(doc["sets"]) == 9
    assert [r["sets"] for r in read_csv(result.folder, "sessions.csv")] == ["3", "9"]


def test_a_broken_chart_pool_falls_back_to_drawing_here(store):
    from concurrent.futures.process import BrokenProcessPool
    from device.export.series import ChartJob

    class Broken:
        def submit(self, *a):
            raise BrokenProcessPool("a worker died")

        def shutdown(self, **kw):
            pass
    charts = ChartPool(0, render_png)
    charts.pool = Broken()
    trace = os.path.join(store.data_dir, store.set_row(1)["trace"])
    job = ChartJob(trace, (250.0, 600.0, 500.0), 3.0, (("head", 1.0, 2.0),), ((0.5, 2.5),), "t")
    got = list(charts.submit("a", job)) + list(charts.submit("b", None)) + list(charts.drain())
    assert [k for k, _ in got] == ["a", "b"] and got[0][1][:8] == b"\x89PNG\r\n\x1a\n" and got[1][1] is None
    assert charts.pool is None


def test_docs_list_the_same_columns():
    path = os.path.join(ROOT, "docs", "export-columns.md")
    assert open(path, encoding="utf-8").read() == columns_markdown(), \
        "regenerate: python -m device.export.columns > docs/export-columns.md"


def test_memory_does_not_grow_with_the_number_of_sets(tmp_path):
    import tracemalloc
    peaks = []
    for n in (10, 60):
        with build_store(str(tmp_path / f"data{n}"), sets=n, reps=2) as s:
            dest = tmp_path / f"stick{n}"
            dest.mkdir()
            export(s, str(dest), chart=render_png, workers=0)  # warm: fonts, tables, caches
            tracemalloc.start()
            export(s, str(dest), all_sets=True, chart=render_png, workers=0)
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.25 + 200_000, peaks


# -- bad media -------------------------------------------------------------------------------
def assert_failed_cleanly(store: Store, stick: str, before: dict, exc: ExportError, *words: str,
                          others_there: bool = False) -> None:
    """One line naming the place and what to do, the store as it was, no finished-looking folder left."""
    text = str(exc)
    assert "\n" not in text and text.startswith("export failed: ") and stick in text
    for w in words:
        assert w in text, text
    assert dump(store) == before
    if os.path.isdir(stick) and not others_there:
        assert not [n for n in os.listdir(stick) if n.startswith(FOLDER_PREFIX) and not n.endswith(PARTIAL)]


def test_no_such_folder(store, tmp_path):
    before = dump(store)
    with pytest.raises(ExportError) as info:
        export(store, str(tmp_path / "gone"), chart=render_png, workers=0)
    assert_failed_cleanly(store, str(tmp_path / "gone"), before, info.value, "no folder", "plugged in")


def test_a_file_is_not_a_folder(store, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    before = dump(store)
    with pytest.raises(ExportError) as info:
        export(store, str(target), chart=render_png, workers=0)
    assert_failed_cleanly(store, str(target), before, info.value, "is not a folder")
    assert target.read_text() == "x"


def test_a_symlinked_destination_is_not_followed(store, tmp_path, stick):
    link = tmp_path / "link"
    os.symlink(stick, link)
    before = dump(store)
    with pytest.raises(ExportError) as info:
        export(store, str(link), chart=render_png, workers=0)
    assert_failed_cleanly(store, str(link), before, info.value, "symbolic link")
    assert os.listdir(stick) == []


@pytest.mark.parametrize("where", ["/proc", "/sys"])
def test_not_a_filesystem_for_files(store, where):
    before = dump(store)
    with pytest.raises(ExportError) as info:
        export(store, where, chart=render_png, workers=0)
    assert_failed_cleanly(store, where, before, info.value, "not on a filesystem that stores files")


def test_names_already_there_are_skipped_never_followed_or_overwritten(store, tmp_path, stick):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, os.path.join(stick, FOLDER))  # a symlink with our name
    open(os.path.join(stick, FOLDER + "-2" + PARTIAL), "w").close()  # a file with our partial name
    os.symlink(tmp_path / "nowhere", os.path.join(stick, FOLDER + "-3" + PARTIAL))  # a dangling one
    os.mkdir(os.path.join(stick, FOLDER + "-4"))  # an old export
    open(os.path.join(stick, FOLDER + "-4", "sets.csv"), "w").write("old")
    result = export(store, stick, chart=render_png, workers=0, now=NOW)
    assert os.path.basename(result.folder) == FOLDER + "-5"
    assert os.listdir(outside) == [] and not os.path.exists(tmp_path / "nowhere")
    assert open(os.path.join(stick, FOLDER + "-4", "sets.csv")).read() == "old"
    assert os.path.getsize(os.path.join(stick, FOLDER + "-2" + PARTIAL)) == 0


class FaultyMedia(Media):
    """The real filesystem, except one operation that fails like a bad stick would."""

    def __init__(self, op: str, nth: int, code: int) -> None:
        self.op, self.nth, self.code, self.calls = op, nth, code, 0

    def _maybe(self, op: str) -> None:
        if op == self.op:
            self.calls += 1
            if self.calls == self.nth:
                raise OSError(self.code, os.strerror(self.code))

    def create(self, name, dir_fd):
        self._maybe("create")
        return super().create(name, dir_fd)

    def write(self, fd, data):
        self._maybe("write")
        super().write(fd, data)

    def fsync(self, fd):
        self._maybe("fsync")
        super().fsync(fd)

    def rename(self, src, dst, src_dir_fd, dst_dir_fd):
        self._maybe("folder_rename" if src.endswith(PARTIAL) else "rename")
        super().rename(src, dst, src_dir_fd, dst_dir_fd)

    def mkdir(self, name, dir_fd):
        self._maybe("mkdir")
        super().mkdir(name, dir_fd)


WORDS = {errno.ENOSPC: "is full", errno.EROFS: "is read-only", errno.EACCES: "no permission",
         errno.EIO: "was removed or stopped working", errno.ENOENT: "was removed or stopped working"}


@pytest.mark.parametrize("code", sorted(WORDS))
@pytest.mark.parametrize("op,nth", [("mkdir", 1), ("mkdir", 3), ("create", 6), ("write", 4), ("fsync", 5),
                                    ("rename", 7), ("folder_rename", 1)])
def test_each_failure_of_the_medium_is_one_clear_line_and_a_retry_works(store, stick, op, nth, code):
    before = dump(store)
    media = FaultyMedia(op, nth, code)
    with pytest.raises(ExportError) as info:
        export(store, stick, chart=render_png, workers=0, media=media, now=NOW)
    assert media.calls == nth  # the fault really happened where the test says
    assert_failed_cleanly(store, stick, before, info.value, WORDS[code])
    assert os.listdir(stick) == []  # our incomplete folder was removed (the stick was fine really)
    assert export(store, stick, chart=render_png, workers=0, now=NOW).sets == 3


def test_the_stick_pulled_out_mid_export(store, stick):
    before = dump(store)

    def yank(done: int, total: int) -> None:
        if done == 1:
            shutil.rmtree(os.path.join(stick, FOLDER + PARTIAL))
    with pytest.raises(ExportError) as info:
        export(store, stick, chart=render_png, workers=0, now=NOW, progress=yank)
    assert_failed_cleanly(store, stick, before, info.value, "was removed or stopped working", PARTIAL)
    result = export(store, stick, chart=render_png, workers=0, now=NOW)
    assert result.sets == 3 and os.listdir(stick) == [FOLDER]


def as_nobody(fn) -> str:
    """Run fn() in a forked child that dropped root (root writes through any permission);
    returns what it returned, or the ExportError's text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                text = str(fn())
            except ExportError as exc:
                text = "ExportError: " + str(exc)
            os.write(write, text.encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        out = fh.read().decode()
    assert os.waitpid(pid, 0)[1] == 0
    return out


def test_read_only_by_permissions(tmp_path):
    shared = tempfile.mkdtemp(prefix="smartdowel-perm-")  # a place the unprivileged child can reach
    try:
        build_store(os.path.join(shared, "data")).close()
        stick = os.path.join(shared, "stick")
        os.mkdir(stick)
        for base, dirs, files in os.walk(shared):
            for name in dirs + files:
                os.chmod(os.path.join(base, name), 0o777)
        os.chmod(shared, 0o777)
        os.chmod(stick, 0o555)  # the stick's folder: no writing for anyone but root

        def attempt() -> str:
            with Store.open(os.path.join(shared, "data"), create=False, recover=False) as s:
                return repr(export(s, stick, chart=render_png, workers=0))
        text = as_nobody(attempt)
        assert text.startswith("ExportError: export failed: no permission to write in " + stick), text
        assert "\n" not in text and os.listdir(stick) == []
        with Store.open(os.path.join(shared, "data")) as s:
            assert s.conn.execute("SELECT COUNT(*) FROM sets WHERE export_id IS NOT NULL").fetchone()[0] == 0
        os.chmod(stick, 0o777)
        assert "sets=3" in as_nobody(attempt)  # a retry on a writable stick works
    finally:
        shutil.rmtree(shared, ignore_errors=True)


@contextlib.contextmanager
def tmpfs(path: str, size: str):
    """A real small filesystem (root only; skipped where mounting is not allowed)."""
    os.makedirs(path, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def test_read_only_mount(store, tmp_path):
    with tmpfs(str(tmp_path / "ro"), "1m") as stick:
        subprocess.run(["mount", "-o", "remount,ro", stick], check=True)
        before = dump(store)
        with pytest.raises(ExportError) as info:
            export(store, stick, chart=render_png, workers=0)
        assert_failed_cleanly(store, stick, before, info.value, "is read-only", "write-protect")
        subprocess.run(["mount", "-o", "remount,rw", stick], check=True)
        assert export(store, stick, chart=render_png, workers=0).sets == 3


def test_a_stick_too_small_is_refused_before_writing(store, tmp_path):
    with tmpfs(str(tmp_path / "tiny"), "16k") as stick:
        before = dump(store)
        with pytest.raises(ExportError) as info:
            export(store, stick, chart=render_png, workers=0)
        assert_failed_cleanly(store, stick, before, info.value, "is full", "needs about")
        assert os.listdir(stick) == []


def test_a_stick_that_fills_up_mid_export(tmp_path):
    with build_store(str(tmp_path / "data"), sets=8) as store, tmpfs(str(tmp_path / "full"), "1m") as stick:
        from device.export.run import bytes_needed
        from device.store.exports import ExportSnapshot
        with ExportSnapshot(store, False) as probe:
            need = bytes_needed(probe)
        vfs = os.statvfs(stick)
        filler = vfs.f_bavail * vfs.f_frsize - need - 8192  # passes the estimate, not the real thing
        with open(os.path.join(stick, "filler"), "wb") as fh:
            fh.write(b"\0" * filler)
        before = dump(store)
        with pytest.raises(ExportError) as info:
            export(store, stick, chart=render_png, workers=0, now=NOW)
        assert_failed_cleanly(store, stick, before, info.value, "is full", "free some space")
        assert os.listdir(stick) == ["filler"]  # the incomplete export was removed again
        os.unlink(os.path.join(stick, "filler"))
        assert export(store, stick, chart=render_png, workers=0, now=NOW).sets == 8


# -- FAT -------------------------------------------------------------------------------------
def test_the_export_goes_onto_a_real_fat_filesystem(store, tmp_path):
    tools = {t: shutil.which(t) for t in ("mkfs.vfat", "mcopy", "mdir")}
    if not all(tools.values()):
        pytest.skip("mtools/dosfstools not installed (apt-get install mtools dosfstools)")
    result = export(store, str(tmp_path), chart=render_png, workers=0, now=NOW)
    image = str(tmp_path / "stick.img")
    env = {**os.environ, "MTOOLS_SKIP_CHECK": "1"}
    subprocess.run([tools["mkfs.vfat"], "-C", image, "16384"], check=True, capture_output=True)
    subprocess.run([tools["mcopy"], "-s", "-i", image, result.folder, "::/"], check=True, env=env,
                   capture_output=True)
    listing = subprocess.run([tools["mdir"], "-/", "-b", "-i", image, "::/"], check=True, env=env,
                             capture_output=True, text=True).stdout.split()
    on_fat = sorted(p.split(f"::/{FOLDER}/", 1)[1] for p in listing if p.startswith(f"::/{FOLDER}/")
                    and not p.endswith("/"))
    local = files_in(result.folder)
    assert on_fat == local  # every name kept exactly
    back = tmp_path / "back"
    back.mkdir()
    subprocess.run([tools["mcopy"], "-s", "-i", image, f"::/{FOLDER}", str(back)], check=True, env=env,
                   capture_output=True)
    for line in open(back / FOLDER / MANIFEST).read().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((back / FOLDER / name).read_bytes()).hexdigest() == digest


def test_a_name_taken_at_the_last_moment_is_not_overwritten(store, stick):
    class Racing(Media):
        def rename(self, src, dst, src_dir_fd, dst_dir_fd):
            if src.endswith(PARTIAL):  # someone makes a folder with the final name just now
                os.mkdir(os.path.join(stick, dst))
            super().rename(src, dst, src_dir_fd, dst_dir_fd)
    before = dump(store)
    with pytest.raises(ExportError) as info:
        export(store, stick, chart=render_png, workers=0, media=Racing(), now=NOW)
    assert_failed_cleanly(store, stick, before, info.value, "never overwritten", others_there=True)
    assert os.listdir(stick) == [FOLDER] and os.listdir(os.path.join(stick, FOLDER)) == []
