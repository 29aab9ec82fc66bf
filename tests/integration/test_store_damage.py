"""A damaged database or journal, and a card gone read-only: nothing readable is abandoned, nothing
lost goes unsaid, and the sets can still be taken off the box."""
from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from support.processes import run_cli
from device.store.connection import DB_NAME
from device.store.store import Store
from support.stores import build_store, read_only_card

PAGE = 4096


def _page_of(path, name: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]


def _garble_page(path, page: int) -> None:
    data = bytearray(path.read_bytes())
    start = (page - 1) * PAGE
    data[start:start + PAGE] = b"\xa5" * PAGE
    path.write_bytes(bytes(data))


def test_a_damaged_index_costs_no_set(tmp_path):
    """One damaged index page used to move everything aside and empty History: every set was
    still readable in the moved file. Now they are copied into the new database."""
    with build_store(str(tmp_path), sets=6, reps=4) as store:
        before = [tuple(r) for r in store.conn.execute("SELECT * FROM sets ORDER BY id")]
        reps = store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = tmp_path / DB_NAME
    _garble_page(db, _page_of(db, "sets_session"))
    with Store.open(str(tmp_path)) as store:
        assert store.moved_aside and os.path.exists(store.moved_aside)  # kept, never deleted
        assert [tuple(r) for r in store.conn.execute("SELECT * FROM sets ORDER BY id")] == before
        assert store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == reps
        assert store.integrity() == "ok"
        assert "6 sets recovered" in store.notices[0]
        assert [r["number"] for r in store.iter_set_summaries()] == [1, 2, 3, 4, 5, 6]


def test_a_damaged_table_page_costs_only_its_rows(tmp_path):
    with build_store(str(tmp_path), sets=6, reps=100) as store:  # reps over many leaf pages
        total = store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = tmp_path / DB_NAME
    with sqlite3.connect(db) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    _garble_page(db, pages - 1)  # a page near the end: rows of the last table written
    with Store.open(str(tmp_path)) as store:
        kept = store.conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
        assert store.integrity() == "ok" and "unreadable row(s) lost" in store.notices[0]
        assert total - 80 <= kept < total  # a leaf page's worth lost (about 70 reps), never the table
        assert len(list(store.iter_set_summaries())) == 6


def _crash_image(src, dst) -> None:
    """The card as a power cut leaves it: the database and its journal, no shared memory."""
    dst.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(src / (DB_NAME + suffix), dst / (DB_NAME + suffix))


def test_a_damaged_journal_is_reported_and_kept(tmp_path):
    """A damaged -wal made SQLite drop every set since the last checkpoint, silently."""
    src = tmp_path / "box"
    src.mkdir()
    store = build_store(str(src), sets=0)
    store.conn.execute("PRAGMA wal_autocheckpoint = 0")  # as a box that never reached a checkpoint
    from support.stores import add_set, STARTED
    session = store.begin_session(store.guest_id(), STARTED)
    for i in range(6):
        add_set(store, session, i, reps=3)
    card = tmp_path / "card"
    _crash_image(src, card)
    store.close()
    wal = card / (DB_NAME + "-wal")
    data = bytearray(wal.read_bytes())
    middle = 32 + (len(data) - 32) // 2
    data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])  # a page in mid-log
    wal.write_bytes(bytes(data))
    with Store.open(str(card)) as opened:
        assert opened.notices and "journal was damaged" in opened.notices[0]
        kept = [p for p in os.listdir(card) if ".damaged-" in p]
        assert len(kept) == 1 and (card / kept[0]).read_bytes() == bytes(data)  # the evidence, as it was
        assert len(list(opened.iter_set_summaries())) < 6  # what SQLite could not read is missing...
    with Store.open(str(card)) as again:
        assert not again.notices  # ...and said once: the next start is clean


def test_an_interrupted_last_transaction_is_not_damage(tmp_path):
    """A power cut mid-commit leaves frames after the last commit: expected, not reported."""
    src = tmp_path / "box"
    src.mkdir()
    with build_store(str(src), sets=2) as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")
        store.add_athlete("Sam")
        card = tmp_path / "card"
        _crash_image(src, card)
    wal = card / (DB_NAME + "-wal")
    data = wal.read_bytes()
    wal.write_bytes(data + data[32:32 + 24 + PAGE][:24] + b"\x00" * 100)  # a torn frame at the end
    with Store.open(str(card)) as opened:
        assert opened.notices == []


@pytest.mark.parametrize("command", ["sessions", "export"])
def test_a_read_only_card_still_gives_its_sets(tmp_path, command):
    data = tmp_path / "data"
    prefix = read_only_card(data, sets=3)
    dest = tmp_path / "stick"
    dest.mkdir()
    args = ["sessions", "--json", "--data", str(data)] if command == "sessions" else \
        ["export", str(dest), "--data", str(data)]
    try:
        p = run_cli(*args, prefix=prefix)
    finally:
        data.chmod(0o755)
    assert p.returncode == 0, p.stderr
    if command == "sessions":
        assert p.stdout.count('"set_id"') == 3
    else:
        assert "exported 3 sets" in p.stdout and "could not be marked as exported" in p.stdout
        assert len([d for d in dest.iterdir() if d.name.startswith("smartdowel-export-")]) == 1


def test_a_finished_set_is_in_the_database_file_itself(tmp_path):
    """A checkpoint at every set end: the finished set survives even if the log is lost."""
    from support.signals import ev
    from device.core.signal import Sample, SignalChain
    from device.store.recorder import SetRecorder
    store = Store.open(str(tmp_path / "box"))
    rec = SetRecorder(store, SignalChain(), clock=lambda: 1_700_000_000.0)
    for i in range(400):
        rec.post_sample(Sample(round(i * 0.01, 4), 9000, 9100, 9200, 3.0))
    rec.post_event(ev({"t": 3.5, "type": "ready", "standing_deg": 3.0, "baseline_us": {}}))
    rec.post_event(ev({"t": 3.6, "type": "rep_started", "rep": 1}))
    rec.post_event(ev({"t": 3.8, "type": "rep_completed", "rep": 1, "depth_deg": 50.0,
                       "duration_s": 0.2, "faults": []}))  # a rep: a set worth keeping
    rec.post_event(ev({"t": 3.9, "type": "set_ended", "reason": "button", "reps": 1}))
    assert rec.sync()
    copy = tmp_path / "db-only"
    copy.mkdir()
    shutil.copyfile(tmp_path / "box" / DB_NAME, copy / DB_NAME)  # the log left behind
    with sqlite3.connect(copy / DB_NAME) as conn:
        assert conn.execute("SELECT end_reason FROM sets").fetchall() == [("button",)]
    rec.close()
    store.close()
