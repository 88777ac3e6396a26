"""Reading on a full disk: the counter keeps showing what it holds when it cannot write.

A WAL database needs its ``-shm`` file to be read; when no other process has it open,
SQLite must create and size it first, which a full disk refuses ("disk I/O error"). When
that happens and the write-ahead log holds nothing (the last connection checkpointed it),
the main file is complete, and it is opened ``immutable``: no shared memory, no locks, no
writes. Writes are refused with the usual "Ổ đĩa đầy" message by :class:`RefusingWriter`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from kiosk.errors import KioskError
from kiosk.storage.sqlite import Database

T = TypeVar("T")


class RefusingWriter:
    """Stands in for the writer thread while the disk is full: every write gets ``error``."""

    def __init__(self, error: KioskError) -> None:
        self.error = error

    def on_writer_thread(self) -> bool:
        return False

    def submit(self, fn: Callable[[Database], T]) -> Future[T]:
        future: Future[T] = Future()
        future.set_exception(_copy(self.error))
        return future

    def call(self, fn: Callable[[Database], T]) -> T:
        return self.submit(fn).result()

    def close(self) -> None:
        pass


def _copy(error: KioskError) -> KioskError:
    # A fresh exception each time: one instance raised from many places gathers tracebacks.
    return type(error)(error.message, hint=error.hint, **error.details)


def wal_is_empty(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size == 0
    except FileNotFoundError:
        return True


def connect_immutable(path: Path) -> Database:
    """A read-only connection that needs no ``-shm`` file (see the module docstring)."""
    uri = f"file:{quote(str(path.resolve()))}?immutable=1"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return Database(conn)


def readable_on_full_disk(path: Path) -> bool:
    """True when a full disk may be read through :func:`connect_immutable` safely."""
    return path.is_file() and wal_is_empty(path)
