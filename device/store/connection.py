"""One SQLite connection with the store's settings, and transactions on it.

Why these settings:

- `isolation_level=None`: the store says BEGIN and COMMIT itself, so a
  transaction is exactly as wide as `transaction()` makes it.
- `synchronous=FULL`: in WAL mode NORMAL only syncs at checkpoints, so a power
  cut may roll back the last few commits. The promise is "a power cut loses at
  most the rep in progress", so every commit must be on the card when it
  returns. That is one fsync per rep, every couple of seconds: nothing.
- foreign keys on: a rep can never point at a set that is not there.
- `check_same_thread`: one connection per thread (`Store.clone()` for another).
"""
from __future__ import annotations

import os
import sqlite3
import urllib.parse
from contextlib import contextmanager
from typing import Iterator, Self

DB_NAME = "smartdowel.db"
TRACE_DIR = "traces"  # each set's raw trace, a gzip file, beside the database


def connect(path: str, read_only: bool = False) -> sqlite3.Connection:
    """A connection with the store's settings; raises sqlite3 errors as they come.

    read_only opens with SQLite's `mode=ro`: a card that turned read-only (or
    is full) can still be read, its log included, as long as the log's files
    exist, which they do on a card the box was writing to. With no log at all
    (the box closed it cleanly), or an empty one (a write that found the card
    full left it so), the file is opened as immutable: there is nothing else
    to read, and SQLite need not create or grow the log's files."""
    if read_only:
        name = "file:" + urllib.parse.quote(os.path.abspath(path))
        has_log = _size(path + "-wal") > 0 and os.path.exists(path + "-shm")
        uri = name + ("?mode=ro" if has_log else "?immutable=1")
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10.0, check_same_thread=True)
    else:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=True)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class Connected:
    """A connection to the store's file and where its data folder is: what every part of Store uses."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self.data_dir = os.path.dirname(path)
        self.trace_dir = os.path.join(self.data_dir, TRACE_DIR)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error); nested uses join the outer one."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
